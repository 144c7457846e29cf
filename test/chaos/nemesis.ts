// The nemesis (issue 18): plays a schedule (schedule.ts) against the cluster and its network,
// one fault at a time, and records what it did. For every fault it also looks for proof that
// the fault happened (a new leader, a peer seen as suspect, drop counters, a full disk, a
// moved clock): a fault that leaves no trace would make a green run meaningless.
import type { ChaosCluster } from "./cluster.ts";
import type { ChaosNet } from "./net.ts";
import { formatStep } from "./schedule.ts";
import type { FaultRecord, FaultStep, HistoryOp } from "./types.ts";

export interface NemesisRecord extends FaultRecord {
  /** What showed the fault took effect, in one line; undefined when nothing did in time. */
  evidence?: string;
}

export interface NemesisOptions {
  readonly steps: readonly FaultStep[];
  readonly cluster: ChaosCluster;
  readonly net: ChaosNet;
  /** The history's clock (ms since the run's start): records use it, as operations do. */
  readonly nowMs: () => number;
  readonly stop?: AbortSignal;
  readonly log?: (line: string) => void;
}

const PROBE_INTERVAL_MS = 200;

function sleep(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || stop?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop?.removeEventListener("abort", done);
      resolve();
    }
    stop?.addEventListener("abort", done);
  });
}

/** Polls `probe` until it gives a line or the deadline passes. */
async function proof(deadline: number, probe: () => Promise<string | undefined>): Promise<string | undefined> {
  while (performance.now() < deadline) {
    const found = await probe().catch(() => undefined);
    if (found) return found;
    await sleep(PROBE_INTERVAL_MS);
  }
  return undefined;
}

/** Runs the steps in order; resolves when the last has healed (or `stop` ended the run early). */
export async function runNemesis(options: NemesisOptions): Promise<NemesisRecord[]> {
  const { cluster, net, steps, stop } = options;
  const log = options.log ?? (() => {});
  const records: NemesisRecord[] = [];
  const phaseStart = performance.now();
  for (const step of steps) {
    await sleep(phaseStart + step.atMs - performance.now(), stop);
    if (stop?.aborted) break;
    const record = await runStep(step, cluster, net, options.nowMs);
    records.push(record);
    log(`nemesis: ${formatStep(step)} -> peers ${record.peers.map((p) => `p${p}`).join(",") || "all"}${record.evidence ? `; ${record.evidence}` : "; NO EVIDENCE"}${record.error ? `; error: ${record.error}` : ""}`);
  }
  return records;
}

