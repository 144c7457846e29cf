// Where MapReduce tasks run: pure decisions of the leader's scheduler (scheduler.ts does
// the I/O, and brings the clock). Maps go to a peer holding their chunk, else one on the same
// rack, else any; a map waits up to the locality wait for a node-local slot before it takes a
// rack-local one, and as long again before it takes any (delay scheduling, Zaharia et al.
// 2010). The wait is a fraction of the job's task length (localityWaitMs): waiting 1.5 s for a
// map of 0.2 s costs more than reading its chunk from another peer. A free slot takes a map
// whose chunk it holds before any other (as Hadoop fills a heartbeat's slots node-local first),
// and past its wait a map still holds out for a holder expected to start it within the wait,
// counting the maps queued for that holder ahead of it: the wait is measured from now, not from
// when the map became pending, so the maps of a job's tail stay local while their holders work
// through them, and go elsewhere only when a holder is a round or more behind. Reduces may start
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
 * For each peer, in how many ms each of its slots running a map of the job is expected to
 * free, soonest first: start + median duration of the map there, at once if it is past its
 * median. A map past twice the median is a straggler, not a slot about to free, and is left
 * out. Empty before any map has finished.
 */
export function slotsFreeingMs(running: readonly RunningTask[], finishedMapDurationsMs: readonly number[], nowMs: number): Map<string, number[]> {
  const soon = new Map<string, number[]>();
  const median = medianMs(finishedMapDurationsMs);
  if (median === undefined) return soon;
  for (const task of running) {
    const elapsedMs = nowMs - task.startedAtMs;
    if (elapsedMs > 2 * median) continue;
    const list = soon.get(task.peer) ?? [];
    list.push(Math.max(0, median - elapsedMs));
    soon.set(task.peer, list);
  }
  for (const list of soon.values()) list.sort((a, b) => a - b);
  return soon;
}

/** When the next pending map's wait runs out (rack-local, then any), for a round then; undefined if none will. */
export function nextLocalityDeadlineMs(pending: readonly PendingMap[], nowMs: number, waitMs: number): number | undefined {
  let next: number | undefined;
  for (const task of pending) {
    if (task.holders.length === 0) continue;
    for (const deadline of [task.pendingSinceMs + waitMs, task.pendingSinceMs + 2 * waitMs]) {
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
 * Assigns pending maps to free slots; `workers` is updated in place. First every map whose
 * chunk a peer with a free slot holds goes there, in order; then the rest, in order, go
 * rack-local or anywhere once their waits are over, unless a holder is expected to start them
 * within the locality wait. `freeingMs` (slotsFreeingMs) says when each busy peer's slots are
 * expected to free; the k-th map left waiting for a holder starts on its slots in turn, a
 * map's length (`medianMapMs`) later for each round of them (a map with several holders
 * counts for each in part).
 */
export function assignMaps(
  pending: readonly PendingMap[],
  workers: WorkerSlots[],
  nowMs: number,
  localityWaitMs: number,
  freeingMs: ReadonlyMap<string, readonly number[]> = new Map(),
  medianMapMs?: number,
): MapAssignment[] {
  const assigned = new Map<number, MapAssignment>();
  const rackOf = new Map(workers.map((worker) => [worker.id, worker.rack]));
  const openFor = (task: PendingMap) => {
    const avoid = new Set(task.avoid ?? []);
    return workers.filter((worker) => worker.free > 0 && !avoid.has(worker.id));
  };
  const take = (task: PendingMap, worker: WorkerSlots, locality: Locality) => {
    worker.free -= 1;
    assigned.set(task.index, { index: task.index, peer: worker.id, locality });
  };
  // 1. Node-local, before any slot goes to a map it would read over the network.
  for (const task of pending) {
    const holders = new Set(task.holders);
    const local = mostFree(openFor(task).filter((worker) => holders.has(worker.id)));
    if (local) take(task, local, "node");
  }
  // 2. The rest, past their waits, unless a holder takes them soon.
  const queuedFor = new Map<string, number>();
  for (const task of pending) {
    if (assigned.has(task.index)) continue;
    const open = openFor(task);
    const waitedMs = nowMs - task.pendingSinceMs;
    const holders = new Set(task.holders);
    let choice: { worker: WorkerSlots; locality: Locality } | undefined;
    const holdOut = medianMapMs !== undefined && task.holders.some((peer) => {
      const freeing = freeingMs.get(peer) ?? [];
      if (freeing.length === 0) return false;
      // (The rounding: three thirds are one map, not 0.999… of one.)
      const ahead = Math.floor((queuedFor.get(peer) ?? 0) + 1e-9);
      return freeing[ahead % freeing.length]! + Math.floor(ahead / freeing.length) * medianMapMs <= localityWaitMs;
    });
    if (open.length > 0 && ((waitedMs >= localityWaitMs && !holdOut) || holders.size === 0)) {
      const holderRacks = new Set(task.holders.map((peer) => rackOf.get(peer)).filter((rack): rack is string => rack !== undefined));
      const rackLocal = mostFree(open.filter((worker) => holderRacks.has(worker.rack)));
      if (rackLocal) choice = { worker: rackLocal, locality: "rack" };
      else if (waitedMs >= 2 * localityWaitMs || holders.size === 0) {
        const any = mostFree(open);
        if (any) choice = { worker: any, locality: "remote" };
      }
    }
    if (choice) take(task, choice.worker, choice.locality);
    else for (const peer of holders) queuedFor.set(peer, (queuedFor.get(peer) ?? 0) + 1 / holders.size);
  }
  return pending.flatMap((task) => assigned.get(task.index) ?? []);
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
