// The replicator's driver on a fake clock, over an in-memory namespace and location map and a
// sender whose copies finish only when the test says (GFS §4.3: "the master limits the numbers
// of active clone operations both for the cluster and for each chunkserver"; HDFS
// dfs.namenode.replication.max-streams). test/fs/healing.test.ts heals real peers; here, with
// no sleeps: a dead peer starts a round at once, the throttles hold at every step while
// finished copies start the next ones, and a new leader waits for block reports.
import { describe, it, expect, afterEach } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { ChunkLocations } from "../../src/master/cluster/locations.ts";
import { PASS_SPACING_FACTOR, ReplicationManager, REPORT_WAIT_MS_MAX } from "../../src/master/repair/replication-manager.ts";
import { REPAIR_COPIES_PER_SOURCE_MAX, REPAIR_COPIES_PER_TARGET_MAX } from "../../src/master/repair/replication.ts";
import type { MembershipService } from "../../src/membership/service.ts";
import type { PeerRecord } from "../../src/membership/peer-table.ts";
import type { ReplicateRequest, ReplicateResponse } from "../../src/protocol/pb/replicate.ts";
import type { Logger } from "../../src/util/log.ts";
import { FakeTimers, settle } from "./fake-timers.ts";
import { record } from "./records.ts";

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet };
const INTERVAL_MS = 1_000;
const CHUNKS = 40;

interface Sent {
  peer: string;
  request: ReplicateRequest;
  finish(response?: Partial<ReplicateResponse>): void;
}

let manager: ReplicationManager | undefined;
afterEach(async () => {
  await manager?.stop();
  manager = undefined;
});

/** Six chunk servers on two racks; a file of CHUNKS chunks at replication 3 on a, b and c. */
function cluster() {
  const timers = new FakeTimers();
  const namespace = Namespace.open();
  let index = 0;
  const run = (command: TypedLogCommand): any => namespace.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand(command) });
  const fileId = run({ create: { path: "/f", replication: 3, chunkSizeBytes: 65_536, clientId: "w", leaseExpiryMs: 60_000, mtimeMs: 1 } }).fileId;
  const chunks: Array<{ chunkId: string; version: number; sizeBytes: number }> = [];
  for (let i = 0; i < CHUNKS; i++) {
    const chunk = run({ addChunk: { fileId, clientId: "w", replicas: ["a", "b", "c"], version: 1 } });
    run({ commitChunk: { fileId, chunkId: chunk.chunkId, version: chunk.version, sizeBytes: 1024, clientId: "w" } });
    chunks.push({ chunkId: chunk.chunkId, version: chunk.version, sizeBytes: 1024 });
  }
  run({ complete: { fileId, clientId: "w", mtimeMs: 2 } });

  const records = new Map<string, PeerRecord>(
    Object.entries({ a: "/r1", b: "/r2", c: "/r1", d: "/r1", e: "/r2", f: "/r2" }).map(([id, rack]) => [id, record(id, rack)]),
  );
  const events = new EventTarget();
  const membership = Object.assign(events, {
    table: { list: () => [...records.values()], get: (id: string) => records.get(id) },
  }) as unknown as MembershipService;
  const locations = new ChunkLocations();
  const reportAll = () => {
    for (const peer of records.keys()) locations.fullReport(peer, ["a", "b", "c"].includes(peer) ? chunks : []);
  };

  const sent: Sent[] = [];
  const send = (peer: string, request: ReplicateRequest) =>
    new Promise<ReplicateResponse>((resolve) => {
      const entry: Sent = {
        peer,
        request,
        finish: (response = {}) => {
          sent.splice(sent.indexOf(entry), 1);
          resolve({ errorCode: "", errorMessage: "", failedPeer: "", sizeBytes: 1024, deleted: true, ...response });
        },
      };
      sent.push(entry);
    });
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  // The time a pass works between its yields: each reading of this clock moves it on by
  // `busy.msPerReading` (0: a pass costs nothing, as it nearly does with CHUNKS chunks).
  const busy = { atMs: 0, msPerReading: 0 };
  const busyClockMs = () => (busy.atMs += busy.msPerReading);
  manager = new ReplicationManager({ raft: { isLeader: true, term: 1 }, namespace, membership, locations, send, log: quiet, intervalMs: INTERVAL_MS, rand, nowMs: () => timers.nowMs(), busyClockMs, timers });

  const kill = (peer: string) => {
    const dead = records.get(peer)!;
    dead.state = "dead";
    locations.forgetPeer(peer);
    membership.dispatchEvent(new CustomEvent("peer:change", { detail: { id: peer, from: "alive", to: "dead", record: dead } }));
  };
  /** This leader heard every peer's full report and is ready; then `peer` dies and the kick's round runs. */
  const readyThenKill = async (peer: string) => {
    reportAll();
    manager!.start();
    await timers.advance(INTERVAL_MS);
    reportAll();
    await timers.advance(INTERVAL_MS);
    kill(peer);
    await timers.advance(0);
  };
  return { timers, manager, sent, reportAll, kill, readyThenKill, locations, chunks, busy };
}

