// The JSON shapes of Hadoop's WebHDFS REST API (hadoop-hdfs's JsonUtil), built from the file
// system client's views (pure). Field names and nesting are Hadoop's: clients index them.
import type { ChunkView, StatView } from "../../client/fs.ts";
import { permissionOctal } from "../../protocol/permissions.ts";

export interface FileStatusJson {
  accessTime: number;
  blockSize: number;
  /** A folder's entries; -1 (Hadoop's "unknown") in listings, where counting would list every child folder. */
  childrenNum: number;
  fileId: number;
  group: string;
  length: number;
  modificationTime: number;
  owner: string;
  pathSuffix: string;
  /** Octal text: "755", "1777" with the sticky bit. */
  permission: string;
  replication: number;
  storagePolicy: number;
  type: "FILE" | "DIRECTORY" | "SYMLINK";
  /** SYMLINK: its target, as Hadoop's JsonUtil writes it. */
  symlink?: string;
}

/** One FileStatus; `pathSuffix` is "" for GETFILESTATUS and the entry's name in a listing. */
export function fileStatusJson(stat: StatView, pathSuffix: string, childrenNum = -1): FileStatusJson {
  const file = stat.kind === "file";
  const link = stat.kind === "symlink";
  return {
    accessTime: stat.accessTimeMs,
    blockSize: file ? stat.chunkSize : 0,
    childrenNum: file || link ? 0 : childrenNum,
    fileId: stat.fileId ?? 0,
    group: stat.group,
    length: file ? stat.size : 0,
    modificationTime: stat.mtimeMs,
    owner: stat.owner,
    pathSuffix,
    permission: permissionOctal(stat.permission),
    replication: file ? stat.replication : 0,
    storagePolicy: 0,
    type: file ? "FILE" : link ? "SYMLINK" : "DIRECTORY",
    ...(link ? { symlink: stat.symlinkTarget ?? "" } : {}),
  };
}

export function booleanJson(value: boolean): { boolean: boolean } {
  return { boolean: value };
}

export function pathJson(path: string): { Path: string } {
  return { Path: path };
}

/** LISTSTATUS_BATCH's answer: one page and how many entries follow it. */
export function directoryListingJson(entries: FileStatusJson[], remainingEntries: number): { DirectoryListing: { partialListing: { FileStatuses: { FileStatus: FileStatusJson[] } }; remainingEntries: number } } {
  return { DirectoryListing: { partialListing: { FileStatuses: { FileStatus: entries } }, remainingEntries } };
}

export interface ContentSummaryJson {
  directoryCount: number;
  fileCount: number;
  length: number;
  quota: number;
  spaceConsumed: number;
  spaceQuota: number;
  typeQuota: Record<string, never>;
}

/** The totals of a subtree as GETCONTENTSUMMARY answers them (no quotas here: -1, Hadoop's "none"). */
export class ContentSummary {
  directoryCount = 0;
  fileCount = 0;
  length = 0;
  spaceConsumed = 0;

  add(stat: StatView): void {
    // A link holds no bytes of its own and is not followed.
    if (stat.kind === "symlink") return;
    if (stat.kind === "dir") {
      this.directoryCount += 1;
      return;
    }
    this.fileCount += 1;
    this.length += stat.size;
    this.spaceConsumed += stat.size * stat.replication;
  }

  json(): { ContentSummary: ContentSummaryJson } {
    return { ContentSummary: { directoryCount: this.directoryCount, fileCount: this.fileCount, length: this.length, quota: -1, spaceConsumed: this.spaceConsumed, spaceQuota: -1, typeQuota: {} } };
  }
}

export interface BlockLocationJson {
  cachedHosts: string[];
  corrupt: boolean;
  hosts: string[];
  length: number;
  names: string[];
  offset: number;
  storageIds: string[];
  storageTypes: string[];
  topologyPaths: string[];
}

/** Where a replica's peer is reached: its admin HTTP HOST:PORT, or undefined when not known (not live). */
export type AddressOf = (peerId: string) => string | undefined;

/**
 * GETFILEBLOCKLOCATIONS: the chunks overlapping [offset, offset + length), each with the live
 * peers holding it: `hosts` their host names, `names` HOST:PORT, `topologyPaths` rack/HOST:PORT
 * (Hadoop's NetworkTopology spelling), `storageIds` the peers' ids.
 */
export function blockLocationsJson(chunks: readonly ChunkView[], offsetBytes: number, lengthBytes: number, addressOf: AddressOf): { BlockLocations: { BlockLocation: BlockLocationJson[] } } {
  const out: BlockLocationJson[] = [];
  const end = offsetBytes + lengthBytes;
  let at = 0;
  for (const chunk of chunks) {
    const start = at;
    at += chunk.size;
    if (at <= offsetBytes || start >= end || chunk.size === 0) continue;
    const replicas = chunk.replicas.flatMap((replica) => {
      const address = addressOf(replica.peer);
      return address === undefined ? [] : [{ ...replica, address }];
    });
    out.push({
      cachedHosts: [],
      corrupt: false,
      hosts: replicas.map((replica) => hostOf(replica.address)),
      length: chunk.size,
      names: replicas.map((replica) => replica.address),
      offset: start,
      storageIds: replicas.map((replica) => replica.peer),
      storageTypes: replicas.map(() => "DISK"),
      topologyPaths: replicas.map((replica) => `${replica.rack}/${replica.address}`),
    });
  }
  return { BlockLocations: { BlockLocation: out } };
}

/** The host of HOST:PORT ("[::1]:80" is "::1"). */
export function hostOf(address: string): string {
  const host = address.slice(0, address.lastIndexOf(":"));
  return host.startsWith("[") ? host.slice(1, -1) : host;
}
