// What `fs mount`, `fs stat`, `fs ls` and `cache stat` print about under-storage mounts and
// the cache (issue 16, docs/cache.md), and how `fs mount`'s flags become a mount request.
// Pure: the commands in cmd/fs.ts and cmd/cache.ts call these and print the result.
import type { MountOptions, StatView } from "../src/client/fs.ts";
import type { MountInfo } from "../src/protocol/pb/meta.ts";
import type { TierUsage } from "../src/protocol/pb/membership.ts";
import type { ReportView } from "../src/protocol/views.ts";
import {
  formatSyncInterval,
  normalizeUnderStorageUri,
  parseReadType,
  parseSyncInterval,
  parseUnderStorageUri,
  parseWriteType,
  readTypeName,
  validateMountOptions,
  writeTypeName,
} from "../src/protocol/mounts.ts";
import { formatBytes, formatTable } from "./format.ts";

export class CacheUsageError extends Error {
  override name = "UsageError";
}

/** A chunk's copies in the peers' data directories (written chunks, and cache copies of a peer without tiers). */
export const DATA_DIR_TIER = "DATA";
/** Tiers top first; a chunk counts in the highest tier any of its copies is in. */
const TIER_ORDER = ["MEM", "SSD", "HDD", DATA_DIR_TIER];

function tierRank(name: string): number {
  const rank = TIER_ORDER.indexOf(name);
  return rank < 0 ? TIER_ORDER.length : rank;
}

/** How much of a file is cached: bytes of chunks with at least one live copy, and by the highest tier holding each. */
export interface CacheShare {
  totalBytes: number;
  cachedBytes: number;
  /** Tier name (MEM, SSD, HDD, DATA) → bytes of chunks whose highest copy is there; sums to cachedBytes. */
  byTier: Record<string, number>;
}

export function cacheShare(stat: Pick<StatView, "chunks">): CacheShare {
  const share: CacheShare = { totalBytes: 0, cachedBytes: 0, byTier: {} };
  for (const chunk of stat.chunks) {
    share.totalBytes += chunk.size;
    if (chunk.replicas.length === 0) continue;
    share.cachedBytes += chunk.size;
    let top = "";
    for (const replica of chunk.replicas) {
      const tier = replica.tier || DATA_DIR_TIER;
      if (top === "" || tierRank(tier) < tierRank(top)) top = tier;
    }
    share.byTier[top] = (share.byTier[top] ?? 0) + chunk.size;
  }
  return share;
}

/** A share as a whole percentage, rounded down so "100%" means every byte (an empty file is 100%). */
export function percent(partBytes: number, totalBytes: number): string {
  if (totalBytes === 0) return "100%";
  return `${Math.floor((partBytes * 100) / totalBytes)}%`;
}

/** "MEM 60%, HDD 40%" in tier order; "-" when nothing is cached. */
export function tierSplit(share: CacheShare, separator = ", "): string {
  const tiers = Object.keys(share.byTier).sort((a, b) => tierRank(a) - tierRank(b) || (a < b ? -1 : 1));
  if (tiers.length === 0) return "-";
  return tiers.map((tier) => `${tier} ${percent(share.byTier[tier]!, share.totalBytes)}`).join(separator);
}

/** `fs stat`'s lines about the cache and the under-storage: Alluxio's `In Memory` and `In Tessera` (issue 16). */
export function statCacheLines(stat: StatView): string[] {
  const lines: string[] = [];
  if (stat.kind === "file") {
    const share = cacheShare(stat);
    lines.push(`In Tessera: ${percent(share.cachedBytes, share.totalBytes)} (${formatBytes(share.cachedBytes)} of ${formatBytes(share.totalBytes)})`);
    lines.push(`In Memory: ${percent(share.byTier.MEM ?? 0, share.totalBytes)}`);
    lines.push(`By tier: ${tierSplit(share)}`);
  }
  const ufs = stat.underStorage;
  if (ufs) {
    lines.push(`Mount: ${ufs.mountPath}`);
    lines.push(`Persist state: ${ufs.persistState}`);
    if (stat.kind === "file") {
      lines.push(`Fingerprint: ${ufs.fingerprint || "-"}`);
      lines.push(`Pinned: ${ufs.pinned ? "yes" : "no"}`);
    }
  }
  return lines;
}

