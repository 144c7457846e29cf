// How a view spells the values of a wire enum. Each view keeps the spelling it always had (the
// CLI, admin HTTP and version 1's records show "alive", "dir", "running"); the wire carries an
// enum. One table per enum, read both ways.

export class Spelling<View extends string, Wire extends string> {
  private readonly toView = new Map<Wire, View>();
  private readonly byText = new Map<string, Wire>();

  constructor(
    /** What the values are, for errors: "peer state". */
    private readonly what: string,
    private readonly toWire: Readonly<Record<View, Wire>>,
  ) {
    for (const [view, wire] of Object.entries(toWire) as Array<[View, Wire]>) {
      this.toView.set(wire, view);
      this.byText.set(view, wire);
    }
  }

  /** The wire value of a view's spelling; a spelling the table lacks is a bug of the caller. */
  wire(view: View): Wire {
    const wire = Object.hasOwn(this.toWire, view) ? this.toWire[view] : undefined;
    if (wire === undefined) throw new RangeError(`${JSON.stringify(view)} is not a ${this.what}`);
    return wire;
  }

  /** The spelling of a wire value: one the table does not know (unspecified, or a newer peer's) is refused rather than shown as something it is not. */
  view(wire: Wire): View {
    const view = this.toView.get(wire);
    if (view === undefined) throw new RangeError(`the wire value ${JSON.stringify(wire)} is not a ${this.what} this version knows`);
    return view;
  }

  /** The spelling of a wire value, or "" for one without (an unset field): for showing what may be unset. */
  show(wire: Wire): View | "" {
    return this.toView.get(wire) ?? "";
  }

  /** The wire value `text` spells, or undefined: for text from outside (a version-1 record, a job module's option). */
  parse(text: string): Wire | undefined {
    return this.byText.get(text);
  }
}
