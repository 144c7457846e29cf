// The nemesis's schedule (issue 18): pure data drawn from a seed, so that a seed printed by a
// failed run replays the same faults. Faults come one at a time, each followed by a quiet gap
// in which the cluster settles: no two faults overlap, so none takes away a majority of the
// voters for longer than its own step says (a kill and a partition of the leader at once
// would). The first round injects every kind once, in a seeded order, squeezed into the run's
// duration when it is short (the CI run); afterwards kinds are drawn at random until the
// duration is used up (the long benchmark run).
import { mulberry32 } from "../sim/prng.ts";
import { FAULT_KINDS, type FaultKind, type FaultStep, type FaultTarget } from "./types.ts";

/** The quiet time between one fault's heal and the next fault's start. */
export const GAP_MS_MIN = 3_000;
export const GAP_MS_MAX = 10_000;

/** How long each kind lasts: at least min (so it has an effect), at most max. */
export const FAULT_DURATION_MS: Readonly<Record<FaultKind, { readonly min: number; readonly max: number }>> = {
  kill: { min: 2_000, max: 10_000 },
  "kill-leader": { min: 2_000, max: 10_000 },
  pause: { min: 1_000, max: 20_000 },
  // Longer than an election (a few heartbeats of silence): the leader must lose its place.
  "partition-leader": { min: 4_000, max: 15_000 },
  "partition-halves": { min: 4_000, max: 15_000 },
  "partition-one-way": { min: 4_000, max: 15_000 },
  "net-loss": { min: 3_000, max: 20_000 },
  "net-delay": { min: 3_000, max: 20_000 },
  "disk-full": { min: 3_000, max: 15_000 },
  "clock-jump": { min: 3_000, max: 15_000 },
};

export interface ScheduleOptions {
  readonly seed: number;
  /** The fault phase's length: every step starts and heals within it. */
  readonly durationMs: number;
  readonly peers: number;
  /** The kinds to draw from (default every kind). */
  readonly kinds?: readonly FaultKind[];
}

/** A seeded generator (the Raft simulation's mulberry32), good enough to pick faults. */
export const seededRandom = mulberry32;

export function planSchedule(options: ScheduleOptions): FaultStep[] {
  const kinds = [...(options.kinds ?? FAULT_KINDS)];
  if (options.peers < 3) throw new Error("the nemesis needs at least 3 peers");
  const random = seededRandom(options.seed);
  const between = (min: number, max: number) => Math.round(min + random() * Math.max(0, max - min));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const steps: FaultStep[] = [];

  // Round one: every kind once, in a seeded order, each in a slot of the duration.
  const order = [...kinds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const slotMs = Math.min(Math.floor(options.durationMs / Math.max(1, order.length)), GAP_MS_MAX + Math.max(...order.map((kind) => FAULT_DURATION_MS[kind].max)));
  let atMs = 0;
  for (const kind of order) {
    const range = FAULT_DURATION_MS[kind];
    const roomMs = Math.min(range.max, slotMs - GAP_MS_MIN);
    if (roomMs < range.min || atMs + range.min + GAP_MS_MIN > options.durationMs) continue; // the run is too short for this kind
    const durationMs = between(range.min, roomMs);
    steps.push(drawStep(kind, atMs, durationMs, options.peers, random, pick, between));
    atMs += Math.max(slotMs, durationMs + GAP_MS_MIN);
  }
  // Then kinds at random until the time is used up.
  for (;;) {
    const kind = pick(kinds);
    const range = FAULT_DURATION_MS[kind];
    const gapMs = between(GAP_MS_MIN, GAP_MS_MAX);
    const durationMs = between(range.min, range.max);
    if (atMs + durationMs + gapMs > options.durationMs) break;
    steps.push(drawStep(kind, atMs, durationMs, options.peers, random, pick, between));
    atMs += durationMs + gapMs;
  }
  return steps;
}

function drawStep(
  kind: FaultKind,
  atMs: number,
  durationMs: number,
  peers: number,
  random: () => number,
  pick: <T>(items: readonly T[]) => T,
  between: (min: number, max: number) => number,
): FaultStep {
  const all = Array.from({ length: peers }, (_, i) => i);
  const anyPeer = (): FaultTarget => ({ peer: pick(all) });
  const peerOrLeader = (): FaultTarget => (random() < 0.5 ? "leader" : anyPeer());
  switch (kind) {
    case "kill":
      return { atMs, kind, targets: [anyPeer()], durationMs };
    case "kill-leader":
    case "partition-leader":
      return { atMs, kind, targets: ["leader"], durationMs };
    case "pause":
    case "partition-one-way":
    case "disk-full":
      return { atMs, kind, targets: [peerOrLeader()], durationMs };
    case "partition-halves": {
      // The minority: fewer than half, drawn without repeats.
      const minority = [...all];
      for (let i = minority.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [minority[i], minority[j]] = [minority[j]!, minority[i]!];
      }
      return { atMs, kind, targets: minority.slice(0, Math.floor((peers - 1) / 2)).map((peer) => ({ peer })), durationMs };
    }
    case "net-loss":
      return { atMs, kind, targets: [], durationMs, params: { lossPercent: between(5, 30) } };
    case "net-delay":
      return { atMs, kind, targets: [], durationMs, params: { delayMs: between(50, 500) } };
    case "clock-jump": {
      const magnitudeMs = between(30_000, 600_000);
      return { atMs, kind, targets: [peerOrLeader()], durationMs, params: { clockOffsetMs: random() < 0.5 ? -magnitudeMs : magnitudeMs } };
    }
  }
}

function targetText(target: FaultTarget): string {
  return target === "leader" ? "leader" : `p${target.peer}`;
}

/** One compact line per step: `+12.0s kill-leader leader for 4.2s`. */
export function formatStep(step: FaultStep): string {
  const params = step.params
    ? Object.entries(step.params)
        .map(([key, value]) => `${key}=${value}`)
        .join(" ")
    : "";
  const targets = step.targets.length > 0 ? step.targets.map(targetText).join(",") : "all";
  return `+${(step.atMs / 1000).toFixed(1)}s ${step.kind} ${targets} for ${(step.durationMs / 1000).toFixed(1)}s${params ? ` ${params}` : ""}`;
}

export function formatSchedule(steps: readonly FaultStep[]): string {
  return steps.map(formatStep).join("\n");
}
