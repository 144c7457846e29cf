// Options of a peer, their defaults, and their validation at start-up with a clear message.
import { multiaddr } from "@multiformats/multiaddr";
import { FAILURE_DETECTOR_DEFAULTS, type FailureDetectorConfig } from "../membership/peer-table.ts";
import { HEARTBEAT_INTERVAL_MS_DEFAULT } from "../membership/constants.ts";
import { RACK_NAME_CHARS_MAX } from "../membership/heartbeat.ts";
import { ConfigError } from "../util/config.ts";
import type { EvictionPolicy, TierSpec } from "../cache/tiers.ts";

export const DATA_DIR_DEFAULT = "tessera-data";
// HDFS names the rack of a node without topology information "/default-rack".
export const RACK_DEFAULT = "/default-rack";
// Listens on every interface so other machines can join; the port is chosen on first start
// and remembered in the data dir, so the join command a peer printed stays valid.
export const LISTEN_DEFAULT = "/ip4/0.0.0.0/tcp/0";
// Admin HTTP listens on loopback only unless told otherwise (SECURITY.md).
export const HTTP_DEFAULT = "127.0.0.1:0";

export interface PeerOptions {
  /** Where the peer keeps its identity, swarm key, state (and later chunks and the Raft log). */
  dataDir?: string;
  /** Multiaddrs to listen on. Default: remembered from the last start, else LISTEN_DEFAULT. */
  listen?: string[];
  /** Multiaddrs of peers of the cluster to join. None: create a cluster, or rejoin the remembered one. */
  join?: string[];
  rack?: string;
  /** The cluster's swarm key. Default: the one in the data dir; a new one when creating a cluster. */
  swarmKey?: Uint8Array;
  /** HOST:PORT of the admin HTTP server, or false for none. */
  http?: string | false;
  /** Serve S3 from this peer (src/gateway/s3): HOST:PORT, the virtual-host domain, the age at which incomplete uploads expire. */
  s3?: { listen: string; domain?: string; uploadExpiryMs?: number };
  /**
   * WebHDFS takes `user.name=` at its word even when admin HTTP listens beyond loopback (on
   * loopback it always does); otherwise such a port needs delegation tokens (SECURITY.md).
   */
  webhdfsSimpleAuth?: boolean;
  heartbeatIntervalMs?: number;
  failureDetector?: Partial<FailureDetectorConfig>;
  /** How many Raft voters (masters) the cluster keeps: 3 by default, 5 or 7 for more. */
  masters?: number;
  /** A voter silent this long is replaced by a live peer (default 15 s). */
  voterDeadAfterMs?: number;
  /** Raft's tick (elections after 10–20 ticks of silence); for tests. */
  raftTickMs?: number;
  /** How often increments of the block report go to the leader (default 500 ms). */
  blockReportIntervalMs?: number;
  /** The most bytes of chunks this peer offers (default: its disk); heartbeats advertise it. */
  capacityBytes?: number;
  /**
   * Cache tiers for copies of under-storage files, top first (`--tier MEM:/dev/shm/x:4GiB`,
   * src/cache/tier-spec.ts parses them). None: the data dir is the one tier (docs/cache.md).
   */
  tiers?: TierSpec[];
  /** Which cache copies leave a full tier first: LRU (the default) or LRFU. */
  cachePolicy?: EvictionPolicy;
  /** Map and reduce tasks this peer runs at once. Default: its cores. */
  computeSlots?: number;
  /** Fault injection for tests: every task on this peer takes this much longer. */
  faultTaskDelayMs?: number;
  /** The scrubber starts a pass over every chunk this often (default a week); for tests. */
  scrubPeriodMs?: number;
  /** The scrubber's read rate (default 32 MiB/s). */
  scrubBytesPerSecond?: number;
  /** Garbage is deleted this long after it became garbage (default 60 s); for tests. */
  gcGraceMs?: number;
  /** How often the leader collects garbage (default 5 s); for tests. */
  gcIntervalMs?: number;
  /** How often the leader works on decommissioning peers (default 1 s); for tests. */
  decommissionIntervalMs?: number;
}

export function parseMultiaddr(text: string, what: string): string {
  try {
    return multiaddr(text).toString();
  } catch {
    throw new ConfigError(`${what} "${text}" is not a valid multiaddr (for example /ip4/127.0.0.1/tcp/7070)`);
  }
}

export function validateRack(rack: string): string {
  if (!/^\/[A-Za-z0-9._\-/]*$/.test(rack) || rack.length > RACK_NAME_CHARS_MAX) {
    throw new ConfigError(`rack "${rack}" must start with / and hold only letters, digits, '.', '_', '-' and '/' (at most ${RACK_NAME_CHARS_MAX} characters)`);
  }
  return rack;
}

export function resolveTimings(options: PeerOptions): { heartbeatIntervalMs: number; failureDetector: FailureDetectorConfig } {
  return {
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS_DEFAULT,
    failureDetector: { ...FAILURE_DETECTOR_DEFAULTS, ...options.failureDetector },
  };
}
