// The namespace's WAL checkpoints on a worker thread (src/master/state/wal-checkpointer.ts):
// the worker checkpoints, the WAL starts over instead of growing, and closing or replacing
// the database while a checkpoint runs loses nothing.
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { CHECKPOINT_AFTER_COMMITS } from "../../src/master/state/wal-checkpointer.ts";
import { WAL_FALLBACK_CHECKPOINT_PAGES, WAL_KEPT_BYTES } from "../../src/master/state/namespace-schema.ts";
import type { Entry } from "../../src/raft/types.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

const CLIENT = "12D3KooWPeerA/wal";
const WAL_PAGE_BYTES = 4096 + 24;

function creates(from: number, count: number, firstIndex: number): Entry[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const command: TypedLogCommand = { create: { path: `/d${n % 16}/f${n}`, replication: 3, chunkSizeBytes: 1 << 20, clientId: CLIENT, closed: true, leaseExpiryMs: 0, mtimeMs: n + 1 }, call: { clientId: CLIENT, callId: n + 1, nowMs: 1_000 } };
    return { index: firstIndex + i, term: 1, type: "normal", data: encodeLogCommand(command) };
  });
}

/** A namespace on disk with folders /d0../d15. */
function openWithFolders(path: string): Namespace {
  const ns = Namespace.open({ path });
  const folders: Entry[] = Array.from({ length: 16 }, (_, i) => ({ index: i + 1, term: 1, type: "normal", data: encodeLogCommand({ mkdir: { path: `/d${i}`, parents: false, mtimeMs: 1 } }) }));
  for (const result of ns.applyBatch(folders)) expect(result.ok).toBe(true);
  return ns;
}

/** Opens the database at `path` again: it holds every entry up to `index` and `files` files. */
function expectAfterReopen(path: string, index: number, files: number): void {
  const reopened = Namespace.open({ path });
  try {
    expect(reopened.appliedIndex()).toBe(index);
    expect(reopened.counts().files).toBe(files);
  } finally {
    reopened.close();
  }
}

/** Applies `count` creates, four per commit, after the namespace's applied index; answers the index of the last. */
function applyCreates(ns: Namespace, from: number, count: number): number {
  let index = ns.appliedIndex();
  for (let done = 0; done < count; done += 4) {
    for (const result of ns.applyBatch(creates(from + done, 4, index + 1))) expect(result.ok).toBe(true);
    index += 4;
  }
  return index;
}

describe("WAL checkpoints on a worker", () => {
  it("the worker checkpoints, the WAL starts over instead of growing, and every create is there after a reopen", async () => {
    const dir = tempDir("wal-checkpointer");
    try {
      const path = join(dir.path, "ns.db");
      const ns = openWithFolders(path);
      // 16,000 creates in 4,000 commits, without a pause for the worker to catch up. Each
      // commit writes at least three pages (the meta row's, the new inodes', the retry
      // cache's; about nine, measured), so a WAL that never started over would pass the bound.
      const commits = 4_000;
      expect(commits * 3).toBeGreaterThan(WAL_FALLBACK_CHECKPOINT_PAGES);
      const index = applyCreates(ns, 0, commits * 4);
      const checkpoints = await waitFor("the worker's checkpoints to be counted", () => (ns.walCheckpoints()!.checkpoints >= 1 ? ns.walCheckpoints() : undefined), { timeoutMs: 20_000 });
      expect(checkpoints.failures).toBe(0);
      expect(checkpoints.checkpoints).toBeLessThanOrEqual(Math.ceil(commits / CHECKPOINT_AFTER_COMMITS));
      expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(Math.max(WAL_KEPT_BYTES, WAL_FALLBACK_CHECKPOINT_PAGES * WAL_PAGE_BYTES) + 64 * WAL_PAGE_BYTES);
      ns.close();
      expectAfterReopen(path, index, commits * 4);
    } finally {
      dir.remove();
    }
  }, 60_000);

  it("closing while a checkpoint runs waits for it: nothing is lost", () => {
    const dir = tempDir("wal-checkpointer");
    try {
      const path = join(dir.path, "ns.db");
      for (let round = 0; round < 5; round++) {
        const ns = round === 0 ? openWithFolders(path) : Namespace.open({ path });
        // Exactly enough commits to ask for a checkpoint with the last one, then close at once.
        const after = applyCreates(ns, round * CHECKPOINT_AFTER_COMMITS * 4, CHECKPOINT_AFTER_COMMITS * 4);
        ns.close();
        expectAfterReopen(path, after, (round + 1) * CHECKPOINT_AFTER_COMMITS * 4);
      }
    } finally {
      dir.remove();
    }
  }, 60_000);

  it("replacing the database while a checkpoint runs: the new state, whole, and the old WAL never replayed over it", () => {
    const dir = tempDir("wal-checkpointer");
    try {
      const path = join(dir.path, "ns.db");
      const other = join(dir.path, "other.db");
      const source = openWithFolders(other);
      const sourceIndex = applyCreates(source, 100_000, 40);
      const snapshot = join(dir.path, "snapshot.db");
      source.snapshotToFile(snapshot);
      source.close();

      const ns = openWithFolders(path);
      applyCreates(ns, 0, CHECKPOINT_AFTER_COMMITS * 4);
      ns.restoreFromFile(snapshot, { keep: true });
      expect(ns.appliedIndex()).toBe(sourceIndex);
      expect(ns.counts().files).toBe(40);
      // Applying goes on over the new state, and it survives a reopen.
      const after = applyCreates(ns, 200_000, 8);
      ns.close();
      expectAfterReopen(path, after, 48);
    } finally {
      dir.remove();
    }
  }, 60_000);
});
