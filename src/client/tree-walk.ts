// A walk over a file or folder tree for commands that change every entry (chmod -R, chown -R,
// chgrp -R): each folder is visited before its entries and listed only after its visit, as
// HDFS's FsShell recurses, so `chmod -R u+rx` reaches into a folder it has just made readable.
// The tree is never held whole: a folder's listing is read a page at a time, so a walk holds
// one page (at most the masters' page bound) per level of depth below where it started.
import { codeOf, WireError, type ErrorCode } from "../protocol/errors.ts";
import type { StatView } from "./fs.ts";

/** The calls a walk needs (the file-system client has them). */
export interface TreeLister {
  stat(path: string): Promise<StatView>;
  listPages(path: string, options?: { recursive?: boolean }): AsyncGenerator<StatView[]>;
}

// Visits (one metadata request each) at once: enough to keep the leader's group commit batching,
// far below the one meta connection's in-flight bound.
export const TREE_VISITS_IN_FLIGHT_DEFAULT = 16;
export const TREE_VISITS_IN_FLIGHT_MAX = 128;

/** A walk that stopped at an entry: `path` names it, `code` is its cause's. */
export class TreeWalkError extends WireError {
  override name = "TreeWalkError";
  constructor(
    readonly code: ErrorCode,
    readonly path: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

export interface TreeWalkOptions {
  /** Also every entry below a folder (without: `path` alone). */
  recursive?: boolean;
  /** Entries of one page visited at once, 1..TREE_VISITS_IN_FLIGHT_MAX. */
  inFlight?: number;
}

/**
 * Calls `visit` on `path` and, with `recursive`, on every entry below it: a folder before its
 * entries, whose listing is read only after the folder's visit finished. The first failure
 * stops the walk (the visits in flight finish) and is thrown as a TreeWalkError naming the
 * entry. Answers how many files and folders were visited.
 */
export async function walkTree(fs: TreeLister, path: string, visit: (entry: StatView) => Promise<void>, options: TreeWalkOptions = {}): Promise<{ files: number; directories: number }> {
  const inFlight = options.inFlight ?? TREE_VISITS_IN_FLIGHT_DEFAULT;
  if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > TREE_VISITS_IN_FLIGHT_MAX) throw new RangeError(`a walk visits 1..${TREE_VISITS_IN_FLIGHT_MAX} entries at once, not ${inFlight}`);
  const counts = { files: 0, directories: 0 };
  const visitOne = async (entry: StatView) => {
    try {
      await visit(entry);
    } catch (err) {
      throw err instanceof TreeWalkError ? err : new TreeWalkError(codeOf(err), entry.path, `${entry.path}: ${(err as Error).message}`, { cause: err });
    }
    if (entry.kind === "dir") counts.directories += 1;
    else counts.files += 1;
  };
  const walkFolder = async (folder: string): Promise<void> => {
    for await (const page of listing(fs, folder)) {
      await visitAll(page, visitOne, inFlight);
      const folders = page.filter((entry) => entry.kind === "dir").map((entry) => entry.path);
      for (const child of folders) await walkFolder(child);
    }
  };
  const top = await fs.stat(path).catch((err: unknown) => {
    throw new TreeWalkError(codeOf(err), path, `${path}: ${(err as Error).message}`, { cause: err });
  });
  await visitOne(top);
  if (options.recursive && top.kind === "dir") await walkFolder(top.path);
  return counts;
}

/** A folder's pages, a failure to list naming the folder. */
async function* listing(fs: TreeLister, folder: string): AsyncGenerator<StatView[]> {
  try {
    yield* fs.listPages(folder);
  } catch (err) {
    if (err instanceof TreeWalkError) throw err;
    throw new TreeWalkError(codeOf(err), folder, `${folder}: ${(err as Error).message}`, { cause: err });
  }
}

/** Runs `visit` on every entry, at most `inFlight` at once; after a failure nothing new starts, and the first failure is thrown once the running ones settle. */
async function visitAll(entries: StatView[], visit: (entry: StatView) => Promise<void>, inFlight: number): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < entries.length) {
      const entry = entries[next++]!;
      try {
        await visit(entry);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, entries.length) }, worker));
  if (failure) throw failure.err;
}
