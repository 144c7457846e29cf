// When the leader consults an under-storage before answering a stat or a list page of a path
// inside a mount (issue 16, docs/cache.md "Metadata sync"): a pure planner, so every case of
// Alluxio's metadata.sync.interval is a unit test rather than a timing-dependent end-to-end one.
//
//   -1  a folder is listed once (ufs_synced_ms NULL → list); a name missing from a folder never
//       listed is looked up (stat); otherwise the namespace is trusted for ever.
//    0  every stat looks the file up, every list page lists that page's range.
//    N  a folder's listing is trusted for N ms after it completed; a file's fingerprint for N ms
//       after the leader last checked it (in memory: a new leader checks each file once more),
//       or after its folder's last complete listing, whichever is later.
//
// Files written into Tessera and not persisted yet are Tessera's own: never looked up.
import { NAME_BYTES_MAX } from "../../protocol/paths.ts";
import { SYNC_ONCE } from "../../protocol/mounts.ts";

export type SyncAction =
  | { kind: "none" }
  /** broker.stat of the path, then a SyncUnderStorage of that one name. */
  | { kind: "stat" }
  /** broker.list of the folder's page after `after` (a name; "" from the start). */
  | { kind: "list"; after: string };

export interface StatPlanInput {
  /** The mount's sync interval (-1, 0 or ms). */
  syncIntervalMs: number;
  /** What the namespace has at the path: nothing, a folder, or a file (`localOnly`: written into Tessera and not persisted). */
  present: "missing" | "folder" | "file";
  localOnly?: boolean;
  /** When the path's folder was last listed completely (ufs_synced_ms); undefined: never (or the folder is missing too). */
  folderSyncedMs: number | undefined;
  /** When this leader last looked the path up in the under-storage; undefined: not since it leads (or forgotten by the LRU). */
  lastCheckedMs: number | undefined;
  nowMs: number;
}

/** Whether a stat of a path inside a mount looks it up in the under-storage first. */
export function planStat(input: StatPlanInput): SyncAction {
  const { syncIntervalMs: interval, present } = input;
  if (present === "file" && input.localOnly) return NONE;
  // A folder has no fingerprint: its listing (list) is what syncs it and what is in it.
  if (present === "folder") return NONE;
  if (interval === 0) return STAT;
  if (interval === SYNC_ONCE) {
    // Loaded once: a file the namespace has is trusted; a name missing from a folder never
    // listed may just not be loaded yet; missing from a folder listed once, it is not there.
    if (present === "file") return NONE;
    return input.folderSyncedMs === undefined && input.lastCheckedMs === undefined ? STAT : NONE;
  }
  const checkedMs = Math.max(input.folderSyncedMs ?? -Infinity, input.lastCheckedMs ?? -Infinity);
  return input.nowMs - checkedMs > interval ? STAT : NONE;
}

export interface ListPlanInput {
  syncIntervalMs: number;
  /** When the folder was last listed completely (ufs_synced_ms); undefined: never. */
  folderSyncedMs: number | undefined;
  /** The name the page starts after ("" for the first page). */
  after: string;
  nowMs: number;
}

/** Whether a list page of a folder inside a mount lists that page of the under-storage first. */
export function planList(input: ListPlanInput): SyncAction {
  const { syncIntervalMs: interval, folderSyncedMs } = input;
  if (interval === 0) return { kind: "list", after: input.after };
  if (interval === SYNC_ONCE) return folderSyncedMs === undefined ? { kind: "list", after: input.after } : NONE;
  return folderSyncedMs === undefined || input.nowMs - folderSyncedMs > interval ? { kind: "list", after: input.after } : NONE;
}

/**
 * The range a SyncUnderStorage of one under-storage page covers: (after, through], "" through
 * for the rest of the folder. The last page completes the listing.
 */
export function pageRange(after: string, page: { entries: ReadonlyArray<{ name: string }>; next: string }): { after: string; through: string; complete: boolean } {
  if (page.next === "") return { after, through: "", complete: true };
  const last = page.entries[page.entries.length - 1];
  // A page that says more follows names its last entry; one with none moves on to `next`.
  return { after, through: last ? last.name : page.next, complete: false };
}


const NONE: SyncAction = { kind: "none" };
const STAT: SyncAction = { kind: "stat" };

/**
 * The greatest name (at most NAME_BYTES_MAX bytes of UTF-8, in byte order: SQLite's and S3's)
 * below `name`, so (nameBefore(name), name] is a range holding `name` and no other name: a
 * SyncUnderStorage of one looked-up entry touches nothing else of its folder.
 */
export function nameBefore(name: string): string {
  const points = [...name];
  const last = points.pop();
  if (last === undefined) return "";
  let code = last.codePointAt(0)! - 1;
  // The smallest name character is U+0020 (control characters are not names): dropping it is the predecessor.
  if (code < 0x20) return points.join("");
  // Lone surrogates and C1 controls are not name characters either: the greatest one below them is.
  if (code >= 0xd800 && code <= 0xdfff) code = 0xd7ff;
  if (code >= 0x7f && code <= 0x9f) code = 0x7e;
  let out = points.join("") + String.fromCodePoint(code);
  let left = NAME_BYTES_MAX - utf8Bytes(out);
  // Then the greatest characters that fit: U+10FFFF (4 bytes), then the greatest of the bytes left.
  while (left >= 4) {
    out += "\u{10FFFF}";
    left -= 4;
  }
  if (left === 3) out += "\uFFFF";
  else if (left === 2) out += "\u07FF";
  else if (left === 1) out += "\u007E";
  return out;
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
