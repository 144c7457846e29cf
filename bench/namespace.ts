// Namespace state machine throughput and memory, without Raft.
//
//   npx bun bench/namespace.ts [--files 1000000] [--seconds 60] [--batch 64] [--sample 20000]
//
// 1. per entry: create + addChunk + commitChunk + complete per file, one transaction per entry
//    (what RaftNode does today);
// 2. batched: the same entries applied `--batch` at a time with applyBatch (one transaction
//    per batch, a savepoint per entry);
// 3. fill: as many files as fit in `--seconds` (up to `--files`) with the faster mode, on a
//    database file, printing RSS and database size as it grows: memory should stay flat while
//    the file grows. Never fails: it prints what it did.
import { statSync } from "node:fs";
import { join } from "node:path";
import { Namespace } from "../src/master/state/namespace.ts";
import { encodeLogCommand, type TypedLogCommand } from "../src/master/state/log-command.ts";
import type { Entry } from "../src/raft/types.ts";
import { tempDir } from "../test/support/temp.ts";

const FILES_PER_DIR = 1_000;
const CLIENT = "bench-client-0001";
const REPLICAS = ["12D3KooWAbcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH", "12D3KooWBbcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH", "12D3KooWCbcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"];

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * The entries of one file (and of its folder when it starts one). Ids are predicted: the
 * namespace hands out inode and chunk ids in order, which is what makes it deterministic.
 */
class Workload {
  private index = 0;
  private nextInode = 2;
  private nextChunk = 1;
  private files = 0;

  next(): Entry[] {
    const commands: TypedLogCommand[] = [];
    const nowMs = 1_700_000_000_000 + this.files;
    const dir = `/bench/d${Math.floor(this.files / FILES_PER_DIR)}`;
    if (this.files % FILES_PER_DIR === 0) {
      commands.push({ mkdir: { path: dir, parents: true, mtimeMs: nowMs } });
      this.nextInode += this.files === 0 ? 2 : 1;
    }
    const fileId = this.nextInode++;
    const chunkId = (this.nextChunk++).toString(16).padStart(16, "0");
    commands.push(
      { create: { path: `${dir}/part-${String(this.files % FILES_PER_DIR).padStart(5, "0")}`, replication: 3, chunkSizeBytes: 64 * 1024 * 1024, clientId: CLIENT, leaseExpiryMs: nowMs + 60_000, mtimeMs: nowMs } },
      { addChunk: { fileId, clientId: CLIENT, replicas: REPLICAS, version: 1 } },
      { commitChunk: { fileId, chunkId, version: 1, sizeBytes: 12_345_678, clientId: CLIENT } },
      { complete: { fileId, clientId: CLIENT, mtimeMs: nowMs } },
    );
    this.files++;
    return commands.map((command) => ({ index: ++this.index, term: 1, type: "normal" as const, data: encodeLogCommand(command) }));
  }
}

function dbBytes(path: string): number {
  let total = 0;
  for (const suffix of ["", "-wal"]) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      // no WAL right now
    }
  }
  return total;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

interface RunResult {
  files: number;
  entries: number;
  applyMs: number;
  failures: number;
}

/** Applies files until `files` or `deadlineMs`; `onFiles` is called every `sample` files. */
function run(ns: Namespace, mode: "entry" | "batch", files: number, batch: number, deadlineMs: number, sample = 0, onFiles?: (files: number) => void): RunResult {
  const workload = new Workload();
  const result: RunResult = { files: 0, entries: 0, applyMs: 0, failures: 0 };
  let pending: Entry[] = [];
  while (result.files < files && performance.now() < deadlineMs) {
    const entries = workload.next();
    result.files++;
    result.entries += entries.length;
    if (mode === "entry") {
      const start = performance.now();
      for (const entry of entries) {
        try {
          ns.apply(entry);
        } catch {
          result.failures++;
        }
      }
      result.applyMs += performance.now() - start;
    } else {
      pending.push(...entries);
      if (pending.length >= batch) {
        const start = performance.now();
        result.failures += ns.applyBatch(pending).filter((r) => !r.ok).length;
        result.applyMs += performance.now() - start;
        pending = [];
      }
    }
    if (sample > 0 && result.files % sample === 0) onFiles?.(result.files);
  }
  if (pending.length > 0) {
    const start = performance.now();
    result.failures += ns.applyBatch(pending).filter((r) => !r.ok).length;
    result.applyMs += performance.now() - start;
  }
  return result;
}

