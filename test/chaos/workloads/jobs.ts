// The jobs workload: word count as a Hadoop Streaming job (awk, on the workers) over an input
// drawn from a seed, so its answer is known before the job runs. A job is one operation: its
// input written, the job run to its end, its output read; ok carries the output's digest,
// and the checker compares it with the known answer.
import { createHash } from "node:crypto";
import { codeOf } from "../../../src/protocol/errors.ts";
import type { ClusterClient } from "../../../src/client/cluster.ts";
import { recordOp, withTimeout } from "../history.ts";
import { closeQuietly, connectClient, JOB_TIMEOUT_MS, OP_TIMEOUT_MS, prng, sleep, WORKLOAD_CHUNK_BYTES } from "./common.ts";
import type { Workload } from "./index.ts";

export const JOBS_ROOT = "/chaos/jobs";
/** After the run's stop, a job in flight is waited for this long more, then recorded `info`. */
export const JOB_STOP_GRACE_MS = 20_000;
/** Lines of a job's input: about 150 KB, three 64 KiB chunks, so three maps. */
const JOB_INPUT_LINES = 4_000;
const WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi"];

// Words are runs of non-blank characters; every word is counted by the reducer.
export const WORDCOUNT_MAPPER = `awk '{ for (i = 1; i <= NF; i++) print $i "\\t1" }'`;
export const WORDCOUNT_REDUCER = `awk -F '\\t' '{ c[$1] += $2 } END { for (k in c) print k "\\t" c[k] }'`;

/** A job's value names its input: `wc:<seed>:<lines>`. */
export function jobInputText(value: string): string {
  const [, seedText, linesText] = value.split(":");
  const random = prng(Number(seedText));
  const lines: string[] = [];
  for (let i = 0; i < Number(linesText); i++) {
    const n = Math.floor(random() * 12);
    lines.push(Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(random() < 0.1 ? "  " : " "));
  }
  return `${lines.join("\n")}\n`;
}

/** The digest of a word count's output: its `word<TAB>count` lines sorted, joined by newlines. */
export function wordCountDigest(lines: readonly string[]): string {
  const sorted = lines.filter((line) => line.length > 0).sort();
  return `sha256:${createHash("sha256").update(sorted.join("\n")).digest("hex")}:${sorted.length}`;
}

/** The known answer of the job whose value is `value`. */
export function expectedJobDigest(value: string): string {
  const counts = new Map<string, number>();
  for (const word of jobInputText(value).split(/\s+/)) if (word.length > 0) counts.set(word, (counts.get(word) ?? 0) + 1);
  return wordCountDigest([...counts].map(([word, count]) => `${word}\t${count}`));
}

/** Every line of a job output folder's part files. */
export async function outputLinesOf(client: ClusterClient, folder: string): Promise<string[]> {
  const entries = await client.fs.list(folder);
  const lines: string[] = [];
  for (const entry of entries.filter((e) => /\/part-r-\d{5}$/.test(e.path)).sort((a, b) => (a.path < b.path ? -1 : 1))) {
    lines.push(...new TextDecoder().decode(await client.fs.readFile(entry.path)).split("\n"));
  }
  return lines.filter((line) => line.length > 0);
}

export function jobsWorkload(clients: number): Workload {
  return {
    name: "jobs",
    async run(target, history, seed, stop) {
      await Promise.all(
        Array.from({ length: clients }, async (_, i) => {
          const process = `jobs-${i}`;
          const random = prng(seed * 1_000 + 500 + i);
          const client = await connectClient(target, random, stop);
          if (!client) return;
          try {
            while (!stop.aborted) {
              try {
                await client.fs.mkdir(JOBS_ROOT, { parents: true });
                break;
              } catch (err) {
                if (codeOf(err) === "ALREADY_EXISTS") break;
                await sleep(200, stop);
              }
            }
            for (let n = 0; !stop.aborted; n++) {
              const value = `wc:${Math.floor(random() * 2 ** 31)}:${JOB_INPUT_LINES}`;
              const name = `${process}-${seed}-${n}`;
              const input = `${JOBS_ROOT}/in-${name}.txt`;
              const output = `${JOBS_ROOT}/out-${name}`;
              await recordOp(history, { process: `${process}.${n}`, workload: "jobs", f: "job", key: output, value }, JOB_TIMEOUT_MS, async (signal) => {
                await withTimeout(OP_TIMEOUT_MS * 3, () => client.fs.put(new TextEncoder().encode(jobInputText(value)), input, { chunkSizeBytes: WORKLOAD_CHUNK_BYTES }));
                const submitted = await client.jobs.submitStreaming({ mapper: WORDCOUNT_MAPPER, reducer: WORDCOUNT_REDUCER }, { inputs: [input], output, reducers: 2, jobId: `chaos-${name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-") });
                const job = await waitForJob(client, submitted.id, AbortSignal.any([signal, graceAfter(stop)]));
                if (job.state !== "succeeded") throw new JobFailed(`job ${job.id} ${job.state}: ${job.error ?? ""}`);
                return { result: wordCountDigest(await outputLinesOf(client, output)) };
              }, (err) => (err instanceof JobFailed ? { outcome: "fail", error: `FAILED: ${err.message}` } : undefined));
            }
          } finally {
            await closeQuietly(client);
          }
        }),
      );
    },
  };
}

/** Aborts JOB_STOP_GRACE_MS after `stop` does. */
function graceAfter(stop: AbortSignal): AbortSignal {
  const grace = new AbortController();
  const start = () => setTimeout(() => grace.abort(), JOB_STOP_GRACE_MS).unref?.();
  if (stop.aborted) start();
  else stop.addEventListener("abort", start, { once: true });
  return grace.signal;
}

/** A job that ended, not succeeded: certain (the job's own record says so). */
export class JobFailed extends Error {
  override name = "JobFailed";
  readonly code = "FAILED";
}

/** Polls a job's status until it ends, riding out elections (the op's own bound ends it). */
async function waitForJob(client: ClusterClient, id: string, signal: AbortSignal): Promise<{ id: string; state: string; error?: string }> {
  for (;;) {
    if (signal.aborted) throw new Error(`stopped waiting for job ${id}`);
    try {
      const job = await client.jobs.status(id);
      if (job.state !== "running") return job;
    } catch (err) {
      if (codeOf(err) === "NOT_FOUND") throw err;
    }
    await sleep(250, signal);
  }
}
