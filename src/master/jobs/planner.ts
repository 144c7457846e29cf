// Where MapReduce tasks run: pure decisions of the leader's scheduler (scheduler.ts does
// the I/O, and brings the clock). Maps go to a peer holding their chunk, else one on the same
// rack, else any; a map waits up to the locality wait for a node-local slot before it takes a
// rack-local one, and as long again before it takes any (delay scheduling, Zaharia et al.
// 2010). The wait is a fraction of the job's task length (localityWaitMs): waiting 1.5 s for a
// map of 0.2 s costs more than reading its chunk from another peer. Past its wait, a map still
// holds out for a holder whose slot is expected to free within the wait (a task of the job
// there is near its expected end), up to LOCALITY_WAIT_HOLD_FACTOR waits. Reduces may start
// before the last map ends (slow start) and then take no slot while they copy. Near the end of
// a phase, tasks that run much longer than their finished siblings get a backup copy on another
// peer (MapReduce §3.6).

export type Locality = "node" | "rack" | "remote";

/** The locality wait before any map of the job has finished (its length is not known yet). */
export const LOCALITY_WAIT_INITIAL_MS = 1_000;
/** The locality wait is this fraction of the median finished map's duration ... */
export const LOCALITY_WAIT_FRACTION = 0.5;
/** ... within these bounds (the upper one was the fixed wait before it scaled). */
export const LOCALITY_WAIT_MIN_MS = 20;
export const LOCALITY_WAIT_MAX_MS = 1_500;
/** A map holds out for a holder's slot that frees soon for at most this many waits in all. */
export const LOCALITY_WAIT_HOLD_FACTOR = 4;
/**
 * Reduces start once this fraction of the job's maps is done (Hadoop's
 * mapreduce.job.reduce.slowstart.completedmaps, default 0.05 there too): they copy map outputs
 * as maps finish, so the copy overlaps the map phase instead of following it.
 */
export const SLOWSTART_COMPLETED_MAPS = 0.05;

/** The median of durations, or undefined without any. */
export function medianMs(durationsMs: readonly number[]): number | undefined {
  if (durationsMs.length === 0) return undefined;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** How long a map waits for a node-local slot, from the durations of the job's finished maps. */
export function localityWaitMs(finishedMapDurationsMs: readonly number[]): number {
  const median = medianMs(finishedMapDurationsMs);
  if (median === undefined) return LOCALITY_WAIT_INITIAL_MS;
  return Math.min(LOCALITY_WAIT_MAX_MS, Math.max(LOCALITY_WAIT_MIN_MS, Math.round(median * LOCALITY_WAIT_FRACTION)));
}

/**
 * For each peer, in how many ms its first slot is expected to free: the soonest expected end
 * (start + median duration) of the job's maps running there. A map past twice the median is a
 * straggler, not a slot about to free. Empty before any map has finished.
 */
export function slotsFreeingMs(running: readonly RunningTask[], finishedMapDurationsMs: readonly number[], nowMs: number): Map<string, number> {
  const soon = new Map<string, number>();
  const median = medianMs(finishedMapDurationsMs);
  if (median === undefined) return soon;
  for (const task of running) {
    const elapsedMs = nowMs - task.startedAtMs;
    if (elapsedMs > 2 * median) continue;
    const remainingMs = Math.max(0, median - elapsedMs);
    soon.set(task.peer, Math.min(soon.get(task.peer) ?? Infinity, remainingMs));
  }
  return soon;
}

/** When the next pending map's wait runs out (rack-local, then any), for a round then; undefined if none will. */
export function nextLocalityDeadlineMs(pending: readonly PendingMap[], nowMs: number, waitMs: number): number | undefined {
  let next: number | undefined;
  for (const task of pending) {
    if (task.holders.length === 0) continue;
    for (const deadline of [task.pendingSinceMs + waitMs, task.pendingSinceMs + 2 * waitMs, task.pendingSinceMs + LOCALITY_WAIT_HOLD_FACTOR * waitMs]) {
      if (deadline > nowMs && (next === undefined || deadline < next)) next = deadline;
    }
  }
  return next;
}

/** Whether a job's reduces may start: enough of its maps are done (every one for a job without maps). */
export function reducesMayStart(mapsDone: number, mapTasks: number, slowstart = SLOWSTART_COMPLETED_MAPS): boolean {
  if (mapsDone >= mapTasks) return true;
  return mapsDone >= Math.max(1, Math.ceil(slowstart * mapTasks));
}

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

/**
 * Assigns pending maps, in order, to free slots; `workers` is updated in place. `freeingMs`
 * (slotsFreeingMs) says which busy peers are expected to free a slot soon.
 */
export function assignMaps(pending: readonly PendingMap[], workers: WorkerSlots[], nowMs: number, localityWaitMs: number, freeingMs: ReadonlyMap<string, number> = new Map()): MapAssignment[] {
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
    // A holder about to free a slot is worth waiting for a while longer.
    const holdOut = task.holders.some((peer) => (freeingMs.get(peer) ?? Infinity) <= localityWaitMs) && waitedMs < LOCALITY_WAIT_HOLD_FACTOR * localityWaitMs;
    if (local) choice = { worker: local, locality: "node" };
    else if ((waitedMs >= localityWaitMs && !holdOut) || holders.size === 0) {
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

/**
 * Assigns reduces that start before the last map is done (slow start): they take no slot while
 * they copy, so they go to the peers with the fewest of the job's reduces, not the freest.
 * `reducesOn` counts the job's running reduces per peer and is updated in place.
 */
export function assignEarlyReduces(pending: readonly { index: number; avoid?: string[] }[], workers: readonly WorkerSlots[], reducesOn: Map<string, number>): Array<{ index: number; peer: string }> {
  const assignments: Array<{ index: number; peer: string }> = [];
  for (const task of pending) {
    const avoid = new Set(task.avoid ?? []);
    let best: WorkerSlots | undefined;
    for (const worker of workers) {
      if (avoid.has(worker.id)) continue;
      const count = reducesOn.get(worker.id) ?? 0;
      const bestCount = best ? (reducesOn.get(best.id) ?? 0) : Infinity;
      if (count < bestCount || (count === bestCount && best && (worker.free > best.free || (worker.free === best.free && worker.id < best.id)))) best = worker;
    }
    if (!best) continue;
    reducesOn.set(best.id, (reducesOn.get(best.id) ?? 0) + 1);
    assignments.push({ index: task.index, peer: best.id });
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
  const median = medianMs(finishedDurationsMs);
  if (pendingCount > 0 || median === undefined) return [];
  const thresholdMs = Math.max(options.minRunMs, median * options.factor);
  return running.filter((task) => nowMs - task.startedAtMs > thresholdMs).sort((a, b) => a.startedAtMs - b.startedAtMs);
}

function mostFree(workers: WorkerSlots[]): WorkerSlots | undefined {
  let best: WorkerSlots | undefined;
  for (const worker of workers) if (!best || worker.free > best.free || (worker.free === best.free && worker.id < best.id)) best = worker;
  return best;
}
