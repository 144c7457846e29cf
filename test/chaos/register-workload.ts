// A small workload of the nemesis's own (issue 18), independent of the full workloads: clients
// that write and read cluster settings (Raft-replicated registers, one key per write) with
// known values, and a checker that reads every acknowledged write back. It proves the harness
// (faults, histories, unavailability) on its own; the real runs use workloads/ and checkers/.
import { readFileSync } from "node:fs";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";
import type { CheckerResult, HistoryOp } from "./types.ts";
import type { Workload, WorkloadTarget } from "./workloads/index.ts";

const OP_DEADLINE_MS = 5_000;
const PREFIX = "chaos-register";

function connectOptions(target: WorkloadTarget): { join: string[]; swarmKey: Uint8Array } {
  return { join: target.clientEnv.TESSERA_JOIN!.split(","), swarmKey: decodeSwarmKey(readFileSync(target.clientEnv.TESSERA_SWARM_KEY!, "utf8")) };
}

function messageOf(err: unknown): string {
  return (err as Error).message?.split("\n")[0]?.slice(0, 200) ?? String(err);
}

export function registerWorkload(clients: number): Workload {
  return {
    name: "registers",
    async run(target, history, seed, stop) {
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const process = `reg-${c}`;
          let client: ClusterClient | undefined;
          const written: string[] = [];
          try {
            for (let n = 0; !stop.aborted; n++) {
              client ??= await connect(connectOptions(target)).catch(() => undefined);
              if (!client) continue;
              const key = `${PREFIX}-${seed}-${c}-${n}`;
              const value = `${process}:${n}`;
              const put = history.invoke({ process, workload: "hot-keys", f: "put", key, value });
              try {
                await client.setSetting(key, new TextEncoder().encode(value), OP_DEADLINE_MS);
                history.complete(put, "ok");
                written.push(key);
              } catch (err) {
                history.complete(put, "info", { error: messageOf(err) });
              }
              if (written.length === 0 || stop.aborted) continue;
              const readKey = written[n % written.length]!;
              const get = history.invoke({ process, workload: "hot-keys", f: "get", key: readKey });
              try {
                const bytes = await client.getSetting(readKey, OP_DEADLINE_MS);
                history.complete(get, "ok", { result: bytes ? new TextDecoder().decode(bytes) : null });
              } catch (err) {
                history.complete(get, "fail", { error: messageOf(err) });
              }
            }
          } finally {
            await client?.close().catch(() => undefined);
          }
        }),
      );
    },
  };
}

/** A read after the heal, asked again while the cluster is slow to answer (not a verdict). */
async function readWithRetry(client: ClusterClient, key: string): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      const bytes = await client.getSetting(key, 10_000);
      return bytes ? new TextDecoder().decode(bytes) : null;
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

/** Every acknowledged put reads back with its value; every ok get saw the value its key was given. */
export async function checkRegisters(history: readonly HistoryOp[], target: WorkloadTarget): Promise<CheckerResult[]> {
  const puts = history.filter((op) => op.f === "put" && op.outcome === "ok");
  const client = await connect(connectOptions(target));
  const lost: unknown[] = [];
  try {
    for (let at = 0; at < puts.length; at += 16) {
      const batch = puts.slice(at, at + 16);
      const values = await Promise.all(batch.map((op) => readWithRetry(client, op.key)));
      values.forEach((seen, i) => {
        if (seen !== batch[i]!.value) lost.push({ key: batch[i]!.key, wrote: batch[i]!.value, read: seen });
      });
    }
  } finally {
    await client.close().catch(() => undefined);
  }
  const valueOf = new Map(history.filter((op) => op.f === "put").map((op) => [op.key, op.value]));
  const stale = history.filter((op) => op.f === "get" && op.outcome === "ok" && op.result !== valueOf.get(op.key));
  return [
    { checker: "register readback (lost writes)", valid: lost.length === 0, summary: `${lost.length} of ${puts.length} acknowledged writes lost`, anomalies: lost.slice(0, 5) },
    { checker: "register reads (stale reads)", valid: stale.length === 0, summary: `${stale.length} reads saw another value than the key's only write`, anomalies: stale.slice(0, 5) },
  ];
}