/** Copies in flight per source and per target, from the requests outstanding. */
function inFlight(sent: readonly Sent[]) {
  const sources = new Map<string, number>();
  const targets = new Map<string, number>();
  for (const { peer, request } of sent) {
    if (!request.copy) continue;
    sources.set(peer, (sources.get(peer) ?? 0) + 1);
    for (const target of request.copy.targets) targets.set(target.peer, (targets.get(target.peer) ?? 0) + 1);
  }
  return { sources, targets, copies: [...sources.values()].reduce((sum, n) => sum + n, 0) };
}

describe("the replicator's driver", () => {
  it("a new leader judges no chunk until the live peers' full block reports are in (or REPORT_WAIT_MS_MAX has passed)", async () => {
    const { timers, manager, sent, reportAll, kill } = cluster();
    reportAll();
    manager.start();
    kill("c");
    await timers.advance(INTERVAL_MS);
    expect(manager.view()).toMatchObject({ leader: true, ready: false });
    expect(sent).toEqual([]);
    await timers.advance(REPORT_WAIT_MS_MAX);
    expect(manager.view().ready).toBe(true);
    expect(sent.length).toBeGreaterThan(0);
  });

  it("a dead peer starts a round at once; the throttles hold at every step while each finished copy starts the next", async () => {
    const { timers, manager, sent, reportAll, kill } = cluster();
    reportAll();
    manager.start();
    await timers.advance(INTERVAL_MS);
    // Everyone reports to the new leader: it is ready, and every chunk has its 3 copies.
    reportAll();
    await timers.advance(INTERVAL_MS);
    expect(manager.view()).toMatchObject({ ready: true, queueLength: 0, copiesInFlight: 0 });

    kill("c");
    await timers.advance(0);
    // Not a tick later: the kick ran the round. Sources a and b send 2 copies each at most.
    const first = inFlight(sent);
    expect(first.copies).toBe(2 * REPAIR_COPIES_PER_SOURCE_MAX);
    expect(manager.view().queueLength).toBe(CHUNKS - first.copies);

    let finished = 0;
    while (sent.length > 0) {
      const now = inFlight(sent);
      expect([...now.sources.values()].every((n) => n <= REPAIR_COPIES_PER_SOURCE_MAX)).toBe(true);
      expect([...now.targets.values()].every((n) => n <= REPAIR_COPIES_PER_TARGET_MAX)).toBe(true);
      expect(now.targets.has("a") || now.targets.has("b") || now.targets.has("c")).toBe(false);
      expect(manager.view().copiesInFlight).toBe(now.copies);
      sent[0]!.finish();
      finished += 1;
      await settle();
    }
    expect(finished).toBe(CHUNKS);
    expect(manager.view()).toMatchObject({ repairedChunks: CHUNKS, failedCopies: 0, queueLength: 0, copiesInFlight: 0 });
  });

  it("a long pass over every chunk spaces the next one a tick would start by PASS_SPACING_FACTOR times its length; a dead peer still starts one at once", async () => {
    const { timers, manager, sent, reportAll, kill, locations, busy } = cluster();
    reportAll();
    manager.start();
    await timers.advance(INTERVAL_MS);
    reportAll();
    await timers.advance(INTERVAL_MS);
    expect(manager.view()).toMatchObject({ ready: true, queueLength: 0 });
    // From the next pass on, each takes 300 ms: the next is due PASS_SPACING_FACTOR × 300 ms after it starts.
    busy.msPerReading = 300;
    await timers.advance(INTERVAL_MS);
    const spacingMs = PASS_SPACING_FACTOR * 300;
    expect(spacingMs).toBeGreaterThan(2 * INTERVAL_MS);
    // c silently loses every replica (a full report of nothing): no peer died, so only a pass finds it.
    locations.fullReport("c", []);
    let waitedMs = 0;
    for (; waitedMs + INTERVAL_MS < spacingMs; waitedMs += INTERVAL_MS) {
      await timers.advance(INTERVAL_MS);
      expect(sent).toEqual([]);
      expect(manager.view().queueLength).toBe(0);
    }
    await timers.advance(spacingMs - waitedMs);
    expect(sent.length).toBeGreaterThan(0);
    // Each finished copy starts the next from the queue, without a pass.
    while (sent.length > 0) {
      sent[0]!.finish();
      await settle();
    }
    expect(manager.view()).toMatchObject({ repairedChunks: CHUNKS, queueLength: 0 });

    // b silently loses its replicas too, right after a pass: the next tick plans nothing, but a
    // dead peer starts a pass at once, which finds b's losses as well.
    locations.fullReport("b", []);
    await timers.advance(INTERVAL_MS);
    expect(sent).toEqual([]);
    kill("f");
    await timers.advance(0);
    expect(sent.filter((entry) => entry.request.copy).length).toBeGreaterThan(0);
  });

  it("a failed copy is counted and retried on a later round", async () => {
    const { timers, manager, sent, readyThenKill } = cluster();
    await readyThenKill("c");
    const failedChunk = sent[0]!.request.copy!.chunkId;
    sent[0]!.finish({ errorCode: "PIPELINE_FAILED", errorMessage: "target went away", failedPeer: "d" });
    await settle();
    expect(manager.view().failedCopies).toBe(1);
    while (sent.length > 0) {
      sent[0]!.finish();
      await settle();
      await timers.advance(INTERVAL_MS);
    }
    const history = manager.view().history.filter((repair) => repair.chunkId === failedChunk);
    expect(history.map((repair) => repair.ok)).toEqual([false, true]);
  });

  it("trims a surplus only once every holder of the chunk has sent this leader a full report (HDFS postpones it after a failover the same way)", async () => {
    const { timers, manager, sent, reportAll, locations, chunks } = cluster();
    // From an earlier leadership: d also holds every chunk, so each has one copy too many.
    reportAll();
    for (const chunk of chunks) locations.incrementalReport("d", [chunk], []);
    manager.start();
    // Everyone but d reports to this leader; once the wait for reports is over, the replicator
    // runs, but d's copies may be gone (another leader may have had them deleted): no trim.
    await timers.advance(INTERVAL_MS);
    for (const peer of ["a", "b", "c", "e", "f"]) locations.fullReport(peer, ["a", "b", "c"].includes(peer) ? chunks : []);
    await timers.advance(REPORT_WAIT_MS_MAX + INTERVAL_MS);
    expect(manager.view().ready).toBe(true);
    expect(sent.filter((entry) => entry.request.delete)).toEqual([]);
    // d reports what it holds: now the surplus is real, and a replica of each chunk goes.
    locations.fullReport("d", chunks);
    await timers.advance(INTERVAL_MS);
    const deletes = sent.filter((entry) => entry.request.delete);
    expect(deletes.length).toBeGreaterThan(0);
    expect(new Set(deletes.map((entry) => entry.request.delete!.chunkId)).size).toBe(deletes.length);
  });

  it("takes a target that answers CHUNK_EXISTS as a location, and sends it no second copy", async () => {
    const { timers, sent, readyThenKill, locations } = cluster();
    await readyThenKill("c");
    const first = sent[0]!;
    const chunkId = first.request.copy!.chunkId;
    const target = first.request.copy!.targets[0]!.peer;
    first.finish({ errorCode: "CHUNK_EXISTS", errorMessage: "the target holds it", failedPeer: target });
    await settle();
    expect(locations.replicas(chunkId).map((replica) => replica.peer)).toContain(target);
    await timers.advance(INTERVAL_MS);
    // Two live copies and the target's: the chunk is whole again, no copy of it goes out.
    expect(sent.filter((entry) => entry.request.copy?.chunkId === chunkId)).toEqual([]);
  });
});
