// The operator's maintenance verbs, carried out by the leader: balance replicas across the
// chunk servers, decommission a peer, and (for chunk servers) report a corrupt replica.
// Plain-JSON results: the CLI and the embedding API show the same.
import { FsError } from "./fs.ts";
import type { MetaCall } from "../protocol/meta.ts";
import { BALANCE_THRESHOLD_PCT_MAX, BALANCE_THRESHOLD_PCT_MIN } from "../protocol/limits.ts";
import { balanceSummaryView, decommissionStatusView, type BalanceSummary, type DecommissionStatus } from "../protocol/views.ts";

/** A whole balance: every request's moves added up, the spread before the first and after the last. */
export interface BalanceRun extends BalanceSummary {
  requests: number;
}

export class MaintenanceClient {
  constructor(private readonly call: MetaCall) {}

  /** One balance request: the leader moves replicas for a few seconds at most and says what it did. */
  async balanceOnce(thresholdPct: number): Promise<BalanceSummary> {
    checkThreshold(thresholdPct);
    return balanceSummaryView(await this.call("balance", { thresholdPct }));
  }

  /** Balances until every peer is within the threshold, no move is left, or the deadline passes. */
  async balance(thresholdPct: number, options: { deadlineMs: number; onProgress?(step: BalanceSummary): void }): Promise<BalanceRun> {
    checkThreshold(thresholdPct);
    const deadline = performance.now() + options.deadlineMs;
    let run: BalanceRun | undefined;
    for (;;) {
      const step = await this.balanceOnce(thresholdPct);
      options.onProgress?.(step);
      run = run
        ? { ...run, moves: run.moves + step.moves, bytesMoved: run.bytesMoved + step.bytesMoved, balanced: step.balanced, stoppedBy: step.stoppedBy, after: step.after, requests: run.requests + 1 }
        : { ...step, requests: 1 };
      if (step.stoppedBy !== "time" || performance.now() >= deadline) return run;
    }
  }

  /** Starts decommissioning `peer` (idempotent); UNKNOWN_PEER when no such peer is known. */
  async decommission(peer: string): Promise<DecommissionStatus> {
    return decommissionStatusView(await this.call("decommission", { peer }));
  }

  async decommissionStatus(peer: string): Promise<DecommissionStatus> {
    return decommissionStatusView(await this.call("decommissionStatus", { peer }));
  }

  /** Tells the leader that `peer`'s replica of a chunk failed its checksums (GFS §5.2). */
  async reportBadReplica(chunkId: string, peer: string): Promise<void> {
    await this.call("reportBadReplica", { chunkId, peer });
  }
}

function checkThreshold(thresholdPct: number): void {
  if (!Number.isFinite(thresholdPct) || thresholdPct < BALANCE_THRESHOLD_PCT_MIN || thresholdPct > BALANCE_THRESHOLD_PCT_MAX) {
    throw new FsError("INVALID", `the balance threshold must be a percentage from ${BALANCE_THRESHOLD_PCT_MIN} to ${BALANCE_THRESHOLD_PCT_MAX}, not ${thresholdPct}`);
  }
}
