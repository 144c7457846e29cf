// A fake clock for the leader's loops: timers fire only when a test advances time, in the
// order of their deadlines, with the promises they start settled in between, so a test of a
// periodic service states exactly which rounds ran and never sleeps.
import type { TimerSource } from "../../src/master/leader-loop.ts";

interface Timer {
  id: number;
  atMs: number;
  fn: () => void;
}

export class FakeTimers implements TimerSource {
  private nowMsValue = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Timer>();

  nowMs(): number {
    return this.nowMsValue;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, atMs: this.nowMsValue + Math.max(0, ms), fn };
    this.pending.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === "number") this.pending.delete(handle);
  }

  /** Timers waiting to fire. */
  get size(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first, settling promises after each. */
  async advance(ms: number): Promise<void> {
    const until = this.nowMsValue + ms;
    for (;;) {
      const due = [...this.pending.values()].filter((timer) => timer.atMs <= until).sort((a, b) => a.atMs - b.atMs || a.id - b.id)[0];
      if (!due) break;
      this.pending.delete(due.id);
      this.nowMsValue = due.atMs;
      due.fn();
      await settle();
    }
    this.nowMsValue = until;
    await settle();
  }
}

/** Lets every promise that can settle now settle (a few macrotask turns). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
