// A strict reader of Prometheus's text exposition format (version 0.0.4), for tests that scrape
// /metrics: it checks what a Prometheus server would reject (a sample before its TYPE, a bad
// metric or label name, a malformed value or label escape) and returns every sample.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  helps: Map<string, string>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
// Samples of a histogram or summary carry these suffixes after the family's name.
const SUFFIXES = ["_bucket", "_sum", "_count"];

export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line.slice(0, 80))})`;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, kind, name, rest] = match as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        if (types.has(name)) throw new Error(`${where}: TYPE given twice`);
        types.set(name, rest);
      } else {
        helps.set(name, rest);
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = types.has(sample.name) ? sample.name : SUFFIXES.map((suffix) => (sample.name.endsWith(suffix) ? sample.name.slice(0, -suffix.length) : "")).find((name) => name && types.has(name));
    if (!family) throw new Error(`${where}: a sample before its metric's TYPE line`);
    samples.push(sample);
  });
  return { samples, types, helps };
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`${where}: no metric name`);
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    let i = 1;
    while (rest[i] !== "}") {
      const labelMatch = /^([^=]+)="/.exec(rest.slice(i));
      if (!labelMatch || !LABEL_NAME.test(labelMatch[1]!)) throw new Error(`${where}: bad label`);
      i += labelMatch[0].length;
      let value = "";
      for (;;) {
        const c = rest[i];
        if (c === undefined) throw new Error(`${where}: unterminated label value`);
        if (c === "\\") {
          const next = rest[i + 1];
          if (next === "n") value += "\n";
          else if (next === "\\" || next === '"') value += next;
          else throw new Error(`${where}: bad escape in a label value`);
          i += 2;
          continue;
        }
        i += 1;
        if (c === '"') break;
        value += c;
      }
      if (labelMatch[1]! in labels) throw new Error(`${where}: label given twice`);
      labels[labelMatch[1]!] = value;
      if (rest[i] === ",") i += 1;
      else if (rest[i] !== "}") throw new Error(`${where}: expected ',' or '}'`);
    }
    rest = rest.slice(i + 1);
  }
  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === "") throw new Error(`${where}: expected a value and an optional timestamp`);
  const text = fields[0]!;
  const value = text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : text === "NaN" ? NaN : Number(text);
  if (Number.isNaN(value) && text !== "NaN") throw new Error(`${where}: bad value ${text}`);
  return { name, labels, value };
}

/** The value of the one sample named `name` whose labels include `labels`; throws if none or several. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const found = exposition.samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]!.value;
}

/** The sum over every sample named `name` whose labels include `labels` (0 when there is none). */
export function sampleSum(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return exposition.samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)).reduce((total, sample) => total + sample.value, 0);
}