function report(what: string, r: RunResult): number {
  const entriesPerS = (r.entries / r.applyMs) * 1000;
  console.log(
    `${what.padEnd(28)} ${r.files.toLocaleString()} files, ${r.entries.toLocaleString()} entries in ${(r.applyMs / 1000).toFixed(2)} s of apply: ` +
      `${Math.round(entriesPerS).toLocaleString()} entries/s, ${Math.round((r.files / r.applyMs) * 1000).toLocaleString()} files/s (4 entries each), ` +
      `${((r.applyMs * 1000) / r.entries).toFixed(1)} µs/entry, failures ${r.failures}`,
  );
  return entriesPerS;
}

function main(): void {
  const filesTarget = arg("files", 1_000_000);
  const seconds = arg("seconds", 60);
  const batch = arg("batch", 64);
  const sample = arg("sample", 20_000);
  const dir = tempDir("bench-namespace");
  try {
    console.log(`namespace bench: bun ${Bun.version}, ${navigator.hardwareConcurrency} cores, on ${dir.path}`);
    const compareFiles = Math.min(20_000, filesTarget);
    const compareDeadline = performance.now() + 30_000;

    const perEntryDb = Namespace.open({ path: join(dir.path, "per-entry.db") });
    const perEntry = report("per entry (1 txn/entry)", run(perEntryDb, "entry", compareFiles, batch, compareDeadline));
    perEntryDb.close();

    const batchedDb = Namespace.open({ path: join(dir.path, "batched.db") });
    const batched = report(`batched (${batch} entries/txn)`, run(batchedDb, "batch", compareFiles, batch, performance.now() + 30_000));
    batchedDb.close();

    const memoryDb = Namespace.open();
    report("per entry, in memory", run(memoryDb, "entry", compareFiles, batch, performance.now() + 30_000));
    memoryDb.close();
    console.log(`batching speed-up: ${(batched / perEntry).toFixed(2)}×`);

    const mode = batched > perEntry ? "batch" : "entry";
    const path = join(dir.path, "fill.db");
    const ns = Namespace.open({ path });
    Bun.gc(true);
    const rssBefore = process.memoryUsage.rss();
    console.log(`fill (${mode}): up to ${filesTarget.toLocaleString()} files or ${seconds} s; RSS before ${mb(rssBefore)}`);
    const fill = run(ns, mode, filesTarget, batch, performance.now() + seconds * 1000, sample, (files) => {
      console.log(`  ${files.toLocaleString().padStart(9)} files: RSS ${mb(process.memoryUsage.rss())}, database ${mb(dbBytes(path))}`);
    });
    report(`fill (${mode})`, fill);
    Bun.gc(true);
    const rssAfter = process.memoryUsage.rss();
    const counts = ns.counts();
    const statStart = performance.now();
    const stats = 10_000;
    for (let i = 0; i < stats; i++) ns.stat(`/bench/d${i % Math.max(1, Math.floor(fill.files / FILES_PER_DIR))}/part-${String(i % FILES_PER_DIR).padStart(5, "0")}`);
    const statUs = ((performance.now() - statStart) * 1000) / stats;
    const snapStart = performance.now();
    const snapshotBytes = ns.snapshot().length;
    const snapMs = performance.now() - snapStart;
    console.log(`counts: ${JSON.stringify(counts)}; stat ${statUs.toFixed(1)} µs; snapshot ${mb(snapshotBytes)} in ${snapMs.toFixed(0)} ms`);
    console.log(`RSS before ${mb(rssBefore)}, after ${mb(rssAfter)} (growth ${mb(rssAfter - rssBefore)}) for database ${mb(dbBytes(path))}`);
    ns.close();
  } catch (err) {
    console.log(`bench stopped early: ${(err as Error).stack ?? err}`);
  } finally {
    dir.remove();
  }
}

main();
