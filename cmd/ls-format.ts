// `tessera fs ls` lines as `hdfs dfs -ls` prints them, so scripts written for one read the
// other: `drwxr-xr-x   - alice supergroup          0 2026-12-06 17:51 /path`. Pure.
import type { StatView } from "../src/client/fs.ts";
import { formatPermission } from "../src/protocol/permissions.ts";

// HDFS's Ls starts its replication and size columns at these widths and widens them for the
// listing; owner and group are as wide as the widest.
const REPLICATION_WIDTH_MIN = 3;
const SIZE_WIDTH_MIN = 10;

/** "yyyy-MM-dd HH:mm" in the local time zone, as HDFS's Ls prints a modification time. */
export function lsTime(ms: number): string {
  const date = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

/**
 * One line per entry, the columns as wide as this group of entries needs (HDFS widens them
 * over the folder it lists; `fs ls` prints a page at a time, so over the page): permission
 * and HDFS's ACL mark (a space: Tessera keeps no ACLs), replication (`-` for a folder), owner,
 * group, size in bytes, modification time, path; `extraColumns` adds columns before the path
 * for the entries it answers for (a mounted file's persist state and cache share).
 */
export function lsLines(entries: readonly StatView[], extraColumns?: (entry: StatView) => string | undefined): string[] {
  const replication = (entry: StatView) => (entry.kind === "file" ? String(entry.replication) : "-");
  const size = (entry: StatView) => String(entry.kind === "dir" ? 0 : entry.size);
  let replicationWidth = REPLICATION_WIDTH_MIN;
  let sizeWidth = SIZE_WIDTH_MIN;
  let ownerWidth = 0;
  let groupWidth = 0;
  for (const entry of entries) {
    replicationWidth = Math.max(replicationWidth, replication(entry).length);
    sizeWidth = Math.max(sizeWidth, size(entry).length);
    ownerWidth = Math.max(ownerWidth, entry.owner.length);
    groupWidth = Math.max(groupWidth, entry.group.length);
  }
  return entries.map((entry) => {
    // Entries in an under-storage mount: persist state and how much is cached (cmd/cache-format.ts).
    const extra = extraColumns?.(entry);
    return [
      `${formatPermission(entry.kind, entry.permission)} ${replication(entry).padStart(replicationWidth)}`,
      ...(ownerWidth > 0 ? [entry.owner.padEnd(ownerWidth)] : []),
      ...(groupWidth > 0 ? [entry.group.padEnd(groupWidth)] : []),
      size(entry).padStart(sizeWidth),
      lsTime(entry.mtimeMs),
      ...(extra !== undefined ? [extra] : []),
      entry.kind === "symlink" ? `${entry.path} -> ${entry.symlinkTarget ?? ""}` : entry.path,
    ].join(" ");
  });
}
