// Walking the tree of inodes: from a path down to a row, and from a row up to its path. Each
// step is one lookup in the (parent, name) index; a path of at most 4 KiB bounds the steps.
import { assert } from "../../util/assert.ts";
import { NotADirectoryError, NotFoundError } from "./errors.ts";
import { ROOT_ID, STAGING_PARENT, type InodeRow, type Statements, type StepRow } from "./namespace-schema.ts";
import type { PermissionChecker, PermRow } from "./permissions.ts";
import { PATH_BYTES_MAX, ROOT_PATH, segments, stagingIdOf, stagingPath } from "../../protocol/paths.ts";

/** A path of at most PATH_BYTES_MAX bytes has at most this many names ("/a/b/..."). */
const DEPTH_MAX = PATH_BYTES_MAX / 2;

/**
 * The row at a normalized path, or undefined if nothing is there. A file on the way is
 * NOT_A_DIRECTORY. With a checker, every folder on the way needs EXECUTE (HDFS's traverse):
 * checked on the rows the walk reads anyway, so a check costs no query.
 */
export function lookup(s: Statements, path: string, check?: PermissionChecker, rootRow?: PermRow): InodeRow | undefined {
  return walk(s, path, check, rootRow).row;
}

/** What a walk found: the row (if any) and the folder holding it, as the walk read it. */
export interface Walked {
  row: InodeRow | undefined;
  /** The folder that holds the path (its permission columns): undefined for the root. */
  parent: StepRow | undefined;
}

/**
 * The walk of lookup(), also answering the parent folder's row, which a check of a remove or
 * a rename needs. `rootRow`: the root's permission columns when the caller has them (the
 * namespace keeps them), else they are read. `steps`, when given, gets every folder the walk
 * went through, the root first and the parent last (the namespace remembers them).
 */
export function walk(s: Statements, path: string, check?: PermissionChecker, rootRow?: PermRow, steps?: StepRow[]): Walked {
  const names = segments(path);
  if (names.length === 0) return { row: root(s), parent: undefined };
  // Unchecked, the root's columns are never looked at: no query for them.
  let dir: StepRow = rootRow ? { id: ROOT_ID, ...rootRow } : check ? rootStep(s) : ROOT_UNREAD;
  for (let i = 0; i < names.length - 1; i++) {
    if (check) check.traverse(dir, () => ROOT_PATH + names.slice(0, i).join("/"));
    steps?.push(dir);
    const step = s.childStep.get(dir.id, names[i]);
    if (!step) return { row: undefined, parent: undefined };
    if (step.kind !== "dir") throw new NotADirectoryError(`${path}: ${ROOT_PATH}${names.slice(0, i + 1).join("/")} is a file, not a folder.`);
    dir = step;
  }
  if (check) check.traverse(dir, () => ROOT_PATH + names.slice(0, names.length - 1).join("/"));
  steps?.push(dir);
  return { row: s.child.get(dir.id, names[names.length - 1]) ?? undefined, parent: dir };
}

/** The row at a normalized path; NOT_FOUND if nothing is there. */
export function resolve(s: Statements, path: string, check?: PermissionChecker, rootRow?: PermRow): InodeRow {
  const row = lookup(s, path, check, rootRow);
  if (!row) throw new NotFoundError(`${path} does not exist.`);
  return row;
}

/** resolve(), with the folder holding the path (undefined for the root). */
export function resolveWithParent(s: Statements, path: string, check?: PermissionChecker, rootRow?: PermRow): { row: InodeRow; parent: StepRow | undefined } {
  const found = walk(s, path, check, rootRow);
  if (!found.row) throw new NotFoundError(`${path} does not exist.`);
  return { row: found.row, parent: found.parent };
}

/**
 * The folder that holds (or would hold) `path`: it must exist and be a folder. With a checker
 * the caller may traverse it too (every folder on the way to `path`).
 */
export function resolveParentDir(s: Statements, path: string, parentPath: string, check?: PermissionChecker, rootRow?: PermRow): InodeRow {
  const dir = lookup(s, parentPath, check, rootRow);
  if (!dir) throw new NotFoundError(`${path}: the folder ${parentPath} does not exist.`);
  if (dir.kind !== "dir") throw new NotADirectoryError(`${path}: ${parentPath} is a file, not a folder.`);
  if (check) check.traverse(dir, parentPath);
  return dir;
}

/**
 * Where a walk that creates starts: the root's row (its group is inherited), from `rootRow`
 * when the caller has it (the namespace keeps it), else read.
 */
export function rootAsStep(s: Statements, rootRow?: PermRow): StepRow {
  return rootRow ? { id: ROOT_ID, ...rootRow } : rootStep(s);
}

/** The root as an unchecked walk starts from it: only its id is used. */
const ROOT_UNREAD: StepRow = { id: ROOT_ID, kind: "dir", owner: null, grp: null, mode: 0 };

/** The root's row as a step of the walk. */
function rootStep(s: Statements): StepRow {
  const row = root(s);
  return { id: row.id, kind: row.kind, owner: row.owner, grp: row.grp, mode: row.mode };
}

export function root(s: Statements): InodeRow {
  const row = s.inodeById.get(ROOT_ID);
  assert(row, "the root folder exists");
  return row;
}

/** The path of an inode, built by walking up to the root; an editor's staging file's is /.reserved/.inodes/<id>. */
export function pathOf(s: Statements, id: number): string {
  const names: string[] = [];
  let at = id;
  while (at !== ROOT_ID) {
    const row = s.parentAndName.get(at);
    assert(row, `inode ${at} on the way up from ${id} exists`);
    if (row.parent === STAGING_PARENT) {
      assert(at === id, `the staging file ${at} holds nothing (it is above ${id})`);
      return stagingPath(id);
    }
    names.push(row.name);
    assert(names.length <= DEPTH_MAX, `inode ${id} is at most ${DEPTH_MAX} levels deep`);
    at = row.parent;
  }
  return ROOT_PATH + names.reverse().join("/");
}

/** The staging file a normalized path names (/.reserved/.inodes/<id>), or undefined when it names none (or no such file is staging). */
export function stagingRowAt(s: Statements, path: string): InodeRow | undefined {
  const id = stagingIdOf(path);
  if (id === undefined) return undefined;
  const row = s.inodeById.get(id);
  return row && row.parent === STAGING_PARENT && row.id !== ROOT_ID ? row : undefined;
}
