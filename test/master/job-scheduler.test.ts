// The leader's MapReduce scheduler against a real namespace, a Raft stand-in that applies each
// proposal at once, and workers simulated by the test: time is the test's, so every decision
// replays exactly.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { ChunkLocations } from "../../src/master/cluster/locations.ts";
import { JobScheduler, TASK_ATTEMPTS_MAX, LOCALITY_WAIT_MS, BACKUP_MIN_RUN_MS, TRANSIENT_BACKOFF_MS_MAX, TRANSIENT_FAILURES_MAX } from "../../src/master/jobs/scheduler.ts";
import type { MembershipService } from "../../src/membership/service.ts";
import type { PeerRecord } from "../../src/membership/peer-table.ts";
import { InputFormat, JobRecord, TaskKind, TaskRecord, type TaskResult } from "../../src/protocol/pb/jobs.ts";
import type { RunTask, TaskOrder } from "../../src/protocol/pb/task.ts";
import { createLogger } from "../../src/util/log.ts";

const PEERS = [
  { id: "peer-a", rack: "/r1" },
  { id: "peer-b", rack: "/r1" },
  { id: "peer-c", rack: "/r2" },
];

let namespace: Namespace;
let index: number;
let nowMs: number;
let alive: Set<string>;
let incarnation: Map<string, bigint>;
let orders: Array<{ peer: string; order: TaskOrder }>;
let scheduler: JobScheduler;
let locations: ChunkLocations;

function record(peer: { id: string; rack: string }): PeerRecord {
  return {
    id: peer.id,
    state: alive.has(peer.id) ? "alive" : "dead",
    lastSeenMs: 0,
    stateSinceMs: 0,
    isSelf: false,
    heartbeat: { peerId: peer.id, addresses: [], rack: peer.rack, roles: ["chunk", "compute", "master-candidate"], incarnation: incarnation.get(peer.id) ?? 1n, sequence: 1n, leaderTerm: 0n, httpAddress: "", tiers: [], capacityBytes: 0n, freeBytes: 0n, chunkCount: 0n, loadMilli: 0, cores: 2 },
  };
}

const membership = {
  table: {
    inState: (state: string) => PEERS.map(record).filter((r) => r.state === state),
    list: () => PEERS.map(record),
    get: (id: string) => PEERS.map(record).find((r) => r.id === id),
  },
} as unknown as MembershipService;

function apply(command: TypedLogCommand): unknown {
  index += 1;
  return namespace.apply({ index, term: 1, type: 0, data: encodeLogCommand(command) } as never);
}

/** A closed file of `chunks` committed chunks of `sizeBytes`, held by `holders[i]`. */
function file(path: string, chunks: number, holders: (i: number) => string[]): void {
  const created = apply({ create: { path, replication: 3, chunkSizeBytes: 65536, clientId: "w", leaseExpiryMs: 1e12, mtimeMs: 1 } }) as { fileId: number };
  for (let i = 0; i < chunks; i++) {
    const chunk = apply({ addChunk: { fileId: created.fileId, clientId: "w", replicas: holders(i), version: 1 } }) as { chunkId: string };
    apply({ commitChunk: { fileId: created.fileId, chunkId: chunk.chunkId, version: 1, sizeBytes: 1024, clientId: "w" } });
    for (const peer of holders(i)) locations.incrementalReport(peer, [{ chunkId: chunk.chunkId, version: 1, sizeBytes: 1024 }], []);
  }
  apply({ complete: { fileId: created.fileId, clientId: "w", mtimeMs: 1 } });
}

async function round(): Promise<void> {
  await scheduler.roundNow();
}

/** A worker's report of the attempt `order` started: taskDone or taskFailed, as task-service.ts sends them. */
async function report(order: RunTask, fields: { op: "done"; peer?: string; result: TaskResult } | { op: "failed"; peer?: string; error: string; lostMap?: number; code?: string }): Promise<void> {
  const task = { jobId: order.jobId, kind: order.kind, index: order.index, attempt: order.attempt, peer: ("peer" in fields && fields.peer) || "x" };
  if (fields.op === "done") await scheduler.handlers.taskDone({ task, result: fields.result });
  else await scheduler.handlers.taskFailed({ task, error: fields.error, code: fields.code ?? "INTERNAL", ...(fields.lostMap !== undefined ? { lostMap: fields.lostMap } : {}) });
}

