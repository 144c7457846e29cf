// One whole chaos run (issue 18): the network and the cluster are made, the workloads start,
// the nemesis plays the seed's schedule, everything is healed, the workloads stop, and the
// checkers read the history. Used by the CI test (chaos.test.ts), the long benchmark
// (bench/chaos.ts) and the planted-bug runner (bench/planted-bugs.ts, with its own `binary`).
// Everything the run made is removed at the end, also when it fails.
import { resolve } from "node:path";
import { waitFor } from "../support/wait.ts";
import { ChaosCluster, sweepStaleMounts } from "./cluster.ts";
import { ChaosNet, chaosUnsupportedReason, sweepStale } from "./net.ts";
import { measureUnavailability, runNemesis, type NemesisRecord } from "./nemesis.ts";
import { formatSchedule, planSchedule } from "./schedule.ts";
import { FAULT_KINDS, type CheckerResult, type FaultKind, type FaultStep, type HistoryOp } from "./types.ts";
import { summarize } from "./checkers/index.ts";
import { History, type Workload, type WorkloadTarget } from "./workloads/index.ts";

/** How long the workloads may run on after the heal, waiting for an acknowledged write. */
const QUIET_TAIL_MS_MAX = 30_000;

export const DEFAULT_BINARY = resolve(import.meta.dir, "../../dist/tessera");

export type Checker = (history: readonly HistoryOp[], target: WorkloadTarget, options: { fsckBoundMs: number }) => Promise<CheckerResult[]>;

export interface ChaosOptions {
  readonly seed: number;
  /** The fault phase's length (start-up, healing and checks come on top). */
  readonly durationMs: number;
  readonly peers?: number;
  readonly workloads: readonly Workload[];
  readonly check: Checker;
  /** The tessera binary the peers run (default dist/tessera of this repo). */
  readonly binary?: string;
  readonly kinds?: readonly FaultKind[];
  /** How long fsck may take to say HEALTHY after the heal (passed to the checkers). */
  readonly fsckBoundMs?: number;
  readonly diskMiB?: number;
  readonly log?: (line: string) => void;
}

export interface WorkloadCounts {
  attempted: number;
  ok: number;
  fail: number;
  info: number;
}

export interface ChaosReport {
  readonly seed: number;
  readonly schedule: readonly FaultStep[];
  readonly faults: readonly NemesisRecord[];
  readonly history: readonly HistoryOp[];
  readonly checks: readonly CheckerResult[];
  readonly counts: Readonly<Record<string, WorkloadCounts>>;
  /** Wall time of each phase, ms. */
  readonly phasesMs: { readonly start: number; readonly faults: number; readonly heal: number; readonly checks: number; readonly total: number };
  /** Whether every checker said valid (an "unknown" is not a failure but is reported). */
  readonly valid: boolean;
}

