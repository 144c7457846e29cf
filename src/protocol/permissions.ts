// HDFS's permission bits as users see and type them: `drwxr-xr-t` (hdfs dfs -ls), `1777`
// (WebHDFS's permission field), and chmod's modes, octal or symbolic (HDFS's ChmodParser).
// Pure: the CLI, the gateways and the web UI read the same rules here. The master checks the
// bits (master/state/permissions.ts); this file only spells and parses them.

/** A folder's sticky bit: an entry is removed or renamed only by its owner, the folder's owner or the superuser. */
export const STICKY_BIT = 0o1000;
/** The largest permission HDFS keeps: rwx for owner, group and other, and the sticky bit (no setuid, no setgid). */
export const PERMISSION_MAX = 0o1777;
/** A mode given to chmod longer than this is not one anyone typed. */
export const CHMOD_SPEC_CHARS_MAX = 256;
/** An octal permission text longer than this is not a permission ("00001777" is already generous). */
const OCTAL_CHARS_MAX = 8;

export type PermissionKind = "file" | "dir" | "symlink";

export function isPermission(bits: number): boolean {
  return Number.isInteger(bits) && bits >= 0 && bits <= PERMISSION_MAX;
}

/**
 * The ten characters `hdfs dfs -ls` prints: the kind, then rwx for owner, group and other; a
 * sticky bit shows in other's execute place, `t` over an x and `T` without one (FsPermission).
 */
export function formatPermission(kind: PermissionKind, bits: number): string {
  const rwx = (three: number) => `${three & 4 ? "r" : "-"}${three & 2 ? "w" : "-"}${three & 1 ? "x" : "-"}`;
  let text = `${kind === "dir" ? "d" : kind === "symlink" ? "l" : "-"}${rwx(bits >> 6)}${rwx(bits >> 3)}${rwx(bits)}`;
  if (bits & STICKY_BIT) text = `${text.slice(0, 9)}${bits & 1 ? "t" : "T"}`;
  return text;
}

/** The octal text WebHDFS's FileStatus carries: "755", "644", "1777" (Java's %o: no padding). */
export function permissionOctal(bits: number): string {
  return (bits & PERMISSION_MAX).toString(8);
}

/**
 * Octal text as WebHDFS's `permission=` takes it (755, 0644, 1777: a radix-8 number up to
 * 1777); undefined for anything else.
 */
export function parseOctalPermission(text: string): number | undefined {
  if (text.length === 0 || text.length > OCTAL_CHARS_MAX || !/^[0-7]+$/.test(text)) return undefined;
  const bits = Number.parseInt(text, 8);
  return bits <= PERMISSION_MAX ? bits : undefined;
}

export class ChmodSpecError extends Error {
  override name = "ChmodSpecError";
}

const OCTAL_MODE = /^([01]?)([0-7]{3})$/;
// One clause of a symbolic mode: who, then one or more operations each with its permissions.
const SYMBOLIC_CLAUSE = /^([ugoa]*)((?:[+=-][rwxXt]*)+)$/;
const OPERATION = /([+=-])([rwxXt]*)/g;

/**
 * The bits `spec` makes of `current` (HDFS's chmod): three octal digits set rwx and keep the
 * sticky bit, four set it too (0755, 1777); symbolic clauses (`u+x,go-w`, `a=r`, `+t`, `g=rX`)
 * apply in order, where no who means all, `X` is x only for a folder or something already
 * executable by someone, and `t` (or `=` without it) touches the sticky bit only when other is
 * among who, as in HDFS. Throws ChmodSpecError with one sentence for a mode it cannot read.
 */
export function applyChmod(spec: string, current: number, kind: PermissionKind): number {
  const bad = () => new ChmodSpecError(`"${spec.length > 40 ? `${spec.slice(0, 40)}...` : spec}" is not a mode: give octal digits (755, 1777) or symbolic clauses like u+x,go-w`);
  if (spec.length === 0 || spec.length > CHMOD_SPEC_CHARS_MAX) throw bad();
  const start = current & PERMISSION_MAX;
  const octal = OCTAL_MODE.exec(spec);
  if (octal) {
    const rwx = Number.parseInt(octal[2]!, 8);
    const sticky = octal[1] === "" ? start & STICKY_BIT : octal[1] === "1" ? STICKY_BIT : 0;
    return sticky | rwx;
  }
  // X is decided on the bits before the chmod (HDFS's ChmodParser), not clause by clause.
  const executeOk = kind === "dir" || (start & 0o111) !== 0;
  let bits = start;
  for (const clause of spec.split(",")) {
    const parsed = SYMBOLIC_CLAUSE.exec(clause);
    if (!parsed) throw bad();
    const who = parsed[1]!;
    const all = who === "" || who.includes("a");
    const classes = { u: all || who.includes("u"), g: all || who.includes("g"), o: all || who.includes("o") };
    const mask = (classes.u ? 0o700 : 0) | (classes.g ? 0o070 : 0) | (classes.o ? 0o007 : 0);
    for (const [, operator, letters] of parsed[2]!.matchAll(OPERATION)) {
      let three = 0;
      for (const letter of letters!) {
        if (letter === "r") three |= 4;
        else if (letter === "w") three |= 2;
        else if (letter === "x" || (letter === "X" && executeOk)) three |= 1;
      }
      const sticky = classes.o && letters!.includes("t") ? STICKY_BIT : 0;
      const touched = (three * 0o111) & mask;
      if (operator === "+") bits |= touched | sticky;
      else if (operator === "-") bits &= ~(touched | sticky);
      else bits = (bits & ~mask & ~(classes.o ? STICKY_BIT : 0)) | touched | sticky;
    }
  }
  return bits;
}