/** The JSON of `fs stat --json` / `fs ls --json`: the stat with its cache share (files). */
export function withCacheShare<T extends StatView>(stat: T): T & { cache?: CacheShare } {
  return stat.kind === "file" ? { ...stat, cache: cacheShare(stat) } : stat;
}

/**
 * The columns `fs ls` puts before the path of an entry in a mount, after HDFS's: persist
 * state, share cached, and the tier split without spaces (`PERSISTED 100% MEM:60%,HDD:40%`),
 * so the path stays the last field.
 */
export function lsCacheColumns(stat: StatView): string {
  const state = stat.underStorage?.persistState ?? "-";
  if (stat.kind !== "file") return `${state} - -`;
  const share = cacheShare(stat);
  return `${state} ${percent(share.cachedBytes, share.totalBytes)} ${tierSplit(share, ",").replaceAll(" ", ":")}`;
}

// --- fs mount ----------------------------------------------------------------------------------

export interface MountFlags {
  readonly?: boolean;
  option?: string[];
  syncInterval?: string;
  readType?: string;
  writeType?: string;
  replication?: string;
}

function usage<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw new CacheUsageError((err as Error).message);
  }
}

/** `fs mount PATH URI [flags]` as the client's mount call takes it; throws one sentence when a flag is wrong. */
export function mountRequest(uri: string, flags: MountFlags): { uri: string; options: MountOptions } {
  const location = usage(() => parseUnderStorageUri(uri));
  const pairs = (flags.option ?? []).map((text) => {
    const at = text.indexOf("=");
    if (at <= 0) throw new CacheUsageError(`--option takes key=value, not "${text}"`);
    return { key: text.slice(0, at), value: text.slice(at + 1) };
  });
  const options: MountOptions = { options: usage(() => validateMountOptions(location.scheme, pairs)) };
  if (flags.readonly) options.readonly = true;
  if (flags.syncInterval !== undefined) options.syncIntervalMs = usage(() => parseSyncInterval(flags.syncInterval!));
  if (flags.readType !== undefined) options.readType = usage(() => parseReadType(flags.readType!));
  if (flags.writeType !== undefined) options.writeType = usage(() => parseWriteType(flags.writeType!));
  if (flags.replication !== undefined) {
    const replication = Number(flags.replication);
    if (!Number.isInteger(replication) || replication < 1) throw new CacheUsageError(`--replication "${flags.replication}" is not possible: give a whole number of copies, 1 or more`);
    options.replication = replication;
  }
  return { uri: normalizeUnderStorageUri(uri), options };
}

/** A mount's options as `fs mount` lists them: secrets as `key=<hidden>`, never their values. */
export function mountOptionsText(mount: Pick<MountInfo, "options" | "redacted">): string {
  const shown = mount.options.map((option) => `${option.key}=${option.value}`);
  const hidden = mount.redacted.map((key) => `${key}=<hidden>`);
  const all = [...shown, ...hidden];
  return all.length === 0 ? "-" : all.join(",");
}

/** The mount table `fs mount` prints with no argument. */
export function mountTable(mounts: readonly MountInfo[], nowMs: number): string {
  if (mounts.length === 0) return "no mounts\n";
  const rows = mounts.map((mount) => [
    mount.path,
    mount.uri,
    mountOptionsText(mount),
    mount.readonly ? "ro" : "rw",
    formatSyncInterval(mount.syncIntervalMs),
    readTypeName(mount.readType),
    writeTypeName(mount.writeType),
    String(mount.replication || 1),
    mountStateText(mount, nowMs),
  ]);
  return formatTable(["PATH", "URI", "OPTIONS", "MODE", "SYNC", "READ", "WRITE", "REPL", "STATE"], rows);
}

