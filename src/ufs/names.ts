// Names and pages of under-storage folders, as pure functions (issue 16, docs/cache.md).
//
// The masters apply a page as "the names in (after, through] are exactly these entries", in
// byte order of the names (log.proto's SyncUnderStorage), so a page must never leave out a
// name inside its range. S3 lists in key order, and a folder's key is its name plus "/": the
// folder "data" (key "data/") comes after the file "data.csv" although its name comes first,
// since '-', '.' and the other characters below '/' sort between. `assembleS3Page` restores
// name order over what one listing returned and says which folders it may still have missed
// (`folderCandidates`), which the caller asks about before cutting the page.
import { compareNames, validateName } from "../protocol/paths.ts";
import { UnderStorageError } from "./errors.ts";
import type { UnderStorageEntry, UnderStoragePage } from "./under-storage.ts";

const SLASH = 0x2f;

export { compareNames };

/** Whether `name` can be an entry of the namespace (names the namespace cannot hold are not shown). */
export function isShowableName(name: string): boolean {
  try {
    validateName(name);
    return true;
  } catch {
    return false;
  }
}

/** Throws INVALID unless `relativePath` is "" or names a path below the mount's root. */
export function checkRelativePath(relativePath: string): void {
  if (relativePath === "") return;
  for (const name of relativePath.split("/")) {
    if (!isShowableName(name)) throw new UnderStorageError("INVALID", `"${relativePath.slice(0, 80)}" is not a path below a mount's root`);
  }
}

/** One item of an S3 listing with delimiter "/": an object, or a common prefix (a folder). */
export type S3ListItem =
  | { kind: "object"; key: string; sizeBytes: number; mtimeMs: number; fingerprint: string }
  | { kind: "prefix"; key: string };

/** The item's name in the folder `folderPrefix` ("" or ending in "/"), or undefined when it is none. */
function nameOf(item: S3ListItem, folderPrefix: string): string | undefined {
  if (!item.key.startsWith(folderPrefix)) return undefined;
  const rest = item.key.slice(folderPrefix.length);
  const name = item.kind === "prefix" ? rest.slice(0, -1) : rest;
  // "" is the folder's own marker object ("dir/"); a "/" inside is a key S3 did not group.
  if (name === "" || name.includes("/")) return undefined;
  return isShowableName(name) ? name : undefined;
}

/**
 * The folders that a listing cut after `lastKey` may not have returned yet although their
 * names are below names it did return: each prefix of the last key's name that is followed by
 * a character below '/' (the folder "data" of a last key "data.csv", whose key "data/" comes
 * later). Only names after `after` count.
 */
export function folderCandidates(lastKey: string, folderPrefix: string, after: string): string[] {
  if (!lastKey.startsWith(folderPrefix)) return [];
  const rest = lastKey.slice(folderPrefix.length);
  const out: string[] = [];
  for (let i = 1; i < rest.length; i++) {
    const unit = rest.charCodeAt(i);
    if (unit === SLASH) break;
    if (unit < SLASH) {
      const name = rest.slice(0, i);
      if (compareNames(name, after) > 0 && isShowableName(name)) out.push(name);
    }
  }
  return out;
}

/**
 * A page in name order from the items of one or more S3 listings (in key order) of the folder
 * `folderPrefix`, after `after`, at most `limit` entries. `truncated`: the listing has more
 * after its last item; `foundFolders`: the candidates the caller found to be folders. A file
 * and a folder of one name: the file is shown (it comes first in key order, so a page that
 * holds the folder always holds the file).
 */
export function assembleS3Page(input: {
  items: readonly S3ListItem[];
  folderPrefix: string;
  after: string;
  limit: number;
  truncated: boolean;
  foundFolders: readonly string[];
}): UnderStoragePage {
  const byName = new Map<string, UnderStorageEntry>();
  const add = (entry: UnderStorageEntry) => {
    const held = byName.get(entry.name);
    if (held && !held.directory) return;
    byName.set(entry.name, entry);
  };
  for (const item of input.items) {
    const name = nameOf(item, input.folderPrefix);
    if (name === undefined || compareNames(name, input.after) <= 0) continue;
    if (item.kind === "prefix") add({ name, directory: true, sizeBytes: 0, mtimeMs: 0, fingerprint: "" });
    else add({ name, directory: false, sizeBytes: item.sizeBytes, mtimeMs: item.mtimeMs, fingerprint: item.fingerprint });
  }
  for (const name of input.foundFolders) add({ name, directory: true, sizeBytes: 0, mtimeMs: 0, fingerprint: "" });
  const entries = [...byName.values()].sort((a, b) => compareNames(a.name, b.name));
  if (entries.length > input.limit) {
    const kept = entries.slice(0, input.limit);
    return { entries: kept, next: kept[kept.length - 1]!.name };
  }
  // Every name the listing has not returned yet sorts after every name it did (the candidates
  // aside, which the caller resolved): the page's range ends at its last name.
  return { entries, next: input.truncated && entries.length > 0 ? entries[entries.length - 1]!.name : "" };
}
