// The part of the file system client the mount uses: what test/support/fake-mount-client.ts
// implements in memory, so the file system's tests run without a cluster.
import type { FileSystemClient } from "../../client/fs.ts";
import type { CapacityReport } from "../../protocol/views.ts";

export type MountClient = Pick<
  FileSystemClient,
  | "user"
  | "stat"
  | "statAndOpen"
  | "listPages"
  | "mkdir"
  | "rm"
  | "mv"
  | "chmod"
  | "chown"
  | "setTimes"
  | "truncate"
  | "setAttributes"
  | "symlink"
  | "readlink"
  | "openEditor"
  | "put"
> & {
  /** The same client acting for `user` (the masters check that user's rights). */
  withUser(user: string): MountClient;
};

/** The cluster's capacity as statfs reports it (AdminClient.report answers this). */
export type CapacitySource = () => Promise<Pick<CapacityReport, "capacityBytes" | "remainingBytes" | "usedBytes"> & { files?: number }>;
