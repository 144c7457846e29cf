// Tessera's namespace and chunks as a FUSE file system (issue 17, docs/mount.md).
import type { FileSystemClient } from "../../client/fs.ts";
import type { FuseFileSystem } from "../fuse/operations.ts";
import type { MountReadCache } from "../read-cache.ts";

export interface VfsOptions {
  /** The namespace folder the mount shows as its root ("/" for all). */
  rootPath: string;
  readonly: boolean;
  /** --allow-other: other local users reach the mount; each is mapped to its own namespace user. */
  allowOther: boolean;
  /** How long the kernel may keep attributes and names (default VFS_ATTR_TIMEOUT_MS). */
  attrTimeoutMs?: number;
  entryTimeoutMs?: number;
  readCache?: MountReadCache;
  /** For log lines (the daemon's log file). */
  log?(line: string): void;
}

export const VFS_ATTR_TIMEOUT_MS = 1_000;

/** The file system a FUSE session serves for `client`. */
export function createTesseraFileSystem(client: FileSystemClient, options: VfsOptions): FuseFileSystem {
  void client;
  void options;
  throw new Error("createTesseraFileSystem is not built yet");
}
