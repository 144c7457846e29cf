// Issue 11: "A Raft log and a namespace snapshot written by the previous commit are read by the
// new code". test/fixtures/format-v1 was written by version 1 of the persisted formats (its
// README says how): Raft log commands as one bag message with a string op, job and task
// records with states as strings, a namespace database of schema 2. This reads all of it with
// today's code, through the real log storage (DiskStorage) and the state machine, and must get
// exactly what version 1 got (expected.json): the outcome of every entry, rejections included,
// and the same tree, chunks, counts, pending deletes, settings, jobs and tasks. Today's records
// hold enums; they are compared by the lowercase names version 1 stored, from a table here
// rather than the product's own mapping, so a wrong mapping cannot hide itself.
//
// The fixture is copied before it is opened: opening a log may repair it and opening a
// database upgrades it, and the fixture must stay as version 1 left it.
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { DiskStorage } from "../../src/raft/wal.ts";
import type { Entry } from "../../src/raft/types.ts";
import { MasterStateMachine } from "../../src/master/state/state-machine.ts";
import { Namespace } from "../../src/master/state/namespace.ts";
import { SCHEMA_VERSION } from "../../src/master/state/namespace-schema.ts";
import { decodeLogCommand, encodeLogCommand, LOG_COMMAND_KINDS, logCommandKind, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { NamespaceCommand as V1Command } from "../../src/protocol/pb/legacy-v1.ts";
import { InputFormat, JobRecord, TaskAttempt, TaskKind, TaskRecord } from "../../src/protocol/pb/jobs.ts";
import { LogCommand } from "../../src/protocol/pb/log.ts";
import { tempDir } from "../support/temp.ts";

const FIXTURE = join(import.meta.dir, "..", "fixtures", "format-v1");
const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8"));
const ALL_BYTES = Number.MAX_SAFE_INTEGER;

const temps: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const temp of temps.splice(0)) temp.remove();
  // Nothing here writes into the fixture, not even the files SQLite puts beside a database it opens.
  expect(readdirSync(join(FIXTURE, "master"))).toEqual(["namespace.db"]);
});

/** A private copy of one part of the fixture. */
function copyOf(part: string): string {
  const temp = tempDir("format-v1");
  temps.push(temp);
  cpSync(join(FIXTURE, part), join(temp.path, part), { recursive: true });
  return join(temp.path, part);
}

function scratch(): string {
  const temp = tempDir("format-v1-scratch");
  temps.push(temp);
  return temp.path;
}

/** What version 1 recorded for an entry: its value as JSON, or its error's code and class. */
function outcome(run: () => unknown): unknown {
  try {
    return { ok: true, value: asJson(run() ?? null) };
  } catch (err) {
    return { ok: false, code: (err as { code?: string }).code, name: (err as Error).name };
  }
}

function batchOutcomes(results: ReturnType<MasterStateMachine["applyBatch"]>): unknown[] {
  return results.map((result) => (result.ok ? { ok: true, value: asJson(result.value ?? null) } : { ok: false, code: (result.error as { code?: string }).code, name: result.error.name }));
}

function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/**
 * Today's outcomes in version 1's words. An apply's result is what its proposer is answered
 * with, and today's may say more (a commit names the chunk's replicas and whether it closed
 * the file; a create, the file's mtime); every field version 1 returned must be there, the
 * same, and every rejection the same.
 */
function inVersion1Words(outcomes: unknown[], version1: readonly unknown[]): unknown[] {
  return outcomes.map((outcome, i) => {
    const old = version1[i] as { ok: boolean; value?: unknown } | undefined;
    const now = outcome as { ok: boolean; value?: unknown };
    if (!old?.ok || !now.ok || typeof old.value !== "object" || old.value === null || typeof now.value !== "object" || now.value === null) return outcome;
    const said = now.value as Record<string, unknown>;
    return { ...now, value: Object.fromEntries(Object.keys(old.value).filter((key) => key in said).map((key) => [key, said[key]])) };
  });
}

