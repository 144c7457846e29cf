// The chaos run's workloads (issue 18): clients with histories. Contract only: the workloads
// helper fills this in.
import type { HistoryOp } from "../types.ts";

/** What a workload gets from the harness: how to reach the cluster. */
export interface WorkloadTarget {
  /** TESSERA_JOIN / TESSERA_SWARM_KEY for `connect()` and the CLI. */
  readonly clientEnv: Record<string, string>;
  /** One S3 endpoint per peer (http://ip:port), same order as the peers. */
  readonly s3Endpoints: readonly string[];
  /** One admin HTTP endpoint per peer. */
  readonly httpEndpoints: readonly string[];
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

export function standardWorkloads(_options: WorkloadOptions): Workload[] {
  throw new Error("not yet: the workloads helper builds these");
}