async function runStep(step: FaultStep, cluster: ChaosCluster, net: ChaosNet, nowMs: () => number): Promise<NemesisRecord> {
  const all = Array.from({ length: cluster.size }, (_, i) => i);
  let leader: number | undefined;
  if (step.targets.includes("leader") || step.kind === "kill") {
    const deadline = performance.now() + 5_000;
    while (leader === undefined && performance.now() < deadline) leader = await cluster.leader();
  }
  let peers = step.targets.map((target) => (target === "leader" ? (leader ?? 0) : target.peer));
  // `kill` is of a peer that is not the leader: the next one if the draw hit the leader.
  if (step.kind === "kill" && peers[0] === leader) peers = [(peers[0]! + 1) % cluster.size];
  const record: NemesisRecord = { step, peers, startMs: nowMs() };
  const others = all.filter((peer) => !peers.includes(peer));
  const startedAt = performance.now();
  const end = startedAt + step.durationMs;
  const since = () => `${Math.round(performance.now() - startedAt)} ms`;
  const target = peers[0]!;
  const targetId = cluster.ids()[target];
  const seenNotAlive = (viewers: readonly number[], ids: readonly (string | undefined)[]) => async () => {
    for (const via of viewers) {
      const table = await cluster.peersVia(via);
      const hit = table?.find((peer) => ids.includes(peer.id) && peer.state !== "alive");
      if (hit) return `p${via} saw p${cluster.indexOf(hit.id)} ${hit.state} after ${since()}`;
    }
    return undefined;
  };
  const newLeaderVia = (viewers: readonly number[], old: number) => async () => {
    for (const via of viewers) {
      const now = await cluster.leaderVia(via, 1_000);
      if (now !== undefined && now !== old) return `p${via} reports a new leader p${now} after ${since()}`;
    }
    return undefined;
  };
  try {
    switch (step.kind) {
      case "kill":
      case "kill-leader": {
        const signal = await cluster.kill9(target);
        const seen = step.kind === "kill-leader" ? await proof(end, newLeaderVia(others, target)) : await proof(end, seenNotAlive(others, [targetId]));
        record.evidence = `p${target} ended by ${signal}${seen ? `; ${seen}` : ""}`;
        if (!seen) record.evidence = undefined;
        await sleep(end - performance.now());
        const problems = await cluster.healPeers();
        if (problems.length > 0) throw new Error(problems.join("; "));
        break;
      }
      case "pause": {
        cluster.pause(target);
        record.evidence = await proof(end, seenNotAlive(others, [targetId]));
        await sleep(end - performance.now());
        cluster.resume(target);
        break;
      }
      case "partition-leader": {
        net.partition([target], others);
        record.evidence = await proof(end, newLeaderVia(others, target));
        await sleep(end - performance.now());
        net.healAll();
        break;
      }
      case "partition-halves": {
        net.partition(peers, others);
        record.evidence = await proof(end, seenNotAlive(others, peers.map((peer) => cluster.ids()[peer])));
        await sleep(end - performance.now());
        net.healAll();
        break;
      }
      case "partition-one-way": {
        net.dropFromTo([target], others);
        record.evidence = await proof(end, seenNotAlive(others, [targetId]));
        await sleep(end - performance.now());
        net.healAll();
        break;
      }
      case "net-loss": {
        const before = net.droppedPackets().reduce((a, b) => a + b, 0);
        net.loss(step.params?.lossPercent ?? 10);
        await sleep(end - performance.now());
        const dropped = net.droppedPackets().reduce((a, b) => a + b, 0) - before;
        net.healAll();
        if (dropped > 0) record.evidence = `${dropped} packets dropped at random`;
        break;
      }
      case "net-delay": {
        net.delay(step.params?.delayMs ?? 100);
        await sleep(end - performance.now());
        const stats = net.delayStats();
        net.healAll();
        const sent = stats.reduce((a, s) => a + s.sent, 0);
        const overlimits = stats.reduce((a, s) => a + s.overlimits, 0);
        const dropped = stats.reduce((a, s) => a + s.dropped, 0);
        if (sent > 0) record.evidence = `${sent} packets through the slow links, ${overlimits} held back (overlimits), ${dropped} dropped`;
        break;
      }
      case "disk-full": {
        const logFrom = cluster.logSize(target);
        const filled = cluster.fillDisk(target);
        const free = cluster.diskFreeBytes(target);
        const reported = await proof(end, async () => {
          const table = await cluster.peersVia(target);
          const self = table?.find((peer) => peer.id === targetId);
          return self && self.freeBytes < 1 << 20 ? `p${target} reports ${self.freeBytes} bytes free after ${since()}` : undefined;
        });
        // A write whose first replica must go to the full disk.
        const probe = await cluster.s3Probe(target, 1 << 20);
        record.evidence = free === 0 ? `filled ${filled} bytes, 0 free${reported ? `; ${reported}` : ""}` : undefined;
        await sleep(end - performance.now());
        const refusals = cluster.logSince(target, logFrom).match(/ENOSPC|no space left/gi)?.length ?? 0;
        cluster.freeDisk(target);
        if (record.evidence) record.evidence += `; ${refusals} ENOSPC errors in its log; a 1 MiB S3 PUT through it: ${probe}`;
        break;
      }
      case "clock-jump": {
        const offsetMs = step.params?.clockOffsetMs ?? 60_000;
        cluster.jumpClock(target, offsetMs);
        record.evidence = await proof(end, async () => {
          const skewMs = await cluster.clockSkewMs(target);
          return Math.abs(skewMs - offsetMs) < 2_000 ? `p${target}'s wall clock reads ${(skewMs / 1000).toFixed(1)} s off after ${since()}` : undefined;
        });
        await sleep(end - performance.now());
        cluster.jumpClock(target, 0);
        break;
      }
    }
  } catch (err) {
    record.error = (err as Error).message;
    // A step that failed half-way still heals what it may have done.
    net.healAll();
    const problems = await cluster.healPeers();
    if (problems.length > 0) record.error += `; healing failed: ${problems.join("; ")}`;
  }
  record.healMs = nowMs();
  return record;
}

/** Operations that change state: the unavailability of a fault is measured on them. */
const READS = new Set(["read", "get", "job"]);

/**
 * Fills each record's `unavailableMs`: from the fault's start to the completion of the first
 * write that was invoked after the start and acknowledged (as etcd's failover figure is kill
 * -9 to the next successful put). Undefined when no write succeeded afterwards.
 */
export function measureUnavailability(records: NemesisRecord[], ops: readonly HistoryOp[]): void {
  const writes = ops.filter((op) => op.outcome === "ok" && !READS.has(op.f) && op.retMs !== undefined);
  for (const record of records) {
    let first: number | undefined;
    for (const op of writes) if (op.callMs >= record.startMs && (first === undefined || op.retMs! < first)) first = op.retMs!;
    record.unavailableMs = first === undefined ? undefined : Math.round(first - record.startMs);
  }
}
