// Where MapReduce tasks run: pure decisions of the leader's scheduler (scheduler.ts does
// the I/O). Maps go to a peer holding their chunk, else one on the same rack, else any; a map
// waits up to the locality wait for a node-local slot before it takes a rack-local one, and as
// long again before it takes any (delay scheduling, Zaharia et al. 2010). Near the end of a
// phase, tasks that run much longer than their finished siblings get a backup copy on another
// peer (MapReduce §3.6).

export type Locality = "node" | "rack" | "remote";

export interface WorkerSlots {
  id: string;
  rack: string;
  /** Tasks it can start now: its cores minus the tasks it runs. */
  free: number;
}

export interface PendingMap {
  index: number;
  /** When it became pending (this leader's clock). */
  pendingSinceMs: number;
  /** Peers holding a current replica of its chunk. */
  holders: string[];
  /** Peers it must not run on (a backup avoids the peer of the original). */
  avoid?: string[];
}

export interface MapAssignment {
  index: number;
  peer: string;
  locality: Locality;
}

/** Assigns pending maps, in order, to free slots; `workers` is updated in place. */
export function assignMaps(pending: readonly PendingMap[], workers: WorkerSlots[], nowMs: number, localityWaitMs: number): MapAssignment[] {
  const assignments: MapAssignment[] = [];
  const rackOf = new Map(workers.map((worker) => [worker.id, worker.rack]));
  for (const task of pending) {
    const avoid = new Set(task.avoid ?? []);
    const open = workers.filter((worker) => worker.free > 0 && !avoid.has(worker.id));
    if (open.length === 0) continue;
    const waitedMs = nowMs - task.pendingSinceMs;
    const holders = new Set(task.holders);
    const holderRacks = new Set(task.holders.map((peer) => rackOf.get(peer)).filter((rack): rack is string => rack !== undefined));
    let choice: { worker: WorkerSlots; locality: Locality } | undefined;
    const local = mostFree(open.filter((worker) => holders.has(worker.id)));
    if (local) choice = { worker: local, locality: "node" };
    else if (waitedMs >= localityWaitMs || holders.size === 0) {
      const rackLocal = mostFree(open.filter((worker) => holderRacks.has(worker.rack)));
      if (rackLocal) choice = { worker: rackLocal, locality: "rack" };
      else if (waitedMs >= 2 * localityWaitMs || holders.size === 0) {
        const any = mostFree(open);
        if (any) choice = { worker: any, locality: "remote" };
      }
    }
    if (!choice) continue;
    choice.worker.free -= 1;
    assignments.push({ index: task.index, peer: choice.worker.id, locality: choice.locality });
  }
  return assignments;
}

/** Assigns pending reduces to the workers with the most free slots. */
export function assignReduces(pending: readonly { index: number; avoid?: string[] }[], workers: WorkerSlots[]): Array<{ index: number; peer: string }> {
  const assignments: Array<{ index: number; peer: string }> = [];
  for (const task of pending) {
    const avoid = new Set(task.avoid ?? []);
    const worker = mostFree(workers.filter((candidate) => candidate.free > 0 && !avoid.has(candidate.id)));
    if (!worker) continue;
    worker.free -= 1;
    assignments.push({ index: task.index, peer: worker.id });
  }
  return assignments;
}

export interface RunningTask {
  index: number;
  startedAtMs: number;
  peer: string;
}

/**
 * The running tasks that deserve a backup: only once nothing of the phase is pending, only
 * tasks with a single attempt, running longer than `factor` times the median of the phase's
 * finished tasks and at least `minRunMs`; slowest first.
 */
export function backupCandidates(running: readonly RunningTask[], finishedDurationsMs: readonly number[], pendingCount: number, nowMs: number, options: { factor: number; minRunMs: number }): RunningTask[] {
  if (pendingCount > 0 || finishedDurationsMs.length === 0) return [];
  const sorted = [...finishedDurationsMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const thresholdMs = Math.max(options.minRunMs, median * options.factor);
  return running.filter((task) => nowMs - task.startedAtMs > thresholdMs).sort((a, b) => a.startedAtMs - b.startedAtMs);
}

function mostFree(workers: WorkerSlots[]): WorkerSlots | undefined {
  let best: WorkerSlots | undefined;
  for (const worker of workers) if (!best || worker.free > best.free || (worker.free === best.free && worker.id < best.id)) best = worker;
  return best;
}
