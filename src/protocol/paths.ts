// Paths of the namespace. A path is validated once, where it enters the master, and from then
// on it is a plain string with one spelling per file: absolute, '/'-separated, no empty, "."
// or ".." segments. Names are compared as bytes (no case folding, no Unicode normalization,
// as HDFS): what a client wrote is what it reads back.
import { InvalidPathError } from "./errors.ts";

/** A name is one directory entry; 255 bytes as in POSIX NAME_MAX and HDFS. */
export const NAME_BYTES_MAX = 255;
/** A whole path; 4 KiB as PATH_MAX. Bounds the depth of every walk down the tree too. */
export const PATH_BYTES_MAX = 4096;
export const ROOT_PATH = "/";
/** A symbolic link's target: 1..PATH_MAX bytes, any bytes but NUL (POSIX stores it as given). */
export const SYMLINK_TARGET_BYTES_MAX = PATH_BYTES_MAX;
/**
 * The root's reserved name (HDFS's /.reserved): nothing is made there. An editor's staging
 * file (issue 17), which is in no folder, is reachable as /.reserved/.inodes/<id>.
 */
export const RESERVED_NAME = ".reserved";
const STAGING_PATH_PREFIX = `/${RESERVED_NAME}/.inodes/`;

/** The path of the staging file `id` (issue 17). */
export function stagingPath(id: number): string {
  return `${STAGING_PATH_PREFIX}${id}`;
}

/** The id a normalized path names under /.reserved/.inodes/, or undefined when it names none. */
export function stagingIdOf(path: string): number | undefined {
  if (!path.startsWith(STAGING_PATH_PREFIX)) return undefined;
  const digits = path.slice(STAGING_PATH_PREFIX.length);
  if (!/^[1-9][0-9]{0,15}$/.test(digits)) return undefined;
  const id = Number(digits);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** Why `target` cannot be a symbolic link's target, or undefined when it can. */
export function symlinkTargetProblem(target: string): string | undefined {
  if (typeof target !== "string") return "a link's target is a string";
  if (target.length === 0) return "a link's target is not empty";
  if (target.includes("\0")) return "a link's target has no NUL byte";
  if (target.length > SYMLINK_TARGET_BYTES_MAX || utf8Bytes(target) > SYMLINK_TARGET_BYTES_MAX) return `a link's target is at most ${SYMLINK_TARGET_BYTES_MAX} bytes`;
  if (LONE_SURROGATE.test(target)) return "a link's target is valid Unicode (no lone surrogate)";
  return undefined;
}

/** Only a bounded prefix of a rejected path is echoed back, so a huge path cannot bloat logs. */
const SHOWN_PATH_CHARS_MAX = 80;
// C0 controls, DEL and C1 controls: invisible in listings and a trap for shells and logs.
const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate has no UTF-8 form: two different strings would store the same bytes.
const LONE_SURROGATE = /\p{Cs}/u;
const encoder = new TextEncoder();

function shown(path: string): string {
  return JSON.stringify(path.length > SHOWN_PATH_CHARS_MAX ? `${path.slice(0, SHOWN_PATH_CHARS_MAX)}…` : path);
}

function utf8Bytes(text: string): number {
  // Every UTF-16 unit is at least one UTF-8 byte: ASCII-only text needs no encoding.
  return /^[\u0000-\u007f]*$/.test(text) ? text.length : encoder.encode(text).length;
}

/** Throws unless `name` can be one entry of a directory; returns it. */
export function validateName(name: string, path = name): string {
  if (typeof name !== "string") throw new InvalidPathError(`invalid path: a name must be a string, not ${typeof name}.`);
  if (name.length === 0) throw new InvalidPathError(`invalid path ${shown(path)}: it has an empty name (two '/' in a row).`);
  if (name === "." || name === "..") throw new InvalidPathError(`invalid path ${shown(path)}: "." and ".." are not names.`);
  if (name.includes("/")) throw new InvalidPathError(`invalid name ${shown(name)}: a name cannot contain '/'.`);
  if (CONTROL_CHAR.test(name)) throw new InvalidPathError(`invalid path ${shown(path)}: it contains a NUL or control character.`);
  if (LONE_SURROGATE.test(name)) throw new InvalidPathError(`invalid path ${shown(path)}: it is not valid Unicode (a lone surrogate).`);
  if (name.length > NAME_BYTES_MAX || utf8Bytes(name) > NAME_BYTES_MAX) {
    throw new InvalidPathError(`invalid path ${shown(path)}: a name is at most ${NAME_BYTES_MAX} bytes.`);
  }
  return name;
}

/**
 * The one spelling of a path: validated, with a single trailing '/' dropped ("/a/b/" is
 * "/a/b"). Throws InvalidPathError for anything else.
 */
export function normalizePath(path: string): string {
  if (typeof path !== "string") throw new InvalidPathError(`invalid path: a path must be a string, not ${typeof path}.`);
  // UTF-8 is never shorter than UTF-16 units, so the cheap length check comes first.
  if (path.length > PATH_BYTES_MAX || utf8Bytes(path) > PATH_BYTES_MAX) {
    throw new InvalidPathError(`invalid path ${shown(path)}: a path is at most ${PATH_BYTES_MAX} bytes.`);
  }
  if (!path.startsWith("/")) throw new InvalidPathError(`invalid path ${shown(path)}: a path must start with '/'.`);
  if (path === ROOT_PATH) return ROOT_PATH;
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  for (const name of trimmed.slice(1).split("/")) validateName(name, path);
  return trimmed;
}

export function isValidPath(path: string): boolean {
  try {
    normalizePath(path);
    return true;
  } catch (err) {
    if (err instanceof InvalidPathError) return false;
    throw err;
  }
}

/** The names from the root down: [] for "/". The path must be normalized. */
export function segments(path: string): string[] {
  return path === ROOT_PATH ? [] : path.slice(1).split("/");
}

/** The folder holding `path`; the root has none (undefined). The path must be normalized. */
export function parent(path: string): string | undefined {
  if (path === ROOT_PATH) return undefined;
  const slash = path.lastIndexOf("/");
  return slash === 0 ? ROOT_PATH : path.slice(0, slash);
}

/** The last name of `path`; "" for the root. The path must be normalized. */
export function basename(path: string): string {
  return path === ROOT_PATH ? "" : path.slice(path.lastIndexOf("/") + 1);
}

/** `dir` + "/" + `name`, validated: a name cannot smuggle in '/' or "..". */
export function join(dir: string, name: string): string {
  const path = dir === ROOT_PATH ? `/${name}` : `${dir}/${name}`;
  validateName(name, path);
  return normalizePath(path);
}

/**
 * Compares two names (or keys, or paths) in byte order of their UTF-8: S3's key order, and the
 * order in which the namespace's SQLite (BINARY collation) keeps names. JavaScript's `<`
 * compares UTF-16 code units, which differs where a character above U+FFFF (a surrogate pair,
 * 0xD800..0xDFFF) meets one in U+E000..U+FFFF: moving surrogates above that range gives code
 * point order, which is UTF-8's order, with no encoding.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}
