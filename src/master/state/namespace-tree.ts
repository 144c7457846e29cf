// Walking the tree of inodes: from a path down to a row, and from a row up to its path. Each
// step is one lookup in the (parent, name) index; a path of at most 4 KiB bounds the steps.
import { assert } from "../../util/assert.ts";
import { NotADirectoryError, NotFoundError } from "./errors.ts";
import { ROOT_ID, type InodeRow, type Statements } from "./namespace-schema.ts";
import { PATH_BYTES_MAX, ROOT_PATH, segments } from "../../protocol/paths.ts";

/** A path of at most PATH_BYTES_MAX bytes has at most this many names ("/a/b/..."). */
const DEPTH_MAX = PATH_BYTES_MAX / 2;

/** The row at a normalized path, or undefined if nothing is there. A file on the way is NOT_A_DIRECTORY. */
export function lookup(s: Statements, path: string): InodeRow | undefined {
  const names = segments(path);
  if (names.length === 0) return root(s);
  let dirId = ROOT_ID;
  for (let i = 0; i < names.length - 1; i++) {
    const step = s.childStep.get(dirId, names[i]);
    if (!step) return undefined;
    if (step.kind !== "dir") throw new NotADirectoryError(`${path}: ${ROOT_PATH}${names.slice(0, i + 1).join("/")} is a file, not a folder.`);
    dirId = step.id;
  }
  return s.child.get(dirId, names[names.length - 1]) ?? undefined;
}

/** The row at a normalized path; NOT_FOUND if nothing is there. */
export function resolve(s: Statements, path: string): InodeRow {
  const row = lookup(s, path);
  if (!row) throw new NotFoundError(`${path} does not exist.`);
  return row;
}

/** The folder that holds (or would hold) `path`: it must exist and be a folder. */
export function resolveParentDir(s: Statements, path: string, parentPath: string): InodeRow {
  const dir = lookup(s, parentPath);
  if (!dir) throw new NotFoundError(`${path}: the folder ${parentPath} does not exist.`);
  if (dir.kind !== "dir") throw new NotADirectoryError(`${path}: ${parentPath} is a file, not a folder.`);
  return dir;
}

export function root(s: Statements): InodeRow {
  const row = s.inodeById.get(ROOT_ID);
  assert(row, "the root folder exists");
  return row;
}

/** The path of an inode, built by walking up to the root. */
export function pathOf(s: Statements, id: number): string {
  const names: string[] = [];
  let at = id;
  while (at !== ROOT_ID) {
    const row = s.parentAndName.get(at);
    assert(row, `inode ${at} on the way up from ${id} exists`);
    names.push(row.name);
    assert(names.length <= DEPTH_MAX, `inode ${id} is at most ${DEPTH_MAX} levels deep`);
    at = row.parent;
  }
  return ROOT_PATH + names.reverse().join("/");
}
