// A test hook, not a feature: the chaos harness (test/chaos/) jumps a peer's wall clock the
// way a bad NTP step would. When TESSERA_TEST_CLOCK_FILE names a file, the peer reads a
// millisecond offset from it (re-read every TEST_CLOCK_POLL_MS) and its wall clock, Date.now()
// and `new Date()`, is shifted by it. Monotonic clocks (performance.now, timers) are untouched,
// as they are by a real clock step. Worker threads keep the true time. Without the variable
// nothing changes.
import { readFileSync } from "node:fs";

export const TEST_CLOCK_ENV = "TESSERA_TEST_CLOCK_FILE";
export const TEST_CLOCK_POLL_MS = 200;

let installed = false;

/** Reads the offset from `path`: an integer of milliseconds; a missing or empty file is 0. */
export function readClockOffsetMs(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch {
    return 0;
  }
  const value = Number(text || "0");
  return Number.isFinite(value) ? Math.trunc(value) : 0;
}

/** Installs the hook when the environment asks for it; returns whether it did. */
export function installTestClock(env: Record<string, string | undefined> = process.env): boolean {
  const path = env[TEST_CLOCK_ENV];
  if (!path || installed) return false;
  installed = true;
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  let offsetMs = readClockOffsetMs(path);
  setInterval(() => {
    offsetMs = readClockOffsetMs(path);
  }, TEST_CLOCK_POLL_MS).unref();
  const shifted = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      return args.length === 0 ? Reflect.construct(target, [realNow() + offsetMs], newTarget) : Reflect.construct(target, args, newTarget);
    },
    apply() {
      return new RealDate(realNow() + offsetMs).toString();
    },
    get(target, property, receiver) {
      if (property === "now") return () => realNow() + offsetMs;
      return Reflect.get(target, property, receiver);
    },
  });
  globalThis.Date = shifted;
  return true;
}
