// The chaos run's workloads (issue 18): clients with histories. files.ts (per-client paths
// with known content), hot-keys.ts (S3 and fs overwrites of a few shared keys), jobs.ts
// (word count with a known answer).
import type { HistoryOp } from "../types.ts";
import { filesWorkload } from "./files.ts";
import { hotKeysWorkload } from "./hot-keys.ts";
import { jobsWorkload } from "./jobs.ts";

/** What a workload gets from the harness: how to reach the cluster. */
export interface WorkloadTarget {
  /** TESSERA_JOIN / TESSERA_SWARM_KEY for `connect()` and the CLI. */
  readonly clientEnv: Record<string, string>;
  /** One S3 endpoint per peer (http://ip:port), same order as the peers. */
  readonly s3Endpoints: readonly string[];
  /** One admin HTTP endpoint per peer. */
  readonly httpEndpoints: readonly string[];
  /** An S3 access key to use; absent: the hot-keys workload makes one (as the superuser). */
  readonly s3Key?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The recorder every workload appends to; times are ms since the run's start. */
export interface HistoryRecorder {
  invoke(op: Omit<HistoryOp, "id" | "callMs">): HistoryOp;
  complete(op: HistoryOp, outcome: "ok" | "fail" | "info", fields?: { result?: string | null; error?: string }): void;
  readonly ops: readonly HistoryOp[];
  nowMs(): number;
}

export interface Workload {
  readonly name: string;
  /** Runs until `stop` is aborted; every operation goes through `history`. */
  run(target: WorkloadTarget, history: HistoryRecorder, seed: number, stop: AbortSignal): Promise<void>;
}

export interface WorkloadOptions {
  readonly fileClients: number;
  readonly hotKeyClients: number;
  readonly hotKeys: number;
  /** 0: no MapReduce jobs. */
  readonly jobClients: number;
}

/** The three workloads; a run's `stop` ends each after its operations in flight complete (each bounded). */
export function standardWorkloads(options: WorkloadOptions): Workload[] {
  const workloads: Workload[] = [];
  if (options.fileClients > 0) workloads.push(filesWorkload(options.fileClients));
  if (options.hotKeyClients > 0 && options.hotKeys > 0) workloads.push(hotKeysWorkload(options.hotKeyClients, options.hotKeys));
  if (options.jobClients > 0) workloads.push(jobsWorkload(options.jobClients));
  return workloads;
}

export { History } from "../history.ts";
