// S3's ListObjects (v1 and v2) over the folder tree: keys in byte order of the whole key, the
// prefix not aligned to folders, a delimiter grouping keys into CommonPrefixes, and a resume
// point (start-after, marker, continuation token) that is itself a key.
//
// The tree lists a folder's children in byte order of their NAMES, which is not the order of
// the keys: folder "a" holds keys "a/...", and "a-c" or "a.txt" ('-' and '.' sort below '/')
// come before them as keys but after "a" as names. So a folder is walked as if it were named
// "a/": it is held when met and emitted once the walk reaches a name at or above "a/" (or the
// folder's end). A resume point inside the tree is found the same way: the folders that may
// hold keys after it are the ones whose name is a prefix of its first segment followed by a
// character below '/', or that segment itself; they are looked up by name (a few `entry`
// calls), and the listing of names goes on after the segment.
//
// With the delimiter "/" the folders under the prefix's folder are not walked at all: each is
// one CommonPrefix. Any other delimiter groups the keys as they come (the keys of one group are
// consecutive in key order). An empty folder with no marker has no key, but under "/" it still
// shows as a CommonPrefix: knowing it holds nothing would cost a listing of it.
//
// Pure over a FolderTree: the gateway's is the file-system client, the tests' an in-memory one.
import { compareNames } from "../../protocol/paths.ts";
import type { Attributes } from "./attributes.ts";
import { INTERNAL_FOLDER, S3_ATTRIBUTE } from "./attributes.ts";

/** One child of a folder: a file (an object), or a folder (holding keys "<name>/..."; a marker when it has `s3.marker`). */
export interface TreeEntry {
  name: string;
  kind: "file" | "dir";
  sizeBytes: number;
  mtimeMs: number;
  attributes: Attributes;
}

/** A folder tree as the listing needs it. A folder is named by its key prefix: "" for the bucket, "x/y/" for a folder in it. */
export interface FolderTree {
  /**
   * A folder's children with names after `afterName` ("" from the first), in byte order of the
   * names, a page at a time, read as the walk asks for them (it stops early when its page of
   * keys is full); nothing when the folder does not exist (or is a file).
   */
  pages(folderKey: string, afterName: string): AsyncIterable<TreeEntry[]>;
  /** The child `name` of a folder, or undefined. */
  entry(folderKey: string, name: string): Promise<TreeEntry | undefined>;
}

export interface ListRequest {
  prefix: string;
  /** "" for none. */
  delimiter: string;
  /** Keys and CommonPrefixes strictly after this one ("" for all): the larger of start-after and the continuation token, or the v1 marker. */
  after: string;
  /** 0..LIST_KEYS_MAX: Contents and CommonPrefixes together. */
  maxKeys: number;
}

export interface ListedObject {
  key: string;
  sizeBytes: number;
  mtimeMs: number;
  attributes: Attributes;
}

