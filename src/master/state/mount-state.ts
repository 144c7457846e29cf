// What apply knows of under-storage mounts (issue 16, docs/cache.md): the persist states as
// the inode column holds them, the mount records read back from the settings, and the rules
// every command that makes or moves an inode follows under a mount point. Deterministic: the
// records are settings, so every master reads the same ones at the same index.
import { PermissionDeniedError } from "./errors.ts";
import type { Statements } from "./namespace-schema.ts";
import { decodeMountRecord, MOUNT_SETTING_PREFIX, mountOf, PersistState, WriteType, type MountRecord } from "../../protocol/mounts.ts";

/** inodes.persist_state: under-storage.proto's numbers (NULL: outside every mount). */
export const PERSISTED = 1;
export const TO_BE_PERSISTED = 2;
export const NOT_PERSISTED = 3;

const STATE_OF_COLUMN: Record<number, PersistState> = { [PERSISTED]: PersistState.PERSISTED, [TO_BE_PERSISTED]: PersistState.TO_BE_PERSISTED, [NOT_PERSISTED]: PersistState.NOT_PERSISTED };
const COLUMN_OF_STATE: Partial<Record<PersistState, number>> = {
  [PersistState.PERSISTED]: PERSISTED,
  [PersistState.TO_BE_PERSISTED]: TO_BE_PERSISTED,
  [PersistState.NOT_PERSISTED]: NOT_PERSISTED,
};

/** The wire's PersistState of a column value (UNSPECIFIED for NULL). */
export function persistStateOf(column: number | null): PersistState {
  return column === null ? PersistState.PERSIST_STATE_UNSPECIFIED : (STATE_OF_COLUMN[column] ?? PersistState.PERSIST_STATE_UNSPECIFIED);
}

/** The column value of a PersistState; undefined for UNSPECIFIED (or a value this version does not know). */
export function columnOf(state: PersistState | undefined): number | undefined {
  return state === undefined ? undefined : COLUMN_OF_STATE[state];
}

/** Settings read per page while reading the mount records (there are at most MOUNTS_MAX of them). */
const MOUNT_PAGE_ROWS = 100;

/**
 * Every mount record in the settings, in key order. A value under the prefix that is no
 * record (written by hand with `tessera settings`) is skipped, alike on every master: it
 * mounts nothing.
 */
export function readMountRecords(s: Statements): MountRecord[] {
  const records: MountRecord[] = [];
  for (let after = ""; ; ) {
    const rows = s.settingsPage.all(after, MOUNT_SETTING_PREFIX, MOUNT_PAGE_ROWS);
    for (const row of rows) {
      try {
        records.push(decodeMountRecord(new Uint8Array(row.value)));
      } catch {
        // Not a record: no mount.
      }
    }
    if (rows.length < MOUNT_PAGE_ROWS) return records;
    after = rows[rows.length - 1]!.key;
  }
}

/** The mount `path` lies in (at or below its mount point), of the records `mounts()` gives. */
export function mountFor(mounts: () => readonly MountRecord[], path: string): MountRecord | undefined {
  return mountOf(mounts(), path);
}

/** A write under a read-only mount is refused (create, mkdir, delete, rename, concat); the sync writes anyway. */
export function refuseReadonly(mount: MountRecord | undefined, path: string): void {
  if (mount?.readonly) throw new PermissionDeniedError(`${path}: the mount at ${mount.path} is read-only.`);
}

/**
 * The persist state of a file a client makes at `path` in a folder whose state is
 * `folderState` (NULL: outside every mount, and so is the file). Under a mount: the one the
 * command asked for, else the mount's write type's (MUST_CACHE keeps it in Tessera only,
 * every other type has it persisted).
 */
export function newFileState(folderState: number | null | undefined, mount: MountRecord | undefined): number | null {
  if (folderState === null || folderState === undefined) return null;
  return mount?.writeType === WriteType.MUST_CACHE ? NOT_PERSISTED : TO_BE_PERSISTED;
}
