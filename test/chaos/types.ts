// The chaos harness's shared vocabulary (issue 18): the nemesis's faults, the clients'
// histories, and what the checkers answer. Jepsen's words where it has them: an operation is
// invoked and completes `ok` (it took effect), `fail` (it certainly did not) or `info` (the
// client cannot tell: a timeout, a lost connection), and `info` operations may take effect at
// any time after their call, or never.

/** Every kind of fault the nemesis injects; the CI run injects each at least once. */
export const FAULT_KINDS = [
  "kill", // kill -9 of a peer that is not the leader, restarted after the step's duration
  "kill-leader", // kill -9 of the Raft leader, restarted after the step's duration
  "pause", // SIGSTOP of a peer for 1-20 s, then SIGCONT
  "partition-leader", // the leader cut off from every other peer (both ways)
  "partition-halves", // a majority and a minority that do not hear each other
  "partition-one-way", // packets from one peer to the others are dropped, the reverse flows
  "net-loss", // every peer's packets dropped at random at a rate (nftables on the bridge)
  "net-delay", // every peer's link slowed (tc; this kernel has no netem: see docs/chaos.md)
  "disk-full", // one peer's data file system filled to the last byte, then freed
  "clock-jump", // one peer's wall clock jumped forwards or backwards (test hook)
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A peer named by its index in the cluster, or the leader of the moment the fault starts. */
export type FaultTarget = { peer: number } | "leader";

/** One step of a schedule: pure data, drawn from a seed, printed, replayable. */
export interface FaultStep {
  /** When the fault starts, from the start of the fault phase. */
  readonly atMs: number;
  readonly kind: FaultKind;
  /** Whom it hits: one target for kill/pause/disk/clock/one-way, the minority for halves. */
  readonly targets: readonly FaultTarget[];
  /** How long it lasts before the nemesis heals it. */
  readonly durationMs: number;
  /** Kind-specific figures: lossPercent, delayMs, clockOffsetMs. */
  readonly params?: { readonly lossPercent?: number; readonly delayMs?: number; readonly clockOffsetMs?: number };
}

/** What the nemesis did, with the peers it resolved "leader" to, for the report. */
export interface FaultRecord {
  readonly step: FaultStep;
  readonly peers: readonly number[];
  readonly startMs: number;
  healMs?: number;
  /** Time from the fault's start to the next operation that completed ok after it, if any. */
  unavailableMs?: number;
  error?: string;
}

export type Outcome = "ok" | "fail" | "info";

/** One client operation, from invocation to completion (times from the history's start, ms). */
export interface HistoryOp {
  readonly id: number;
  /** The client that issued it (one client issues one operation at a time). */
  readonly process: string;
  readonly workload: "files" | "hot-keys" | "jobs";
  /** The operation: create, write, append, rename, delete, read (files); put, get, delete (hot keys); job. */
  readonly f: string;
  /** The path or object key it names. */
  readonly key: string;
  /** rename: the new name. */
  readonly to?: string;
  /** Hot keys: the way in, "s3 pN" (peer N's S3 gateway) or "client" (the file system client), so an anomaly names the peer that served it. */
  readonly via?: string;
  /** Writes: the value written (contentOf(value) gives its bytes). */
  readonly value?: string;
  readonly callMs: number;
  retMs?: number;
  outcome?: Outcome;
  /** Reads: the value seen (null: absent). Jobs: the digest of the output. */
  result?: string | null;
  /** fail/info: the error's code and message as the client saw them. */
  error?: string;
}

export interface CheckerResult {
  readonly checker: string;
  /** "unknown": the check could not decide (search bound reached); never a false failure. */
  readonly valid: boolean | "unknown";
  /** One line for the report. */
  readonly summary: string;
  /** The offending operations, at most a few, for the report. */
  readonly anomalies?: readonly unknown[];
  /** Figures for the report's table (checkers/index.ts summarize): lost, stale, phantom, checked... */
  readonly counts?: Readonly<Record<string, number>>;
}