// --- today's state in version 1's words -------------------------------------------------------

/** The strings version 1 stored for each enum value of version 2 (unspecified: the empty string). */
const V1_NAME: Record<string, string> = {
  [JobRecord.State.RUNNING]: "running",
  [JobRecord.State.SUCCEEDED]: "succeeded",
  [JobRecord.State.FAILED]: "failed",
  [JobRecord.State.KILLED]: "killed",
  [TaskRecord.State.PENDING]: "pending",
  [TaskRecord.State.DONE]: "done",
  [TaskKind.MAP]: "map",
  [TaskKind.REDUCE]: "reduce",
  [TaskAttempt.Locality.NODE]: "node",
  [TaskAttempt.Locality.RACK]: "rack",
  [TaskAttempt.Locality.REMOTE]: "remote",
  [TaskAttempt.Locality.LOCALITY_UNSPECIFIED]: "",
  [InputFormat.LINES]: "lines",
  [InputFormat.WHOLE_FILE]: "whole-file",
};

function v1Name(value: string): string {
  const name = V1_NAME[value];
  expect(name, `version 1 had a name for ${value}`).toBeDefined();
  return name!;
}

function v1Job(record: JobRecord): unknown {
  // Version 1 had no job parameters, streaming commands or output replication: a record it
  // wrote reads with none (0: the default replication).
  expect(record.spec?.params ?? []).toEqual([]);
  expect(record.spec?.streaming).toBeUndefined();
  expect(record.spec?.outputReplication ?? 0).toBe(0);
  const { params: _params, outputReplication: _outputReplication, ...v1Spec } = record.spec ?? { params: [], outputReplication: 0 };
  const spec = record.spec ? { ...v1Spec, inputFormat: v1Name(record.spec.inputFormat) } : undefined;
  return asJson({ ...record, state: v1Name(record.state), spec });
}

function v1Task(record: TaskRecord): unknown {
  const attempt = (a: TaskAttempt) => ({ ...a, locality: v1Name(a.locality) });
  return asJson({ ...record, kind: v1Name(record.kind), state: v1Name(record.state), running: record.running.map(attempt), done: record.done ? attempt(record.done) : undefined });
}

/**
 * Version 1 had no attributes (schema 5 added them) and no owners (schema 6): every entry of
 * its state has no attributes, the superuser and supergroup of the day as owner and group (no
 * superuser is set in the fixture: ""), 0o755 for folders and 0o644 for files, and an access
 * time no later than its mtime.
 */
function withoutAttributes(stat: ReturnType<Namespace["stat"]>): Omit<ReturnType<Namespace["stat"]>, "attributes" | "owner" | "group" | "permission" | "accessTimeMs"> {
  const { attributes, owner, group, permission, accessTimeMs, ...rest } = stat;
  expect(attributes).toEqual([]);
  expect({ owner, group, permission }).toEqual({ owner: "", group: "supergroup", permission: stat.kind === "dir" ? 0o755 : 0o644 });
  expect(accessTimeMs).toBeLessThanOrEqual(stat.mtimeMs);
  return rest;
}

function stateOf(namespace: Namespace): Record<string, unknown> {
  const tree: unknown[] = [];
  let after: string | undefined;
  do {
    const page = namespace.list("/", { recursive: true, ...(after ? { after } : {}) });
    for (const entry of page.entries) tree.push(withoutAttributes(namespace.stat(entry.path, { chunks: true })));
    after = page.next;
  } while (after);
  const text = (key: string) => new TextDecoder().decode(namespace.getSetting(key));
  return asJson({
    appliedIndex: namespace.appliedIndex(),
    counts: namespace.counts(),
    tree,
    pendingDeletes: namespace.pendingDeletes().chunks,
    settings: { "voters/target": text("voters/target"), "decommission/peer-d": text("decommission/peer-d"), settingCount: namespace.settingCount },
    jobs: namespace.jobs(100).map((record) => ({ record: v1Job(record), tasks: namespace.jobTasks(record.id).map(v1Task) })),
  }) as Record<string, unknown>;
}