/** The run orders sent since the last call (of one kind of task, if given). */
function takeOrders(kind?: TaskKind): Array<{ peer: string; order: RunTask }> {
  const taken = orders.filter((o) => o.order.run && (!kind || o.order.run.kind === kind));
  orders = orders.filter((o) => !taken.includes(o));
  return taken.map((o) => ({ peer: o.peer, order: o.order.run! }));
}

beforeEach(() => {
  namespace = Namespace.open();
  index = 0;
  nowMs = 1_000_000;
  alive = new Set(PEERS.map((p) => p.id));
  incarnation = new Map();
  orders = [];
  locations = new ChunkLocations();
  apply({ mkdir: { path: "/data", parents: true, mtimeMs: 1 } });
  apply({ mkdir: { path: "/.tessera/jobs/job-1", parents: true, mtimeMs: 1 } });
  file("/.tessera/jobs/job-1/job.js", 1, () => ["peer-a"]);
  scheduler = newScheduler();
});
afterEach(() => scheduler.stop());

/** The scheduler under test; `slowstartCompletedMaps: 1` holds reduces until every map is done. */
function newScheduler(options: { slowstartCompletedMaps?: number } = {}): JobScheduler {
  return new JobScheduler({
    raft: { isLeader: true, propose: async (data) => namespace.apply({ index: ++index, term: 1, type: 0, data } as never), readBarrier: async () => {} },
    namespace,
    membership,
    locations,
    sendOrder: async (peer, order) => {
      orders.push({ peer, order });
      return { accepted: true, error: "" };
    },
    log: createLogger("test/jobs"),
    nowMs: () => nowMs,
    randomId: () => "x",
    ...options,
  });
}

const mapResult = (partitions: number, extra: Partial<TaskResult> = {}): TaskResult => ({ partitionBytes: new Array<number>(partitions).fill(1), inputRecords: 1, inputBytes: 1, outputRecords: 1, shuffleBytes: 0, inputGroups: 0, ...extra });

const submit = (inputs = ["/data"], reducers = 2) =>
  scheduler.handlers.submitJob({ jobId: "job-1", spec: { inputs, output: "/out", reducers, bundlePath: "/.tessera/jobs/job-1/job.js", moduleName: "wc.ts", inputFormat: InputFormat.LINES, params: [], outputReplication: 0 } });

