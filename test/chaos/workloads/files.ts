// The files workload: each client owns a folder and runs one operation at a time on its own
// paths (create, overwrite, append, rename, delete, read), with content known from the value
// it writes (history.ts contentOf), so the checkers know what every path must hold. A path
// named by an operation that ended `info` is abandoned: the client cannot know its state.
import { codeOf } from "../../../src/protocol/errors.ts";
import type { ClusterClient } from "../../../src/client/cluster.ts";
import { concatBytes, contentOf, digestOf, recordOp } from "../history.ts";
import type { HistoryOp } from "../types.ts";
import { between, closeQuietly, connectClient, OP_TIMEOUT_MS, pick, prng, WORKLOAD_CHUNK_BYTES } from "./common.ts";
import type { HistoryRecorder, Workload, WorkloadTarget } from "./index.ts";

export const FILES_ROOT = "/chaos/files";
/** A client keeps at most this many live files; past it, it deletes before it creates. */
const LIVE_FILES_MAX = 6;

/** Sizes of the values written: mostly small, some spanning several 64 KiB chunks. */
function sizeOf(random: () => number): number {
  const r = random();
  if (r < 0.6) return between(random, 16, 4_096);
  if (r < 0.85) return between(random, 4_096, 60_000);
  return between(random, 70_000, 220_000);
}

export function filesWorkload(clients: number): Workload {
  return {
    name: "files",
    async run(target, history, seed, stop) {
      await Promise.all(Array.from({ length: clients }, (_, i) => fileClient(target, history, seed * 1_000 + i, `files-${i}`, stop)));
    },
  };
}

async function fileClient(target: WorkloadTarget, history: HistoryRecorder, seed: number, process: string, stop: AbortSignal): Promise<void> {
  const random = prng(seed);
  const client = await connectClient(target, random, stop);
  if (!client) return;
  const fs = client.fs;
  const folder = `${FILES_ROOT}/${process}-${seed}`;
  try {
    // The folder is setup, not history: tried until it exists.
    while (!stop.aborted) {
      try {
        await fs.mkdir(folder, { parents: true });
        break;
      } catch (err) {
        if (codeOf(err) === "ALREADY_EXISTS") break;
      }
    }
    const live = new Map<string, Uint8Array>();
    const gone: string[] = [];
    let names = 0;
    let seq = 0;
    const value = () => `${process}-${seed}-${seq}#${sizeOf(random)}`;
    const abandon = (op: HistoryOp) => {
      live.delete(op.key);
      if (op.to) live.delete(op.to);
    };
    while (!stop.aborted) {
      seq++;
      const base = { process, workload: "files" as const };
      const r = random();
      let op: HistoryOp;
      if (live.size === 0 || (r < 0.2 && live.size < LIVE_FILES_MAX)) {
        const path = `${folder}/f${names++}`;
        const v = value();
        op = await recordOp(history, { ...base, f: "create", key: path, value: v }, OP_TIMEOUT_MS, async () => {
          await fs.put(contentOf(v), path, { chunkSizeBytes: WORKLOAD_CHUNK_BYTES });
        });
        if (op.outcome === "ok") live.set(path, contentOf(v));
      } else if (r < 0.25 && gone.length > 0) {
        // A read of a path this client deleted or renamed away: it must stay absent.
        op = await readOp(client, history, { ...base, f: "read", key: pick(random, gone) });
      } else {
        const path = pick(random, [...live.keys()]);
        const s = random();
        if (s < 0.25) {
          const v = value();
          const tmp = `${folder}/.tmp-${seq}`;
          op = await recordOp(history, { ...base, f: "write", key: path, value: v }, OP_TIMEOUT_MS, async () => {
            // An overwrite as the S3 gateway makes one: a whole new file, then a rename over the old.
            await fs.put(contentOf(v), tmp, { chunkSizeBytes: WORKLOAD_CHUNK_BYTES });
            try {
              await fs.mv(tmp, path, { replace: true });
            } catch (err) {
              await fs.rm(tmp).catch(() => undefined);
              throw err;
            }
          });
          if (op.outcome === "ok") live.set(path, contentOf(v));
        } else if (s < 0.45) {
          const v = value();
          op = await recordOp(history, { ...base, f: "append", key: path, value: v }, OP_TIMEOUT_MS, async () => {
            await fs.append(contentOf(v), path);
          });
          if (op.outcome === "ok") live.set(path, concatBytes([live.get(path)!, contentOf(v)]));
        } else if (s < 0.55) {
          const to = `${folder}/f${names++}`;
          op = await recordOp(history, { ...base, f: "rename", key: path, to }, OP_TIMEOUT_MS, async () => {
            await fs.mv(path, to);
          });
          if (op.outcome === "ok") {
            live.set(to, live.get(path)!);
            live.delete(path);
            gone.push(path);
          }
        } else if (s < 0.65 && live.size > 1) {
          op = await recordOp(history, { ...base, f: "delete", key: path }, OP_TIMEOUT_MS, async () => {
            await fs.rm(path);
          });
          if (op.outcome === "ok") {
            live.delete(path);
            gone.push(path);
          }
        } else {
          op = await readOp(client, history, { ...base, f: "read", key: path });
        }
      }
      if (op.outcome === "info") abandon(op);
    }
  } finally {
    await closeQuietly(client);
  }
}

/** A read: ok with the bytes' digest, or ok with null when the path does not exist. */
export function readOp(client: ClusterClient, history: HistoryRecorder, op: Omit<HistoryOp, "id" | "callMs">): Promise<HistoryOp> {
  return recordOp(
    history,
    op,
    OP_TIMEOUT_MS,
    async () => ({ result: digestOf(await client.fs.readFile(op.key)) }),
    (err) => (codeOf(err) === "NOT_FOUND" ? { outcome: "ok", result: null } : undefined),
  );
}
