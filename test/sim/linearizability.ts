// A linearizability checker for key-value histories (Wing & Gong's search with Lowe's
// memoization, as in Porcupine): a history is linearizable when every operation can be
// placed at one instant between its call and its return so that the sequence obeys a
// single-register model. Keys are independent (P-compositionality: a history is
// linearizable iff each key's sub-history is), so each key is searched on its own.
//
// Operations whose outcome is unknown (the client timed out) return at +Infinity: they may
// take effect at any point after their call, including "never" (linearized last).
//
// Kinds: put and get; cas (compare-and-set; with expect null it is a create-exclusive, whose
// refusal says the key existed); delete (the key becomes absent; a delete answered "not found",
// output.ok false, says the key was absent, as the chaos run's namespace history needs).

export interface KvOp {
  readonly client: number;
  readonly key: string;
  readonly kind: "put" | "get" | "cas" | "delete";
  readonly value?: string;
  readonly expect?: string | null;
  /** get: value read; cas: whether it swapped; delete: false when it found nothing. Undefined when the outcome is unknown. */
  output?: { value?: string | null; ok?: boolean };
  readonly call: number;
  ret: number;
}

export type CheckResult = { ok: true; searchSteps: number } | { ok: false; key: string; ops: KvOp[] } | { ok: "unknown"; key: string };

/** Search steps per key at most; over it the answer is "unknown" (never a false failure). */
export const LINEARIZABILITY_STEPS_MAX = 200_000;

type State = string | null;

function stepModel(state: State, op: KvOp): { ok: boolean; next: State } {
  switch (op.kind) {
    case "put":
      return { ok: true, next: op.value ?? null };
    case "get":
      return { ok: op.output !== undefined && op.output.value === state, next: state };
    case "cas": {
      const matches = state === (op.expect ?? null);
      if (op.output === undefined) return { ok: true, next: matches ? (op.value ?? null) : state };
      if (op.output.ok) return { ok: matches, next: matches ? (op.value ?? null) : state };
      return { ok: !matches, next: state };
    }
    case "delete":
      if (op.output?.ok === false) return { ok: state === null, next: null };
      return { ok: true, next: null };
  }
}

interface Node {
  op: number;
  isCall: boolean;
  match: Node | undefined;
  prev: Node | undefined;
  next: Node | undefined;
}

function checkKey(ops: KvOp[], maxSteps: number): { ok: boolean | "unknown"; steps: number } {
  const n = ops.length;
  if (n === 0) return { ok: true, steps: 0 };
  const events: { t: number; op: number; isCall: boolean }[] = [];
  ops.forEach((o, i) => {
    events.push({ t: o.call, op: i, isCall: true });
    events.push({ t: o.ret, op: i, isCall: false });
  });
  // Calls sort before returns at equal times (only +Infinity returns can tie).
  events.sort((a, b) => a.t - b.t || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Node = { op: -1, isCall: false, match: undefined, prev: undefined, next: undefined };
  let tail = head;
  const callNode: Node[] = new Array(n);
  for (const ev of events) {
    const node: Node = { op: ev.op, isCall: ev.isCall, match: undefined, prev: tail, next: undefined };
    tail.next = node;
    tail = node;
    if (ev.isCall) callNode[ev.op] = node;
    else callNode[ev.op].match = node;
  }
  const words = Math.ceil(n / 32);
  const bits = new Uint32Array(words);
  const cache = new Set<string>();
  const stack: { node: Node; state: State }[] = [];
  let state: State = null;
  let entry = head.next;
  let steps = 0;

  const lift = (e: Node) => {
    e.prev!.next = e.next;
    e.next!.prev = e.prev;
    const m = e.match!;
    m.prev!.next = m.next;
    if (m.next) m.next.prev = m.prev;
  };
  const unlift = (e: Node) => {
    const m = e.match!;
    m.prev!.next = m;
    if (m.next) m.next.prev = m;
    e.prev!.next = e;
    e.next!.prev = e;
  };

  while (head.next !== undefined) {
    if (++steps > maxSteps) return { ok: "unknown", steps };
    if (entry === undefined) return { ok: false, steps };
    if (entry.isCall) {
      const op = ops[entry.op];
      const r = stepModel(state, op);
      if (r.ok) {
        bits[entry.op >>> 5] |= 1 << (entry.op & 31);
        const key = `${bits.join(",")}|${r.next === null ? "\u0000" : r.next}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ node: entry, state });
          state = r.next;
          lift(entry);
          entry = head.next;
          continue;
        }
        bits[entry.op >>> 5] &= ~(1 << (entry.op & 31));
      }
      entry = entry.next;
    } else {
      // A return whose call could not be linearized before it: backtrack.
      const top = stack.pop();
      if (!top) return { ok: false, steps };
      state = top.state;
      bits[top.node.op >>> 5] &= ~(1 << (top.node.op & 31));
      unlift(top.node);
      entry = top.node.next;
    }
  }
  return { ok: true, steps };
}

export function checkLinearizable(ops: readonly KvOp[], maxSteps = LINEARIZABILITY_STEPS_MAX): CheckResult {
  const byKey = new Map<string, KvOp[]>();
  for (const o of ops) {
    let l = byKey.get(o.key);
    if (!l) byKey.set(o.key, (l = []));
    l.push(o);
  }
  let total = 0;
  for (const [key, list] of byKey) {
    const r = checkKey(list, maxSteps);
    total += r.steps;
    if (r.ok === "unknown") return { ok: "unknown", key };
    if (!r.ok) return { ok: false, key, ops: list };
  }
  return { ok: true, searchSteps: total };
}