export function mountStateText(mount: Pick<MountInfo, "unreachableSinceMs" | "lastError">, nowMs: number): string {
  if (!mount.unreachableSinceMs) return "ok";
  const agoS = Math.max(0, Math.round((nowMs - mount.unreachableSinceMs) / 1000));
  return `unreachable for ${agoS}s${mount.lastError ? `: ${mount.lastError.replaceAll("\n", " ")}` : ""}`;
}

// --- cache stat --------------------------------------------------------------------------------

export interface TierTotals {
  name: string;
  peers: number;
  capacityBytes: number;
  usedBytes: number;
  chunks: number;
  pinnedChunks: number;
  hits: number;
  misses: number;
  evictions: number;
  demotions: number;
  promotions: number;
}

export interface CacheStat {
  /** hits / (hits + misses) over every tier of every peer; null before the first read. */
  hitRate: number | null;
  hits: number;
  misses: number;
  /** Summed over peers, top tier first. */
  tiers: TierTotals[];
  peers: Array<{ peer: string; state: string; tiers: TierUsage[] }>;
}

/** `cache stat`: the report's tiers summed by name across peers (dead peers' last figures included). */
export function cacheStat(report: Pick<ReportView, "peers">): CacheStat {
  const byName = new Map<string, TierTotals>();
  for (const peer of report.peers) {
    for (const tier of peer.tiers) {
      const totals = byName.get(tier.name) ?? { name: tier.name, peers: 0, capacityBytes: 0, usedBytes: 0, chunks: 0, pinnedChunks: 0, hits: 0, misses: 0, evictions: 0, demotions: 0, promotions: 0 };
      totals.peers += 1;
      totals.capacityBytes += tier.capacityBytes;
      totals.usedBytes += tier.usedBytes;
      totals.chunks += tier.chunks;
      totals.pinnedChunks += tier.pinnedChunks;
      totals.hits += tier.hits;
      totals.misses += tier.misses;
      totals.evictions += tier.evictions;
      totals.demotions += tier.demotions;
      totals.promotions += tier.promotions;
      byName.set(tier.name, totals);
    }
  }
  const tiers = [...byName.values()].sort((a, b) => tierRank(a.name) - tierRank(b.name) || (a.name < b.name ? -1 : 1));
  const hits = tiers.reduce((sum, tier) => sum + tier.hits, 0);
  const misses = tiers.reduce((sum, tier) => sum + tier.misses, 0);
  return {
    hitRate: hits + misses === 0 ? null : hits / (hits + misses),
    hits,
    misses,
    tiers,
    peers: report.peers.filter((peer) => peer.tiers.length > 0).map((peer) => ({ peer: peer.peer, state: peer.state, tiers: peer.tiers })),
  };
}

export function cacheStatText(stat: CacheStat): string {
  if (stat.tiers.length === 0) return "no peer has cache tiers (start peers with --tier NAME:DIR:SIZE)\n";
  const head = stat.hitRate === null ? "Hit rate: - (no reads yet)\n" : `Hit rate: ${(stat.hitRate * 100).toFixed(1)}% (${stat.hits} hits, ${stat.misses} misses)\n`;
  const rows = stat.tiers.map((tier) => [
    tier.name,
    String(tier.peers),
    formatBytes(tier.capacityBytes),
    formatBytes(tier.usedBytes),
    tier.capacityBytes === 0 ? "-" : percent(tier.usedBytes, tier.capacityBytes),
    String(tier.chunks),
    String(tier.pinnedChunks),
    String(tier.hits),
    String(tier.misses),
    String(tier.evictions),
    String(tier.demotions),
    String(tier.promotions),
  ]);
  return head + formatTable(["TIER", "PEERS", "CAPACITY", "USED", "USED%", "CHUNKS", "PINNED", "HITS", "MISSES", "EVICTIONS", "DEMOTIONS", "PROMOTIONS"], rows);
}