describe("JobScheduler", () => {
  it("runs maps where their chunks are, reduces once maps are done, then commits _SUCCESS", async () => {
    file("/data/f", 4, (i) => [PEERS[i % 3]!.id]);
    const submitted = await submit();
    expect(submitted.job!.mapTasks).toBe(4);
    await round();
    const maps = takeOrders(TaskKind.MAP);
    expect(maps.map((o) => [o.order.index, o.peer])).toEqual([
      [0, "peer-a"],
      [1, "peer-b"],
      [2, "peer-c"],
      [3, "peer-a"],
    ]);
    expect(takeOrders(TaskKind.REDUCE)).toEqual([]);
    for (const { order, peer } of maps) await report(order, { op: "done", peer, result: { partitionBytes: [10, 20], inputRecords: 5, inputBytes: 1024, outputRecords: 7, shuffleBytes: 0, inputGroups: 0 } });
    await round();
    const reduces = takeOrders(TaskKind.REDUCE);
    expect(reduces).toHaveLength(2);
    expect(reduces[0]!.order.maps.map((m) => [m.index, m.peer])).toEqual([
      [0, "peer-a"],
      [1, "peer-b"],
      [2, "peer-c"],
      [3, "peer-a"],
    ]);
    for (const { order } of reduces) await report(order, { op: "done", result: { partitionBytes: [], inputRecords: 14, inputBytes: 0, outputRecords: 3, shuffleBytes: 60, inputGroups: 3 } });
    await round();
    const job = namespace.job("job-1")!;
    expect(job.state).toBe(JobRecord.State.SUCCEEDED);
    expect(job.counters).toMatchObject({ mapTasks: 4, nodeLocalMaps: 4, mapInputRecords: 20, reduceOutputRecords: 6, shuffleBytes: 120 });
    expect(namespace.stat("/out/_SUCCESS").kind).toBe("file");
    expect(() => namespace.stat("/out/_temporary")).toThrow();
    expect(() => namespace.stat("/.tessera/jobs/job-1")).toThrow();
  });

  it("a dead worker's finished maps run again while reduces still need their output", async () => {
    file("/data/f", 3, () => ["peer-a", "peer-b", "peer-c"]);
    await submit(["/data"], 1);
    await round();
    const maps = takeOrders(TaskKind.MAP);
    const onA = maps.filter((o) => o.peer === "peer-a");
    expect(onA.length).toBeGreaterThan(0);
    // Maps finish on every peer but one still runs on b; then a dies.
    const stillRunning = maps.find((o) => o.peer === "peer-b")!;
    for (const o of maps) if (o !== stillRunning) await report(o.order, { op: "done", peer: o.peer, result: { partitionBytes: [1], inputRecords: 1, inputBytes: 1, outputRecords: 1, shuffleBytes: 0, inputGroups: 0 } });
    alive.delete("peer-a");
    await round();
    const rerun = takeOrders(TaskKind.MAP);
    expect(rerun.map((o) => o.order.index).sort()).toEqual(onA.map((o) => o.order.index).sort());
    expect(rerun.every((o) => o.peer !== "peer-a" && o.order.attempt === 1)).toBe(true);
    const job = namespace.job("job-1")!;
    expect(job.counters!.rerunMaps).toBe(onA.length);
  });

  it("a worker that restarted (a new incarnation) loses its running and finished maps, without being declared dead", async () => {
    file("/data/f", 3, (i) => [PEERS[i]!.id]);
    await submit(["/data"], 1);
    await round();
    const maps = takeOrders(TaskKind.MAP);
    const onA = maps.find((o) => o.peer === "peer-a")!;
    const onB = maps.find((o) => o.peer === "peer-b")!;
    await report(onA.order, { op: "done", peer: "peer-a", result: { partitionBytes: [1], inputRecords: 1, inputBytes: 1, outputRecords: 1, shuffleBytes: 0, inputGroups: 0 } });
    await report(onB.order, { op: "done", peer: "peer-b", result: { partitionBytes: [1], inputRecords: 1, inputBytes: 1, outputRecords: 1, shuffleBytes: 0, inputGroups: 0 } });
    // peer-c still runs its map; then peer-a and peer-c restart.
    incarnation.set("peer-a", 2n);
    incarnation.set("peer-c", 2n);
    await round();
    const again = takeOrders(TaskKind.MAP);
    expect(again.map((o) => [o.order.index, o.order.attempt]).sort()).toEqual([
      [onA.order.index, 1],
      [maps.find((o) => o.peer === "peer-c")!.order.index, 1],
    ]);
    expect(namespace.job("job-1")!.counters).toMatchObject({ rerunMaps: 1, lostTaskAttempts: 1 });
  });

  it("a straggler gets a backup on another peer, and its peer gets none of the job's reduces", async () => {
    // Reduces that start early (slow start) are placed before any peer is known to be slow.
    await scheduler.stop();
    scheduler = newScheduler({ slowstartCompletedMaps: 1 });
    file("/data/f", 3, (i) => [PEERS[i]!.id]);
    await submit(["/data"], 3);
    await round();
    const maps = takeOrders(TaskKind.MAP);
    const slow = maps.find((o) => o.peer === "peer-c")!;
    for (const o of maps) if (o !== slow) await report(o.order, { op: "done", peer: o.peer, result: { partitionBytes: [1, 1, 1], inputRecords: 1, inputBytes: 1, outputRecords: 1, shuffleBytes: 0, inputGroups: 0 } });
    nowMs += BACKUP_MIN_RUN_MS + 1;
    await round();
    const [backup] = takeOrders(TaskKind.MAP);
    expect(backup!.order.index).toBe(slow.order.index);
    expect(backup!.peer).not.toBe("peer-c");
    await report(backup!.order, { op: "done", peer: backup!.peer, result: { partitionBytes: [1, 1, 1], inputRecords: 1, inputBytes: 1, outputRecords: 1, shuffleBytes: 0, inputGroups: 0 } });
    await round();
    const reduces = takeOrders(TaskKind.REDUCE);
    expect(reduces).toHaveLength(3);
    expect(reduces.map((o) => o.peer)).not.toContain("peer-c");
    expect(namespace.job("job-1")!.counters!.backupTasks).toBe(1);
    // The straggling attempt is told to stop.
    expect(orders.some((o) => o.order.cancel && o.peer === "peer-c" && o.order.cancel.index === slow.order.index)).toBe(true);
  });

  it("a reduce that cannot fetch a map's output gets the map run again, without counting a failure", async () => {
    file("/data/f", 2, () => ["peer-a", "peer-b"]);
    await submit(["/data"], 1);
    await round();
    for (const o of takeOrders(TaskKind.MAP)) await report(o.order, { op: "done", peer: o.peer, result: { partitionBytes: [1], inputRecords: 1, inputBytes: 1, outputRecords: 1, shuffleBytes: 0, inputGroups: 0 } });
    await round();
    const [reduce] = takeOrders(TaskKind.REDUCE);
    await report(reduce!.order, { op: "failed", error: "could not fetch", lostMap: 1 });
    await round();
    expect(takeOrders(TaskKind.MAP).map((o) => o.order.index)).toEqual([1]);
    const reduceTask = namespace.jobTasks("job-1").find((t) => t.kind === TaskKind.REDUCE)!;
    expect(reduceTask.failures).toBe(0);
    // Half the maps are still done: the reduce starts again at once (slow start) and waits for
    // the map that runs again, which will be pushed to it.
    expect(reduceTask.state).toBe(TaskRecord.State.RUNNING);
    const [again] = takeOrders(TaskKind.REDUCE);
    expect([again!.order.attempt, again!.order.mapCount, again!.order.maps.map((m) => m.index)]).toEqual([1, 2, [0]]);
  });

  it("a task that fails TASK_ATTEMPTS_MAX times fails the job, naming it", async () => {
    file("/data/f", 1, () => ["peer-a"]);
    await submit(["/data"], 1);
    for (let i = 0; i < TASK_ATTEMPTS_MAX; i++) {
      nowMs += LOCALITY_WAIT_MS * 3;
      await round();
      const [map] = takeOrders(TaskKind.MAP);
      expect(map!.order.attempt).toBe(i);
      await report(map!.order, { op: "failed", error: "boom at offset 7" });
    }
    const job = namespace.job("job-1")!;
    expect(job.state).toBe(JobRecord.State.FAILED);
    expect(job.failedTask).toBe("map-00000");
    expect(job.error).toBe(`map-00000 failed ${TASK_ATTEMPTS_MAX} times: boom at offset 7`);
    expect(() => namespace.stat("/out/_SUCCESS")).toThrow();
  });

  it("a failure for the cluster's passing fault (a retryable code) does not count: the task runs again after a growing backoff and the job succeeds", async () => {
    // Found by the chaos run (issue 18): a map whose input's holders were cut off failed four
    // times on one peer within half a second (MISSING), and its job failed.
    file("/data/f", 1, () => ["peer-a"]);
    await submit(["/data"], 1);
    const codes = ["MISSING", "UNAVAILABLE", "READ_FAILED", "NO_LEADER", "PEER_UNREACHABLE", "MISSING"];
    await round();
    let [map] = takeOrders(TaskKind.MAP);
    let previousWaitMs = 0;
    for (const [i, code] of codes.entries()) {
      expect(map!.order.attempt).toBe(i);
      await report(map!.order, { op: "failed", error: "no live replica of chunk 1 (index 0) is known", code });
      // Not at once: the task waits, longer after each such failure.
      let waitedMs = 0;
      for (;;) {
        await round();
        const [next] = takeOrders(TaskKind.MAP);
        if (next) {
          map = next;
          break;
        }
        nowMs += 100;
        waitedMs += 100;
        expect(waitedMs).toBeLessThanOrEqual(TRANSIENT_BACKOFF_MS_MAX);
      }
      expect(waitedMs).toBeGreaterThan(previousWaitMs);
      previousWaitMs = waitedMs;
      expect(namespace.jobTasks("job-1").find((t) => t.kind === TaskKind.MAP)!.failures).toBe(0);
      expect(namespace.job("job-1")!.state).toBe(JobRecord.State.RUNNING);
    }
    await report(map!.order, { op: "done", peer: map!.peer, result: mapResult(1) });
    await round();
    const [reduce] = takeOrders(TaskKind.REDUCE);
    await report(reduce!.order, { op: "done", peer: reduce!.peer, result: mapResult(0) });
    await round();
    const job = namespace.job("job-1")!;
    expect(job.state).toBe(JobRecord.State.SUCCEEDED);
    expect(job.counters!.failedTaskAttempts).toBe(0);
  });

  it("past TRANSIENT_FAILURES_MAX failures of a retryable code a failure counts again, so a task whose input is gone for good still fails its job", async () => {
    file("/data/f", 1, () => ["peer-a"]);
    await submit(["/data"], 1);
    for (let i = 0; i < TRANSIENT_FAILURES_MAX + TASK_ATTEMPTS_MAX; i++) {
      nowMs += TRANSIENT_BACKOFF_MS_MAX + LOCALITY_WAIT_MS * 3;
      await round();
      const [map] = takeOrders(TaskKind.MAP);
      expect(map!.order.attempt).toBe(i);
      await report(map!.order, { op: "failed", error: "no live replica of chunk 1 (index 0) is known", code: "MISSING" });
    }
    const job = namespace.job("job-1")!;
    expect(job.state).toBe(JobRecord.State.FAILED);
    expect(job.error).toBe(`map-00000 failed ${TASK_ATTEMPTS_MAX} times: no live replica of chunk 1 (index 0) is known`);
  });

  it("a task's next attempt goes to a peer it has not failed on while one has a slot (a worker's full disk does not take every attempt)", async () => {
    file("/data/f", 1, () => ["peer-a"]);
    await submit(["/data"], 1);
    const peersTried: string[] = [];
    for (let i = 0; i < 3; i++) {
      // Away from its chunk's holder a map waits out the locality wait first.
      let map: { peer: string; order: RunTask } | undefined;
      for (let rounds = 0; !map; rounds++) {
        expect(rounds).toBeLessThan(5);
        await round();
        [map] = takeOrders(TaskKind.MAP);
        nowMs += LOCALITY_WAIT_MS;
      }
      peersTried.push(map.peer);
      await report(map.order, { op: "failed", peer: map.peer, error: "ENOSPC: no space left on device, write" });
    }
    // Node-local first, then the two others; every peer tried once before any again.
    expect(peersTried[0]).toBe("peer-a");
    expect(new Set(peersTried).size).toBe(3);
    nowMs += LOCALITY_WAIT_MS * 3;
    await round();
    expect(takeOrders(TaskKind.MAP)).toHaveLength(1);
  });

  it("a job whose _SUCCESS an end cut short had made already (a commit timeout, a new leader) still ends", async () => {
    // Found by the chaos run: every later round failed on "_SUCCESS exists" and the job never ended.
    file("/data/f", 1, () => ["peer-a"]);
    await submit(["/data"], 1);
    await round();
    for (const o of takeOrders(TaskKind.MAP)) await report(o.order, { op: "done", peer: o.peer, result: mapResult(1) });
    await round();
    const [reduce] = takeOrders(TaskKind.REDUCE);
    apply({ create: { path: "/out/_SUCCESS", replication: 3, chunkSizeBytes: 1024 * 1024, clientId: "job/job-1", leaseExpiryMs: 0, mtimeMs: nowMs, closed: true } });
    await report(reduce!.order, { op: "done", peer: reduce!.peer, result: mapResult(0) });
    await round();
    expect(namespace.job("job-1")!.state).toBe(JobRecord.State.SUCCEEDED);
    expect(namespace.stat("/out/_SUCCESS").kind).toBe("file");
  });

  it("starts reduces once 5% of the maps are done, without a slot, and sends them each map output as it finishes (slow start)", async () => {
    file("/data/f", 20, (i) => [PEERS[i % 3]!.id]);
    await submit(["/data"], 2);
    await round();
    const maps = takeOrders(TaskKind.MAP);
    // Two slots on each of three peers.
    expect(maps).toHaveLength(6);
    await round();
    expect(takeOrders(TaskKind.REDUCE)).toEqual([]);
    await report(maps[0]!.order, { op: "done", peer: maps[0]!.peer, result: mapResult(2) });
    await round();
    const reduces = takeOrders(TaskKind.REDUCE);
    expect(reduces.map((o) => [o.order.index, o.order.mapCount, o.order.maps.map((m) => m.index)])).toEqual([
      [0, 20, [0]],
      [1, 20, [0]],
    ]);
    // One on each of two peers, and the freed map slot still goes to a map: copying reduces hold none.
    expect(new Set(reduces.map((o) => o.peer)).size).toBe(2);
    expect(takeOrders(TaskKind.MAP)).toHaveLength(1);
    // The next map done reaches both reduces, once.
    await report(maps[1]!.order, { op: "done", peer: maps[1]!.peer, result: mapResult(2) });
    await round();
    await round();
    const pushes = orders.filter((o) => o.order.outputs).map((o) => [o.peer, o.order.outputs!.reduceIndex, o.order.outputs!.maps.map((m) => [m.index, m.peer])]);
    expect(pushes).toEqual(reduces.map((o) => [o.peer, o.order.index, [[maps[1]!.order.index, maps[1]!.peer]]]));
  });

  it("a map of 0.2 s waits a fraction of that for a node-local slot, not 1.5 s; it holds out while a holder's slot is about to free, and only for as many maps as it has such slots", async () => {
    // Every chunk on peer-a only: its two slots are the only node-local ones.
    file("/data/f", 6, () => ["peer-a"]);
    await submit(["/data"], 1);
    const t0 = nowMs;
    await round();
    const first = takeOrders(TaskKind.MAP);
    expect(first.map((o) => o.peer)).toEqual(["peer-a", "peer-a"]);
    // The first map takes 200 ms: the wait becomes 100 ms. Its slot goes to the next map. Of
    // the other three, past their wait, one holds out for peer-a's other slot (map 1 is due to
    // end now); the next would wait a whole map for peer-a, so they go rack-local.
    nowMs = t0 + 200;
    await report(first[0]!.order, { op: "done", peer: "peer-a", result: mapResult(1) });
    await round();
    expect(takeOrders(TaskKind.MAP).map((o) => [o.order.index, o.peer])).toEqual([
      [2, "peer-a"],
      [4, "peer-b"],
      [5, "peer-b"],
    ]);
    nowMs = t0 + 250;
    await round();
    expect(takeOrders(TaskKind.MAP)).toEqual([]);
    // Map 1 straggles (past twice the median): map 3 holds out for map 2's slot ...
    nowMs = t0 + 401;
    await round();
    expect(takeOrders(TaskKind.MAP)).toEqual([]);
    // ... until map 2 straggles too; peer-b is full, and past two waits it goes anywhere.
    nowMs = t0 + 601;
    await round();
    expect(takeOrders(TaskKind.MAP).map((o) => [o.order.index, o.peer])).toEqual([[3, "peer-c"]]);
    expect(nowMs - t0).toBeLessThan(LOCALITY_WAIT_MS);
  });

  it("keeps the median and the 99th percentile of the maps' task start in the job's counters", async () => {
    file("/data/f", 4, (i) => [PEERS[i % 3]!.id]);
    await submit(["/data"], 1);
    await round();
    const maps = takeOrders(TaskKind.MAP);
    for (const [i, { order, peer }] of maps.entries()) await report(order, { op: "done", peer, result: mapResult(1, { startDelayMs: [5, 9, 7, 40][i]! }) });
    const status = await scheduler.handlers.jobStatus({ jobId: "job-1", withTasks: false });
    expect(status.job!.counters).toMatchObject({ taskStartMsP50: 7, taskStartMsP99: 40 });
  });

  it("refuses bad submissions before recording anything", async () => {
    file("/data/f", 1, () => ["peer-a"]);
    await expect(submit(["/nope"])).rejects.toThrow(/input path \/nope does not exist/);
    await expect(submit(["/data"], 0)).rejects.toThrow(/reducers must be 1\.\./);
    apply({ mkdir: { path: "/out", parents: true, mtimeMs: 1 } });
    await expect(submit(["/data"])).rejects.toThrow(/output folder \/out exists already/);
    expect(namespace.jobs(10)).toEqual([]);
  });

  it("a new leader picks up a running job from the namespace and carries it on", async () => {
    file("/data/f", 2, () => ["peer-a", "peer-c"]);
    await submit(["/data"], 1);
    await round();
    const maps = takeOrders(TaskKind.MAP);
    await report(maps[0]!.order, { op: "done", peer: maps[0]!.peer, result: { partitionBytes: [1], inputRecords: 1, inputBytes: 1, outputRecords: 1, shuffleBytes: 0, inputGroups: 0 } });
    // Another scheduler (the new leader) over the same replicated state.
    scheduler = new JobScheduler({
      raft: { isLeader: true, propose: async (data) => namespace.apply({ index: ++index, term: 2, type: 0, data } as never), readBarrier: async () => {} },
      namespace,
      membership,
      locations,
      sendOrder: async (peer, order) => {
        orders.push({ peer, order });
        return { accepted: true, error: "" };
      },
      log: createLogger("test/jobs2"),
      nowMs: () => nowMs,
    });
    // The old leader's attempt of map 1 still runs; its report reaches the new leader.
    await report(maps[1]!.order, { op: "done", peer: maps[1]!.peer, result: { partitionBytes: [1], inputRecords: 1, inputBytes: 1, outputRecords: 1, shuffleBytes: 0, inputGroups: 0 } });
    await round();
    const [reduce] = takeOrders(TaskKind.REDUCE);
    expect(reduce).toBeDefined();
    await report(reduce!.order, { op: "done", result: { partitionBytes: [], inputRecords: 2, inputBytes: 0, outputRecords: 1, shuffleBytes: 2, inputGroups: 1 } });
    await round();
    expect(namespace.job("job-1")!.state).toBe(JobRecord.State.SUCCEEDED);
  });
});