export interface ListResult {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or CommonPrefix returned: where the next page starts (NextMarker, the continuation token's key). */
  last: string;
}

/** S3's bound on max-keys: a request asking for more gets this many. */
export const LIST_KEYS_MAX = 1_000;
const SLASH = 0x2f;

/** S3's key order is the namespace's name order (protocol/paths.ts). */
export const compareKeys = compareNames;

type Item = { key: string; entry: TreeEntry } | { prefix: string };

interface Walk {
  tree: FolderTree;
  /** The folder whose child folders are CommonPrefixes (delimiter "/"), or undefined. */
  collapseFolder: string | undefined;
}

interface Held {
  sortKey: string;
  entry: TreeEntry;
  /** Keys of the folder after this one (relative to it) only; undefined for all of them. */
  after: string | undefined;
}

export async function listObjects(tree: FolderTree, request: ListRequest): Promise<ListResult> {
  const { prefix, delimiter, after, maxKeys } = request;
  const result: ListResult = { objects: [], commonPrefixes: [], isTruncated: false, last: "" };
  if (maxKeys <= 0) return result;
  const folderEnd = prefix.lastIndexOf("/") + 1;
  const folder = prefix.slice(0, folderEnd);
  const partial = prefix.slice(folderEnd);
  if (folder.slice(0, folder.indexOf("/")) === INTERNAL_FOLDER) return result;

  // The resume point relative to the prefix's folder, or undefined for the folder's first key.
  let afterRel: string | undefined;
  if (after === "" || compareKeys(after, folder) < 0) afterRel = undefined;
  else if (after.startsWith(folder)) afterRel = after.slice(folder.length);
  else return result; // after every key of the folder
  if (afterRel !== undefined && partial !== "") {
    if (compareKeys(afterRel, partial) < 0) afterRel = undefined;
    else if (!afterRel.startsWith(partial)) return result;
  }

  const walk: Walk = { tree, collapseFolder: delimiter === "/" ? folder : undefined };
  const items = walkPrefixFolder(walk, folder, afterRel, partial);
  let lastPrefix: string | undefined;
  let count = 0;
  for await (const item of items) {
    let commonPrefix: string | undefined;
    if ("prefix" in item) commonPrefix = item.prefix;
    else if (delimiter !== "") {
      const at = item.key.indexOf(delimiter, prefix.length);
      if (at >= 0) commonPrefix = item.key.slice(0, at + delimiter.length);
    }
    // A group resumed at its own prefix (a continuation token that was a CommonPrefix) is done.
    if (commonPrefix !== undefined && (commonPrefix === lastPrefix || commonPrefix === after)) continue;
    if (count === maxKeys) {
      result.isTruncated = true;
      break;
    }
    count += 1;
    if (commonPrefix !== undefined) {
      result.commonPrefixes.push(commonPrefix);
      lastPrefix = commonPrefix;
      result.last = commonPrefix;
    } else {
      const { key, entry } = item as { key: string; entry: TreeEntry };
      result.objects.push({ key, sizeBytes: entry.kind === "dir" ? 0 : entry.sizeBytes, mtimeMs: entry.mtimeMs, attributes: entry.attributes });
      result.last = key;
    }
  }
  await items.return(undefined);
  return result;
}

/** The keys of the prefix's folder (its marker first), from the resume point, names starting with `partial`. */
async function* walkPrefixFolder(walk: Walk, folder: string, afterRel: string | undefined, partial: string): AsyncGenerator<Item> {
  if (folder !== "") {
    const cut = folder.lastIndexOf("/", folder.length - 2) + 1;
    const self = await walk.tree.entry(folder.slice(0, cut), folder.slice(cut, -1));
    if (self?.kind !== "dir") return;
    if (partial === "" && afterRel === undefined && isMarker(self)) yield { key: folder, entry: self };
  }
  yield* walkFolder(walk, folder, afterRel, partial);
}

/**
 * The keys of one folder (relative keys after `afterRel`, or all), whose first segment starts
 * with `namePrefix`, in key order.
 */
async function* walkFolder(walk: Walk, folder: string, afterRel: string | undefined, namePrefix: string): AsyncGenerator<Item> {
  const held: Held[] = [];
  const hidden = (name: string) => folder === "" && name === INTERNAL_FOLDER;
  let listAfter = "";
  if (afterRel !== undefined && afterRel !== "") {
    const slash = afterRel.indexOf("/");
    const first = slash < 0 ? afterRel : afterRel.slice(0, slash);
    // Folders whose keys ("<name>/...") follow the resume point though their names precede it.
    const names: Array<{ name: string; after: string | undefined }> = [];
    for (let i = Math.max(1, namePrefix.length); i < first.length; i++) {
      if (first.charCodeAt(i) < SLASH) names.push({ name: first.slice(0, i), after: undefined });
    }
    names.push({ name: first, after: slash < 0 ? undefined : afterRel.slice(slash + 1) });
    const found = await Promise.all(names.map(({ name }) => (hidden(name) ? undefined : walk.tree.entry(folder, name))));
    found.forEach((entry, i) => {
      if (entry?.kind === "dir") insertHeld(held, { sortKey: `${entry.name}/`, entry, after: names[i]!.after });
    });
    listAfter = first;
  } else if (afterRel === undefined && namePrefix !== "") {
    // The prefix itself may name a file or a folder: the listing below starts after it.
    const entry = hidden(namePrefix) ? undefined : await walk.tree.entry(folder, namePrefix);
    if (entry?.kind === "file") yield { key: folder + entry.name, entry };
    else if (entry?.kind === "dir") insertHeld(held, { sortKey: `${entry.name}/`, entry, after: undefined });
    listAfter = namePrefix;
  }

  pages: for await (const page of walk.tree.pages(folder, listAfter)) {
    for (const entry of page) {
      // Names starting with the prefix are consecutive, and the listing started among them.
      if (!entry.name.startsWith(namePrefix)) break pages;
      if (hidden(entry.name)) continue;
      const sortKey = entry.kind === "dir" ? `${entry.name}/` : entry.name;
      if (afterRel !== undefined && compareKeys(sortKey, afterRel) <= 0) continue;
      while (held.length > 0 && compareKeys(held[0]!.sortKey, sortKey) < 0) yield* flush(walk, folder, held.shift()!);
      if (entry.kind === "file") yield { key: folder + entry.name, entry };
      else insertHeld(held, { sortKey, entry, after: undefined });
    }
  }
  while (held.length > 0) yield* flush(walk, folder, held.shift()!);
}

/** A held folder's keys: a CommonPrefix at the collapsing level, else its marker and contents. */
async function* flush(walk: Walk, folder: string, held: Held): AsyncGenerator<Item> {
  const key = `${folder}${held.entry.name}/`;
  if (walk.collapseFolder === folder) {
    if (held.after === undefined) yield { prefix: key };
    else if (held.after !== "") {
      // Resumed inside the group: it is listed again only if a key follows the resume point.
      const rest = walkFolder(walk, key, held.after, "");
      const next = await rest.next();
      await rest.return(undefined);
      if (!next.done) yield { prefix: key };
    }
    return;
  }
  if (held.after === undefined && isMarker(held.entry)) yield { key, entry: held.entry };
  yield* walkFolder(walk, key, held.after, "");
}

function insertHeld(held: Held[], item: Held): void {
  let at = held.length;
  while (at > 0 && compareKeys(held[at - 1]!.sortKey, item.sortKey) > 0) at -= 1;
  held.splice(at, 0, item);
}

function isMarker(entry: TreeEntry): boolean {
  return entry.kind === "dir" && entry.attributes[S3_ATTRIBUTE.marker] !== undefined;
}