/** A seed for a run: TESSERA_CHAOS_SEED when set, else a random one. */
export function chaosSeed(env: Record<string, string | undefined> = process.env): number {
  const given = env.TESSERA_CHAOS_SEED;
  if (given !== undefined && given !== "") {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`TESSERA_CHAOS_SEED=${given} is not a non-negative integer`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const peers = options.peers ?? 5;
  log(`chaos seed=${options.seed} (replay: TESSERA_CHAOS_SEED=${options.seed}), ${peers} peers, ${Math.round(options.durationMs / 1000)} s of faults`);
  const reason = chaosUnsupportedReason();
  if (reason) throw new Error(reason);
  const schedule = planSchedule({ seed: options.seed, durationMs: options.durationMs, peers, kinds: options.kinds ?? FAULT_KINDS });
  log(`schedule:\n${formatSchedule(schedule)}`);
  const swept = [...sweepStale(), ...sweepStaleMounts()];
  if (swept.length > 0) log(`swept leftovers of dead runs: ${swept.join(" ")}`);

  const t0 = performance.now();
  const net = ChaosNet.create(peers);
  const cluster = new ChaosCluster({ net, binary: options.binary ?? DEFAULT_BINARY, diskMiB: options.diskMiB });
  const stopWorkloads = new AbortController();
  let running: Promise<unknown> | undefined;
  let invalid = false;
  // Interrupted (Ctrl-C, a CI timeout): remove everything before going.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`chaos run interrupted by ${signal}: removing its peers, disks and namespaces`);
    cluster.killNow();
    net.destroy();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await cluster.start();
    const target = cluster.target();
    const history = new History();
    running = Promise.allSettled(options.workloads.map((workload, i) => workload.run(target, history, options.seed * 16 + i, stopWorkloads.signal)));
    // The faults begin once the workloads are under way (an acknowledged operation).
    await waitFor("a first acknowledged operation", () => history.ops.some((op) => op.outcome === "ok"), { timeoutMs: 30_000, intervalMs: 100 });
    const tStart = performance.now();
    log(`cluster of ${peers} up in ${Math.round(tStart - t0)} ms (${net.peerAddresses.join(" ")}), workloads running`);

    const faults = await runNemesis({ steps: schedule, cluster, net, nowMs: () => history.nowMs(), log });
    const tFaults = performance.now();

    // Heal everything, wait for a leader and every peer alive, then let the workloads finish.
    // A peer that will not start again is a finding, not the end of the run: the checks run on
    // the others, and the report says so.
    net.healAll();
    const healProblems = await cluster.healPeers();
    for (const problem of healProblems) log(`heal: ${problem}`);
    const expectedAlive = Array.from({ length: peers }, (_, i) => i).filter((i) => cluster.isRunning(i)).length;
    await waitFor("a leader and every running peer alive after the heal", async () => {
      if ((await cluster.leader()) === undefined) return false;
      const table = await cluster.admin().peers();
      return table.filter((peer) => peer.state === "alive").length >= expectedAlive;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    // A quiet tail: the workloads run on until a write invoked after the last fault's start is
    // acknowledged (bounded), so that every fault's unavailability has an end.
    const lastStartMs = faults.at(-1)?.startMs ?? 0;
    await waitFor("a write acknowledged after the last fault", () => history.ops.some((op) => op.outcome === "ok" && op.callMs >= lastStartMs && !["read", "get", "job"].includes(op.f)), { timeoutMs: QUIET_TAIL_MS_MAX, intervalMs: 100 }).catch(() => log(`no write acknowledged within ${QUIET_TAIL_MS_MAX} ms of the heal`));
    stopWorkloads.abort();
    await withDeadline(running, 60_000, "the workloads' last operations");
    const tHeal = performance.now();
    log(`healed in ${Math.round(tHeal - tFaults)} ms; ${history.ops.length} operations recorded`);

    measureUnavailability(faults, history.ops);
    const failedSteps = faults.filter((record) => record.error !== undefined);
    const checks: CheckerResult[] = [
      {
        checker: "nemesis",
        valid: failedSteps.length === 0 && healProblems.length === 0,
        summary: failedSteps.length === 0 && healProblems.length === 0 ? `${faults.length} faults injected and healed` : [...failedSteps.map((record) => `${record.step.kind}: ${record.error}`), ...healProblems].join("; ").slice(0, 1_000),
      },
      ...(await options.check(history.ops, target, { fsckBoundMs: options.fsckBoundMs ?? 60_000 })),
    ];
    const tChecks = performance.now();
    const fsckCheck = checks.find((check) => check.checker === "fsck");
    if (fsckCheck?.valid === false) for (const line of await cluster.describeUnhealthy(fsckCheck.anomalies)) log(`fsck: ${line}`);

    invalid = checks.some((check) => check.valid === false);

    const counts: Record<string, WorkloadCounts> = {};
    for (const op of history.ops) {
      const c = (counts[op.workload] ??= { attempted: 0, ok: 0, fail: 0, info: 0 });
      c.attempted++;
      if (op.outcome) c[op.outcome]++;
      else c.info++; // never completed: indeterminate
    }
    return {
      seed: options.seed,
      schedule,
      faults,
      history: history.ops,
      checks,
      counts,
      phasesMs: { start: Math.round(tStart - t0), faults: Math.round(tFaults - tStart), heal: Math.round(tHeal - tFaults), checks: Math.round(tChecks - tHeal), total: Math.round(tChecks - t0) },
      valid: checks.every((check) => check.valid !== false),
    };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    stopWorkloads.abort();
    if (running) await withDeadline(running, 20_000, "the workloads").catch(() => undefined);
    // A failed run says what the peers said (they log warnings and errors; TESSERA_CHAOS_PEER_LOG=info
    // says more), and TESSERA_CHAOS_DEBUG_LOGS=DIR keeps their whole logs, before the folder goes.
    if (invalid) for (let i = 0; i < peers; i++) log(`--- the end of p${i}'s log\n${cluster.logTail(i, 3_000).trimEnd()}`);
    if (process.env.TESSERA_CHAOS_DEBUG_LOGS) cluster.copyLogs(process.env.TESSERA_CHAOS_DEBUG_LOGS);
    await cluster.stop().catch((err: Error) => log(`stopping the cluster: ${err.message}`));
    net.destroy();
  }
}

function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The results as Jepsen reports them: operations, faults by kind, anomalies, unavailability. */
export function formatReport(report: ChaosReport): string {
  const lines: string[] = [];
  const pad = (cells: readonly string[], widths: readonly number[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  lines.push(`seed ${report.seed}; phases: start ${report.phasesMs.start} ms, faults ${report.phasesMs.faults} ms, heal ${report.phasesMs.heal} ms, checks ${report.phasesMs.checks} ms, total ${report.phasesMs.total} ms`);
  lines.push("");
  const faultWidths = [18, 9, 9, 17, 17];
  lines.push(pad(["fault", "injected", "evidenced", "unavail. p50 ms", "unavail. max ms"], faultWidths));
  const kinds = [...new Set(report.faults.map((record) => record.step.kind))].sort();
  for (const kind of kinds) {
    const records = report.faults.filter((record) => record.step.kind === kind);
    const unavailable = records.map((record) => record.unavailableMs).filter((ms): ms is number => ms !== undefined);
    lines.push(pad([kind, String(records.length), String(records.filter((record) => record.evidence).length), String(percentile(unavailable, 50) ?? "-"), String(unavailable.length ? Math.max(...unavailable) : "-")], faultWidths));
  }
  const unavailable = report.faults.map((record) => record.unavailableMs).filter((ms): ms is number => ms !== undefined);
  lines.push(pad(["all", String(report.faults.length), String(report.faults.filter((record) => record.evidence).length), String(percentile(unavailable, 50) ?? "-"), String(unavailable.length ? Math.max(...unavailable) : "-")], faultWidths));
  lines.push("");
  const summary = summarize(report.history, report.checks);
  lines.push(summary.text.trimEnd());
  lines.push(`result: ${report.valid ? "VALID" : "INVALID"}`);
  return lines.join("\n");
}