describe("JobScheduler and permissions (issue 15)", () => {
  it("a user's job reads its inputs with the user's rights, and its output folder is the user's", async () => {
    // The tasks act as the cluster: the submission is where the user's rights are checked.
    apply({ setSetting: { key: "permissions/superuser", value: new TextEncoder().encode("hdfs") } });
    apply({ setSetting: { key: "permissions/groups/bob", value: new TextEncoder().encode("bob") } });
    apply({ mkdir: { path: "/home/bob", parents: true, mtimeMs: 1, permission: 0o755 } });
    apply({ setOwner: { path: "/home/bob", owner: "bob", group: "bob" } });
    file("/data/f", 1, () => ["peer-a"]);
    apply({ setPermission: { path: "/data/f", permission: 0o600 } });
    const spec = (inputs: string[], output: string) => ({ inputs, output, reducers: 1, bundlePath: "/.tessera/jobs/job-1/job.js", moduleName: "wc.ts", inputFormat: InputFormat.LINES, params: [], outputReplication: 0 });
    const refused = await scheduler.handlers.submitJob({ jobId: "job-1", spec: spec(["/data"], "/home/bob/out") }, { user: "bob" }).catch((err: { code: string; message: string }) => err);
    expect(refused).toMatchObject({ code: "PERMISSION_DENIED" });
    expect((refused as unknown as Error).message).toContain('access=READ, inode="/data/f"');
    apply({ setPermission: { path: "/data/f", permission: 0o644 } });
    // Nor may bob make an output folder where he may not write.
    expect(await scheduler.handlers.submitJob({ jobId: "job-1", spec: spec(["/data"], "/out") }, { user: "bob" }).catch((err: { code: string }) => err.code)).toBe("PERMISSION_DENIED");
    const submitted = await scheduler.handlers.submitJob({ jobId: "job-1", spec: spec(["/data"], "/home/bob/out") }, { user: "bob" });
    expect(submitted.job!.mapTasks).toBe(1);
    expect(namespace.stat("/home/bob/out")).toMatchObject({ owner: "bob", group: "bob", permission: 0o755 });
  });
});
