// Writes test/fixtures/format-v1: a Raft log, a Raft snapshot and a namespace database in the
// persisted formats of this commit, and what reading them must give. A later version of
// Tessera proves in test/master/format-compat.test.ts that it still reads them (issue 11:
// "a Raft log and a namespace snapshot written by the previous commit are read by the new
// code"). Run once, at the commit that adds the fixture:
//
//   bun run scripts/make-format-fixture.ts OUT_DIR
//
// The log holds every kind of command this version writes, in the order a cluster would
// write them, one rejected command among them (a rejection is a result too: it must stay
// one). Everything is deterministic: fixed clocks, fixed peer ids.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DiskStorage } from "../src/raft/wal.ts";
import type { Entry } from "../src/raft/types.ts";
import { Namespace, encodeNamespaceCommand } from "../src/master/state/namespace.ts";
import { encodeCommand } from "../src/master/state/state-machine.ts";
import { JobRecord, TaskRecord } from "../src/protocol/pb/jobs.ts";
import type { NamespaceCommand } from "../src/protocol/pb/namespace.ts";

const out = process.argv[2];
if (!out) {
  console.error("give the folder to write the fixture to");
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const PEER = "12D3KooWFixturePeerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const P = ["peer-a", "peer-b", "peer-c", "peer-d"];
const T0 = 1_764_000_000_000;
const TERM = 3;
const conf = { voters: [PEER], learners: [] };

// --- the commands ---------------------------------------------------------------------------

const commands: Uint8Array[] = [];
const ns = (c: Partial<NamespaceCommand>) => commands.push(encodeNamespaceCommand(c));
const setting = (key: string, value: string) => commands.push(encodeCommand({ op: "settings.set", key, value: new TextEncoder().encode(value) as Uint8Array<ArrayBuffer> }));

// Chunk ids are handed out in order: 0000000000000001, ...
const chunk = (n: number) => n.toString(16).padStart(16, "0");

setting("voters/target", "3");
ns({ op: "mkdir", path: "/data/logs", parents: true, mtimeMs: T0 + 1 });
// file 4: a.txt, two chunks, the second rebuilt once (bumpChunkVersion), then closed
ns({ op: "create", path: "/data/a.txt", replication: 3, chunkSizeBytes: 1_048_576, clientId: "client-1", leaseExpiryMs: T0 + 60_002, mtimeMs: T0 + 2 });
ns({ op: "addChunk", fileId: 4, clientId: "client-1", replicas: [P[0], P[1], P[2]], version: 1, nowMs: T0 + 3 });
ns({ op: "commitChunk", fileId: 4, chunkId: chunk(1), version: 1, sizeBytes: 1_048_576, clientId: "client-1", nowMs: T0 + 4 });
ns({ op: "addChunk", fileId: 4, clientId: "client-1", replicas: [P[0], P[1], P[2]], version: 1, nowMs: T0 + 5 });
ns({ op: "bumpChunkVersion", fileId: 4, chunkId: chunk(2), version: 2, replicas: [P[0], P[3], P[2]], clientId: "client-1", nowMs: T0 + 6 });
ns({ op: "commitChunk", fileId: 4, chunkId: chunk(2), version: 2, sizeBytes: 1000, clientId: "client-1", nowMs: T0 + 7 });
ns({ op: "renewLease", fileId: 4, clientId: "client-1", leaseExpiryMs: T0 + 80_000, nowMs: T0 + 8 });
ns({ op: "complete", fileId: 4, clientId: "client-1", mtimeMs: T0 + 9, nowMs: T0 + 9 });
// file 5: b.txt, a chunk abandoned, then a committed one
ns({ op: "create", path: "/data/b.txt", replication: 2, chunkSizeBytes: 65_536, clientId: "client-2", leaseExpiryMs: T0 + 60_010, mtimeMs: T0 + 10 });
ns({ op: "addChunk", fileId: 5, clientId: "client-2", replicas: [P[1], P[2]], version: 1, nowMs: T0 + 11 });
ns({ op: "abandonChunk", fileId: 5, chunkId: chunk(3), clientId: "client-2", nowMs: T0 + 12 });
ns({ op: "addChunk", fileId: 5, clientId: "client-2", replicas: [P[1], P[3]], version: 1, nowMs: T0 + 13 });
ns({ op: "commitChunk", fileId: 5, chunkId: chunk(4), version: 1, sizeBytes: 500, clientId: "client-2", nowMs: T0 + 14 });
ns({ op: "complete", fileId: 5, clientId: "client-2", mtimeMs: T0 + 15, nowMs: T0 + 15 });
// A rejected command: the folder exists. Its index advances; nothing else changes.
ns({ op: "mkdir", path: "/data", parents: false, mtimeMs: T0 + 16 });
const SNAPSHOT_AFTER = commands.length; // the snapshot covers everything above

// after the snapshot: append, rename, setReplication, a deleted subtree, gc, leases, jobs
ns({ op: "reopenForAppend", path: "/data/a.txt", clientId: "client-3", leaseExpiryMs: T0 + 60_020, nowMs: T0 + 20 });
ns({ op: "addChunk", fileId: 4, clientId: "client-3", replicas: [P[2], P[0], P[1]], version: 1, nowMs: T0 + 21 });
ns({ op: "commitChunk", fileId: 4, chunkId: chunk(5), version: 1, sizeBytes: 2000, clientId: "client-3", nowMs: T0 + 22 });
ns({ op: "complete", fileId: 4, clientId: "client-3", mtimeMs: T0 + 23, nowMs: T0 + 23 });
ns({ op: "rename", path: "/data/b.txt", dst: "/data/logs/b.txt", mtimeMs: T0 + 24 });
ns({ op: "setReplication", path: "/data/a.txt", replication: 2, mtimeMs: T0 + 25 });
ns({ op: "mkdir", path: "/tmp/x", parents: true, mtimeMs: T0 + 26 });
ns({ op: "create", path: "/tmp/x/t.bin", replication: 1, chunkSizeBytes: 65_536, clientId: "client-4", leaseExpiryMs: T0 + 60_027, mtimeMs: T0 + 27 });
ns({ op: "addChunk", fileId: 8, clientId: "client-4", replicas: [P[0]], version: 1, nowMs: T0 + 28 });
ns({ op: "commitChunk", fileId: 8, chunkId: chunk(6), version: 1, sizeBytes: 10, clientId: "client-4", nowMs: T0 + 29 });
ns({ op: "complete", fileId: 8, clientId: "client-4", mtimeMs: T0 + 30, nowMs: T0 + 30 });
ns({ op: "delete", path: "/tmp", recursive: true, nowMs: T0 + 31, mtimeMs: T0 + 31 });
ns({ op: "dropPendingDeletes", chunkIds: [chunk(3)] });
// file 9: left open by a writer that went away; its lease is recovered
ns({ op: "create", path: "/data/open.txt", replication: 3, chunkSizeBytes: 1_048_576, clientId: "client-5", leaseExpiryMs: T0 + 40, mtimeMs: T0 + 32 });
ns({ op: "addChunk", fileId: 9, clientId: "client-5", replicas: [P[0], P[1], P[2]], version: 1, nowMs: T0 + 33 });
ns({ op: "recoverLease", fileId: 9, mtimeMs: T0 + 50, nowMs: T0 + 50 });
// file 10: still open under a live lease
ns({ op: "create", path: "/data/writing.txt", replication: 3, chunkSizeBytes: 1_048_576, clientId: "client-6", leaseExpiryMs: T0 + 99_000, mtimeMs: T0 + 51 });
setting("decommission/peer-d", "decommissioning");
// A MapReduce job as the scheduler records it: submitted, then a map done and a map running.
const job: JobRecord = {
  id: "job-0a1b2c3d",
  spec: { inputs: ["/data/a.txt"], output: "/out/wc", reducers: 2, bundlePath: "/.tessera/jobs/job-0a1b2c3d/bundle.js", moduleName: "word-count.ts", inputFormat: "lines" },
  state: "running",
  error: "",
  failedTask: "",
  submittedAtMs: T0 + 60,
  finishedAtMs: 0,
  counters: {
    mapTasks: 2, nodeLocalMaps: 0, rackLocalMaps: 0, remoteMaps: 0, mapInputRecords: 0, mapInputBytes: 0, mapOutputRecords: 0,
    reduceTasks: 2, reduceInputGroups: 0, reduceInputRecords: 0, reduceOutputRecords: 0, shuffleBytes: 0, failedTaskAttempts: 0,
    backupTasks: 0, rerunMaps: 0, lostTaskAttempts: 0,
  },
  mapTasks: 2,
  mapsDone: 0,
  reducesDone: 0,
};
const split = (i: number) => ({ path: "/data/a.txt", startBytes: i * 1_048_576, endBytes: i === 0 ? 1_048_576 : 1_049_576, chunkId: chunk(i + 1), chunkIndex: i });
const task = (kind: string, index: number, extra: Partial<TaskRecord> = {}): TaskRecord => ({ kind, index, state: "pending", attempts: 0, failures: 0, running: [], lastError: "", ...(kind === "map" ? { split: split(index) } : {}), ...extra });
ns({ op: "mkdir", path: "/out/wc/_temporary", parents: true, mtimeMs: T0 + 60 });
ns({ op: "jobs.put", job: JobRecord.encode(job), tasks: [task("map", 0), task("map", 1), task("reduce", 0), task("reduce", 1)].map((t) => TaskRecord.encode(t)) });
const attempt0 = { attempt: 0, peer: P[0], locality: "node", startedAtMs: T0 + 61, backup: false };
const attempt1 = { attempt: 0, peer: P[2], locality: "rack", startedAtMs: T0 + 61, backup: false };
ns({ op: "jobs.put", job: JobRecord.encode(job), tasks: [task("map", 0, { state: "running", attempts: 1, running: [attempt0] }), task("map", 1, { state: "running", attempts: 1, running: [attempt1] })].map((t) => TaskRecord.encode(t)) });
ns({
  op: "jobs.put",
  job: JobRecord.encode({ ...job, mapsDone: 1 }),
  tasks: [task("map", 0, { state: "done", attempts: 1, done: attempt0, result: { partitionBytes: [120, 80], inputRecords: 1000, inputBytes: 1_048_576, outputRecords: 42, shuffleBytes: 0, inputGroups: 0 } })].map((t) => TaskRecord.encode(t)),
});
// A job that failed, its task's error kept.
const failed: JobRecord = { ...job, id: "job-failed01", state: "failed", error: "map-00000 failed 4 times: boom", failedTask: "map-00000", finishedAtMs: T0 + 90, spec: { ...job.spec!, output: "/out/failed", inputFormat: "whole-file" } };
ns({ op: "jobs.put", job: JobRecord.encode(failed), tasks: [task("map", 0, { attempts: 4, failures: 4, lastError: "boom" })].map((t) => TaskRecord.encode(t)) });

// --- apply them as Raft would, recording every outcome -----------------------------------------

const entries: Entry[] = commands.map((data, i) => ({ index: i + 1, term: TERM, type: "normal", data }));
const outcomes: unknown[] = [];
const dbDir = join(out, "master");
mkdirSync(dbDir, { recursive: true });
const namespace = Namespace.open({ path: join(dbDir, "namespace.db") });
let snapshotImage: Uint8Array | undefined;
for (const entry of entries) {
  try {
    outcomes.push({ ok: true, value: namespace.apply(entry) ?? null });
  } catch (err) {
    outcomes.push({ ok: false, code: (err as { code?: string }).code, name: (err as Error).name });
  }
  if (entry.index === SNAPSHOT_AFTER) snapshotImage = namespace.snapshot();
}

// --- the log: all of it, and a snapshot with the tail after it ---------------------------------

async function writeLog(dir: string, withSnapshot: boolean): Promise<void> {
  const storage = await DiskStorage.open(dir, conf);
  await storage.save({ term: TERM, vote: PEER, commit: 0 }, [], true);
  // A few entries per batch, as group commit writes them.
  for (let at = 0; at < entries.length; at += 4) await storage.save(undefined, entries.slice(at, at + 4), true);
  await storage.save({ term: TERM, vote: PEER, commit: entries.length }, [], true);
  if (withSnapshot) await storage.createSnapshot(SNAPSHOT_AFTER, conf, snapshotImage!);
  await storage.close();
}
await writeLog(join(out, "raft-full"), false);
await writeLog(join(out, "raft-snapshot"), true);

// --- what reading them must give ----------------------------------------------------------------

function tree(): unknown[] {
  const rows: unknown[] = [];
  let after: string | undefined;
  do {
    const page = namespace.list("/", { recursive: true, ...(after ? { after } : {}) });
    for (const entry of page.entries) {
      const stat = namespace.stat(entry.path, { chunks: true });
      rows.push(stat);
    }
    after = page.next;
  } while (after);
  return rows;
}
const jobs = namespace.jobs(100).map((record) => ({ record, tasks: namespace.jobTasks(record.id) }));
const expected = {
  createdBy: "scripts/make-format-fixture.ts",
  entries: entries.length,
  snapshotIndex: SNAPSHOT_AFTER,
  appliedIndex: namespace.appliedIndex(),
  outcomes,
  counts: namespace.counts(),
  tree: tree(),
  pendingDeletes: namespace.pendingDeletes().chunks,
  settings: { "voters/target": "3", "decommission/peer-d": "decommissioning", settingCount: namespace.settingCount },
  jobs,
};
namespace.close();
writeFileSync(join(out, "expected.json"), JSON.stringify(expected, (_k, v) => (typeof v === "bigint" ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v), 2) + "\n");
// The database as a peer leaves it on a clean stop: no -wal or -shm beside it.
for (const suffix of ["-wal", "-shm"]) rmSync(join(dbDir, `namespace.db${suffix}`), { force: true });
console.log(`wrote ${entries.length} entries (snapshot after ${SNAPSHOT_AFTER}) to ${out}`);
