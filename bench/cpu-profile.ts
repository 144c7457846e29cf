// Reading `bun --cpu-prof` profiles into buckets of self time, for the benches that break a
// process's CPU per operation down (bench/meta-profile.ts, bench/mount-profile.ts).

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber?: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

/** One busy sample: its bucket, its frame's key ("<function> <url>", or a native frame's caller's), its self time. */
export interface BusySample {
  bucket: string;
  key: string;
  us: number;
}

/**
 * The busy samples of `profile` within [fromUs, toUs] of its clock (all when absent), each put
 * in the first of `buckets` whose pattern matches its key ("other" when none, "garbage
 * collector" for the collector); idle and program samples are left out.
 */
export function busySamples(profile: CpuProfile, buckets: ReadonlyArray<[string, RegExp]>, window?: { fromUs: number; toUs: number }): BusySample[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (id: number): string => {
    const frame = byId.get(id)!.callFrame;
    if (frame.url) return `${frame.functionName} ${frame.url}`;
    for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
      const caller = byId.get(up)!.callFrame;
      if (caller.url) return `${frame.functionName} <- ${caller.functionName} ${caller.url}`;
    }
    return frame.functionName;
  };
  // A sample's delta is the time since the previous one; a long gap is the process asleep.
  const sorted = [...profile.timeDeltas].sort((a, b) => a - b);
  const capUs = (sorted[Math.floor(sorted.length / 2)] ?? 0) * 3;
  const samples: BusySample[] = [];
  let clockUs = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    clockUs += profile.timeDeltas[i] ?? 0;
    if (window && (clockUs < window.fromUs || clockUs > window.toUs)) continue;
    const frame = byId.get(profile.samples[i]!)!.callFrame;
    if (/^\((idle|program)\)$/.test(frame.functionName)) continue;
    const key = keyOf(profile.samples[i]!);
    const bucket = frame.functionName === "(garbage collector)" ? "garbage collector" : (buckets.find(([, pattern]) => pattern.test(key))?.[0] ?? "other");
    samples.push({ bucket, key, us: Math.min(profile.timeDeltas[i] ?? 0, capUs) });
  }
  return samples;
}