function expectVersion1State(namespace: Namespace): void {
  const state = stateOf(namespace);
  const { appliedIndex, counts, tree, pendingDeletes, settings, jobs } = expected;
  // Part by part first, so a failure names the part that differs.
  for (const [part, value] of Object.entries({ appliedIndex, counts, tree, pendingDeletes, settings, jobs })) expect(state[part], part).toEqual(value);
  expect(state).toEqual({ appliedIndex, counts, tree, pendingDeletes, settings, jobs });
}

function schemaOf(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  } finally {
    db.close();
  }
}

async function openLog(part: string): Promise<{ storage: DiskStorage; entries: Entry[] }> {
  const storage = await DiskStorage.open(copyOf(part));
  const entries = storage.entries(storage.firstIndex(), storage.lastIndex() + 1, ALL_BYTES);
  return { storage, entries };
}

// --- the proof ----------------------------------------------------------------------------------

describe("format-v1: what version 1 wrote is read by today's code", () => {
  it("the fixture is version 1's (schema 2, bag commands), as its README says", async () => {
    expect(expected.entries).toBe(40);
    expect(expected.snapshotIndex).toBe(17);
    // On a copy: even a read-only open of a WAL database leaves -wal and -shm files beside it.
    expect(schemaOf(join(copyOf("master"), "namespace.db"))).toBe(2);
    const { storage, entries } = await openLog("raft-full");
    try {
      expect(entries.map((entry) => entry.index)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      // Every entry is a version-1 command: no version-2 member, an op of version 1.
      for (const entry of entries) {
        const asV2 = LogCommand.decode(entry.data);
        expect(LOG_COMMAND_KINDS.filter((kind) => asV2[kind] !== undefined)).toEqual([]);
        expect(V1Command.decode(entry.data).op).not.toBe("");
      }
    } finally {
      await storage.close();
    }
  });

  it("raft-snapshot: version 1's snapshot file (the image inside the .snap) is converted at open to version 2's metadata and data file, the image byte for byte", async () => {
    const v1 = new Uint8Array(readFileSync(join(FIXTURE, "raft-snapshot", "snap-0000000000000017-0000000000000003.snap")));
    // Version 1: magic, version, index, term, conf length, conf, data length, data, CRC.
    const view = new DataView(v1.buffer, v1.byteOffset, v1.byteLength);
    expect(view.getUint32(4)).toBe(1);
    const dataAt = 28 + view.getUint32(24) + 8;
    const image = v1.subarray(dataAt, dataAt + Number(view.getBigUint64(dataAt - 8)));
    const dir = copyOf("raft-snapshot");
    const storage = await DiskStorage.open(dir);
    try {
      const file = storage.snapshotFile()!;
      expect(file.meta).toMatchObject({ index: 17, term: 3 });
      expect(readFileSync(file.path).equals(Buffer.from(image))).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(["snap-0000000000000017-0000000000000003.data", "snap-0000000000000017-0000000000000003.snap", "wal-000000000002.log"]);
      // The .snap is version 2's metadata now: small, and read alone at the next open.
      expect(statSync(join(dir, "snap-0000000000000017-0000000000000003.snap")).size).toBeLessThan(300);
    } finally {
      await storage.close();
    }
  });

  it("raft-full: the whole log replayed from empty gives every outcome and the state version 1 got", async () => {
    const { storage, entries } = await openLog("raft-full");
    try {
      expect(storage.initialState().hardState).toMatchObject({ term: 3, commit: 40 });
      const machine = new MasterStateMachine({ dbPath: join(scratch(), "namespace.db") });
      try {
        const outcomes = entries.map((entry) => outcome(() => machine.apply(entry)));
        expect(inVersion1Words(outcomes, expected.outcomes)).toEqual(expected.outcomes);
        expectVersion1State(machine.namespace);
      } finally {
        machine.close();
      }
    } finally {
      await storage.close();
    }
  });

  for (const where of ["in memory", "on disk"] as const) {
    it(`raft-snapshot: the schema-2 snapshot restored ${where}, then the tail in one batch, gives version 1's state`, async () => {
      const { storage, entries } = await openLog("raft-snapshot");
      try {
        const snapshot = storage.snapshotFile()!;
        expect(snapshot.meta).toMatchObject({ index: 17, term: 3 });
        expect(entries[0]!.index).toBe(18);
        const machine = new MasterStateMachine(where === "on disk" ? { dbPath: join(scratch(), "namespace.db") } : {});
        try {
          // As a RaftNode restores a state machine: from the snapshot's data file, which stays.
          machine.restoreFromFile(snapshot.path);
          expect(existsSync(snapshot.path)).toBe(true);
          expect(machine.appliedIndex()).toBe(17);
          expect(inVersion1Words(batchOutcomes(machine.applyBatch(entries)), expected.outcomes.slice(17))).toEqual(expected.outcomes.slice(17));
          expectVersion1State(machine.namespace);
          // Restored and upgraded: a snapshot taken now carries today's schema.
          const image = machine.snapshot();
          const reread = new MasterStateMachine();
          try {
            reread.restore(image);
            expect(reread.namespace.dump()).toBe(machine.namespace.dump());
          } finally {
            reread.close();
          }
        } finally {
          machine.close();
        }
      } finally {
        await storage.close();
      }
    });

    it(`raft-snapshot: the snapshot as a file (restoreFromFile) ${where} is upgraded alike`, async () => {
      const { storage, entries } = await openLog("raft-snapshot");
      try {
        const file = join(scratch(), "received.snap.db");
        copyFileSync(storage.snapshotFile()!.path, file);
        const namespace = Namespace.open(where === "on disk" ? { path: join(scratch(), "namespace.db") } : {});
        try {
          namespace.restoreFromFile(file);
          expect(namespace.appliedIndex()).toBe(17);
          const outcomes = entries.map((entry) => outcome(() => namespace.apply(entry)));
          expect(inVersion1Words(outcomes, expected.outcomes.slice(17))).toEqual(expected.outcomes.slice(17));
          expectVersion1State(namespace);
        } finally {
          namespace.close();
        }
      } finally {
        await storage.close();
      }
    });
  }

  it("master/namespace.db: the database a stopped version-1 master left opens, upgraded once", () => {
    const path = join(copyOf("master"), "namespace.db");
    expect(schemaOf(path)).toBe(2);
    const first = Namespace.open({ path });
    let dump: string;
    try {
      expectVersion1State(first);
      dump = first.dump();
    } finally {
      first.close();
    }
    expect(schemaOf(path)).toBe(SCHEMA_VERSION);
    // Opened again: nothing left to upgrade, the same state (records are not converted twice).
    const again = Namespace.open({ path });
    try {
      expect(again.dump()).toBe(dump);
      expectVersion1State(again);
    } finally {
      again.close();
    }
  });

  it("the upgraded database goes on from where version 1 stopped: today's commands apply on top", () => {
    const machine = new MasterStateMachine({ dbPath: join(copyOf("master"), "namespace.db") });
    try {
      const job = machine.namespace.job("job-0a1b2c3d")!;
      const map1 = machine.namespace.jobTasks(job.id).find((task) => task.kind === TaskKind.MAP && task.index === 1)!;
      const done: TaskRecord = { ...map1, state: TaskRecord.State.DONE, running: [], done: map1.running[0] };
      machine.apply({ index: 41, term: 4, type: "normal", data: encodeLogCommand({ putJob: { job: { ...job, mapsDone: 2 }, tasks: [done] } }) });
      expect(machine.namespace.job(job.id)!.mapsDone).toBe(2);
      expect(v1Task(machine.namespace.jobTasks(job.id).find((task) => task.kind === TaskKind.MAP && task.index === 1)!)).toMatchObject({ state: "done", done: { peer: "peer-c", locality: "rack" } });
      expect(machine.appliedIndex()).toBe(41);
    } finally {
      machine.close();
    }
  });

  it("version 1's commands, re-encoded as version 2, replay to the same outcomes and state", async () => {
    const { storage, entries } = await openLog("raft-full");
    try {
      const v2 = entries.map((entry) => ({ ...entry, data: encodeLogCommand(decodeLogCommand(entry.data)) }));
      const namespace = Namespace.open();
      try {
        // The rejected entry (the folder exists) converts fine; it is apply that rejects it.
        expect(inVersion1Words(v2.map((entry) => outcome(() => namespace.apply(entry))), expected.outcomes)).toEqual(expected.outcomes);
        expectVersion1State(namespace);
      } finally {
        namespace.close();
      }
    } finally {
      await storage.close();
    }
  });
});

describe("version 1's commands, field by field", () => {
  // The fixture's outcomes catch a field read wrongly only where the state shows it; some
  // effects are erased later (the pending delete of an abandoned chunk, dropped by gc). So:
  // every field of a converted command is the version-1 field of the same name (rename's
  // destination was dst), each set to a value no other field has.
  const bag: V1Command = {
    op: "",
    key: "k",
    value: new Uint8Array([9]),
    path: "/p",
    dst: "/d",
    parents: true,
    recursive: true,
    mtimeMs: 1_001,
    nowMs: 1_002,
    replication: 3,
    chunkSizeBytes: 1_004,
    clientId: "cl",
    leaseExpiryMs: 1_005,
    fileId: 1_006,
    chunkId: "0000000000000007",
    version: 1_008,
    sizeBytes: 1_009,
    replicas: ["r1", "r2"],
    chunkIds: ["0000000000000010"],
    job: new Uint8Array(0),
    tasks: [],
  };
  const ops = ["mkdir", "create", "addChunk", "commitChunk", "bumpChunkVersion", "complete", "abandonChunk", "renewLease", "recoverLease", "reopenForAppend", "rename", "delete", "setReplication", "dropPendingDeletes", "settings.set"];

  for (const op of ops) {
    it(`${op}: each field from the field of the same name`, () => {
      const command = decodeLogCommand(V1Command.encode({ ...bag, op }));
      const body = Object.entries((command as Record<string, object>)[logCommandKind(command)]!);
      expect(body.length).toBeGreaterThan(0);
      for (const [field, value] of body) expect(value, `${op}.${field}`).toEqual(bag[(field === "destination" ? "dst" : field) as keyof V1Command]);
    });
  }
});

describe("the schema upgrade fails safe", () => {
  it("a schema-2 database with a record that does not decode is not opened, and stays as version 1 left it", () => {
    const path = join(copyOf("master"), "namespace.db");
    const raw = new Database(path);
    const before = raw.query("SELECT task, record FROM job_tasks ORDER BY job_id, task").all();
    raw.run("UPDATE job_tasks SET record = x'ff' WHERE task = 'reduce-00001'");
    raw.close();
    expect(() => Namespace.open({ path })).toThrow();
    // The upgrade is one transaction: nothing was rewritten, the version is still 2.
    expect(schemaOf(path)).toBe(2);
    const after = new Database(path, { readonly: true });
    try {
      const rows = after.query("SELECT task, record FROM job_tasks ORDER BY job_id, task").all() as Array<{ task: string; record: Uint8Array }>;
      expect(rows.filter((row) => row.task !== "reduce-00001")).toEqual((before as typeof rows).filter((row) => row.task !== "reduce-00001"));
    } finally {
      after.close();
    }
  });

  for (const where of ["in memory", "on disk"] as const) {
    it(`a snapshot of a schema this master does not know is refused ${where}, and the state stays`, () => {
      const path = join(scratch(), "namespace.db");
      const namespace = Namespace.open(where === "on disk" ? { path } : {});
      try {
        namespace.applyCommand({ mkdir: { path: "/kept", parents: false, mtimeMs: 1 } }, 1);
        const future = Database.deserialize(namespace.snapshot());
        future.run(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
        const image = future.serialize();
        future.close();
        expect(() => namespace.restore(image)).toThrow(/schema/);
        expect(existsSync(`${path}.restore`)).toBe(false);
        expect(namespace.appliedIndex()).toBe(1);
        expect(namespace.stat("/kept").kind).toBe("dir");
        namespace.applyCommand({ mkdir: { path: "/after", parents: false, mtimeMs: 2 } }, 2);
        expect(namespace.counts().directories).toBe(3);
      } finally {
        namespace.close();
      }
    });
  }
});

describe("version 2 of the log command", () => {
  const job: JobRecord = {
    id: "job-1",
    spec: { inputs: ["/in"], output: "/out", reducers: 2, bundlePath: "/.tessera/jobs/job-1/job.js", moduleName: "wc.ts", inputFormat: InputFormat.WHOLE_FILE, params: [], outputReplication: 0 },
    state: JobRecord.State.KILLED,
    error: "killed by a user",
    failedTask: "",
    submittedAtMs: 1_764_000_000_000,
    finishedAtMs: 1_764_000_000_500,
    mapTasks: 1,
    mapsDone: 1,
    reducesDone: 0,
  };
  const task: TaskRecord = {
    kind: TaskKind.REDUCE,
    index: 1,
    state: TaskRecord.State.RUNNING,
    attempts: 2,
    failures: 1,
    running: [{ attempt: 1, peer: "peer-b", locality: TaskAttempt.Locality.LOCALITY_UNSPECIFIED, startedAtMs: 1_764_000_000_100, backup: true }],
    lastError: "boom",
  };
  const samples: TypedLogCommand[] = [
    { mkdir: { path: "/a/b", parents: true, mtimeMs: 1_764_000_000_001 } },
    { create: { path: "/a/f", replication: 3, chunkSizeBytes: 1_048_576, clientId: "c", leaseExpiryMs: 1_764_000_060_000, mtimeMs: 2 } },
    { addChunk: { fileId: 4, clientId: "c", replicas: ["p1", "p2"], version: 1 } },
    { commitChunk: { fileId: 4, clientId: "c", chunkId: "0000000000000001", version: 1, sizeBytes: 2 ** 40 } },
    { bumpChunkVersion: { fileId: 4, clientId: "", chunkId: "0000000000000001", version: 2, replicas: ["p3"] } },
    { complete: { fileId: 4, clientId: "c", mtimeMs: 3 } },
    { abandonChunk: { fileId: 4, clientId: "c", chunkId: "0000000000000002", nowMs: 4 } },
    { renewLease: { fileId: 4, clientId: "c", leaseExpiryMs: 5 } },
    { recoverLease: { fileId: 4, nowMs: 6 } },
    { reopenForAppend: { path: "/a/f", clientId: "d", leaseExpiryMs: 7, nowMs: 8 } },
    { rename: { path: "/a/f", destination: "/a/g", mtimeMs: 9 } },
    { delete: { path: "/a", recursive: true, nowMs: 10 } },
    { setReplication: { path: "/a", replication: 2 } },
    { dropPendingDeletes: { chunkIds: ["0000000000000001", "0000000000000002"] } },
    { setSetting: { key: "voters/target", value: new TextEncoder().encode("5") } },
    { putJob: { job, tasks: [task, { ...task, kind: TaskKind.MAP, index: 0, state: TaskRecord.State.DONE, running: [], split: { path: "/in", startBytes: 0, endBytes: 10, chunkId: "0000000000000001", chunkIndex: 0 } }] } },
    { setAttributes: { path: "/a/g", attributes: [{ name: "s3.etag", value: '"abc"' }] } },
    { concat: { sources: ["/a/p1", "/a/p2"], destination: "/a/o", attributes: [{ name: "s3.parts", value: "2" }], replace: true, parents: false, mtimeMs: 11 } },
    { deleteSetting: { key: "s3/key/AKIA" } },
    { setOwner: { path: "/a/o", owner: "alice", group: "staff" } },
    { setPermission: { path: "/a/o", permission: 0o1750 } },
    { setTimes: { path: "/a/o", mtimeMs: 12, accessTimeMs: 13, nowMs: 14 } },
    { truncate: { path: "/a/o", lengthBytes: 1024, nowMs: 15 } },
    { mount: { path: "/mnt/s3", id: "m1", record: new TextEncoder().encode("{}"), mtimeMs: 16 } },
    { unmount: { path: "/mnt/s3", nowMs: 17 } },
    {
      syncUnderStorage: {
        path: "/mnt/s3/d",
        after: "a",
        through: "z",
        entries: [{ name: "b.txt", directory: false, sizeBytes: 2 ** 40, mtimeMs: 18, fingerprint: 's3:etag="e";size=1099511627776' }],
        complete: true,
        nowMs: 19,
        parents: true,
      },
    },
    { markPersisted: { path: "/mnt/s3/f", fileId: 9, lengthBytes: 2 ** 40, fingerprint: "file:mtime=1;size=2" } },
    { setPinned: { path: "/mnt/s3", pinned: true } },
    { freeCache: { path: "/mnt/s3", force: true, nowMs: 20 } },
    { symlink: { path: "/a/l", target: "../x", mtimeMs: 21, parents: true } },
    { rewrite: { path: "/a/o", fileId: 9, stagingFileId: 12, clientId: "c", baseChunkCount: 2, baseLengthBytes: 2 ** 40, moves: [{ stagingIndex: 0, targetIndex: 1, replacedChunkId: "0000000000000002" }], chunkCount: 2, lengthBytes: 2 ** 40, mtimeMs: 22 } },
  ];

  it("every kind round-trips through its bytes", () => {
    expect(samples.map(logCommandKind).sort()).toEqual([...LOG_COMMAND_KINDS].sort());
    for (const command of samples) expect(decodeLogCommand(encodeLogCommand(command)), logCommandKind(command)).toEqual(command);
  });

  it("its bytes are not a version-1 command (fields 1..21 are reserved), so nothing is read twice", () => {
    for (const command of samples) expect(V1Command.decode(encodeLogCommand(command)).op).toBe("");
  });

  it("bytes that are no command are rejected as version 1 rejected them", () => {
    const rejected = (data: Uint8Array) => outcome(() => decodeLogCommand(data));
    const rejection = { ok: false, code: "COMMAND_REJECTED", name: "CommandRejectedError" };
    expect(rejected(new Uint8Array(0))).toEqual(rejection);
    expect(rejected(V1Command.encode({ op: "chmod", key: "", value: new Uint8Array(0), path: "/a", dst: "", parents: false, recursive: false, mtimeMs: 0, nowMs: 0, replication: 0, chunkSizeBytes: 0, clientId: "", leaseExpiryMs: 0, fileId: 0, chunkId: "", version: 0, sizeBytes: 0, replicas: [], chunkIds: [], job: new Uint8Array(0), tasks: [] }))).toEqual(rejection);
    expect(rejected(new Uint8Array([0xff, 0xff, 0xff]))).toEqual(rejection);
  });

  it("bytes carrying two commands decode as one of them, the same one on every master", () => {
    const two = new Uint8Array([...encodeLogCommand(samples[0]!), ...encodeLogCommand(samples[1]!)]);
    const decoded = decodeLogCommand(two);
    expect(Object.keys(decoded)).toHaveLength(1);
    expect(decodeLogCommand(two)).toEqual(decoded);
  });
});
