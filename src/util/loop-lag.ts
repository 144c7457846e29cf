// How late this process's event loop runs: a timer every LOOP_LAG_PROBE_MS, its lateness
// remembered. While the loop runs late, every timer (Raft's ticks, the heartbeats) and every
// message (Raft's appends and votes) waits as long; admission (admission.ts) refuses new
// client work then, so the backlog shrinks instead of growing behind them.
/** The probe's period. */
export const LOOP_LAG_PROBE_MS = 20;
/** A probe later than this marks the loop busy: a fifth of Raft's 500 ms election timeout. */
export const LOOP_LAG_BUSY_MS = 100;
/** A loop found late stays busy this long after: long enough for the backlog to clear. */
export const LOOP_LAG_HOLD_MS = 250;

export class LoopLag {
  private timer?: ReturnType<typeof setTimeout>;
  private dueMs = 0;
  private lateAtMs = -Infinity;
  private lastLateMs = 0;
  /** Probes later than LOOP_LAG_BUSY_MS so far (a figure for metrics and the bench). */
  busyProbes = 0;

  constructor(private readonly nowMs: () => number = () => performance.now()) {}

  start(): void {
    const probe = () => {
      const now = this.nowMs();
      this.observe(now - this.dueMs, now);
      this.dueMs = now + LOOP_LAG_PROBE_MS;
      this.timer = setTimeout(probe, LOOP_LAG_PROBE_MS);
    };
    this.dueMs = this.nowMs() + LOOP_LAG_PROBE_MS;
    this.timer = setTimeout(probe, LOOP_LAG_PROBE_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** A probe ran `lateMs` late at `nowMs` (the timer's own path; tests call it directly). */
  observe(lateMs: number, nowMs: number): void {
    if (lateMs <= LOOP_LAG_BUSY_MS) return;
    this.busyProbes += 1;
    this.lateAtMs = nowMs;
    this.lastLateMs = lateMs;
  }

  /** Why the loop counts as busy now, in words for a refusal, or undefined. */
  busyReason(nowMs = this.nowMs()): string | undefined {
    if (nowMs - this.lateAtMs >= LOOP_LAG_HOLD_MS) return undefined;
    return `its event loop ran ${Math.round(this.lastLateMs)} ms late ${Math.round(nowMs - this.lateAtMs)} ms ago`;
  }
}
