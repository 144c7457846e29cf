// Checker 3, linearizability of each hot key (a register of put, get, delete and create-
// exclusive, through S3 and the file system alike), by the Wing & Gong / Porcupine search of
// test/sim/linearizability.ts. `info` operations may take effect at any time after their call,
// or never (they return at +Infinity); `fail` operations did not happen, except that a
// refusal can say what the key held: a create refused ALREADY_EXISTS saw it present, a delete
// refused NOT_FOUND saw it absent. Gets made after the heal (readback) close each key's history.
import { checkLinearizable, type KvOp } from "../../sim/linearizability.ts";
import type { CheckerResult, HistoryOp } from "../types.ts";

/** A read of a hot key after the heal: its value (null: absent), at time `atMs` of the history. */
export interface FinalRead {
  readonly key: string;
  readonly value: string | null;
  readonly atMs: number;
}

export function kvOpsOf(history: readonly HistoryOp[], finals: readonly FinalRead[] = []): KvOp[] {
  const clients = new Map<string, number>();
  const clientOf = (process: string) => {
    let id = clients.get(process);
    if (id === undefined) clients.set(process, (id = clients.size));
    return id;
  };
  const out: KvOp[] = [];
  for (const op of history) {
    if (op.workload !== "hot-keys" || op.outcome === undefined) continue;
    const unknown = op.outcome === "info";
    const base = { client: clientOf(op.process), key: op.key, call: op.callMs, ret: unknown ? Infinity : (op.retMs ?? Infinity) };
    const code = op.error?.split(":")[0];
    switch (op.f) {
      case "put":
        if (op.outcome !== "fail") out.push({ ...base, kind: "put", value: op.value });
        break;
      case "get":
        if (op.outcome === "ok") out.push({ ...base, kind: "get", output: { value: op.result ?? null } });
        break;
      case "delete":
        if (op.outcome === "ok") out.push({ ...base, kind: "delete", output: { ok: true } });
        else if (unknown) out.push({ ...base, kind: "delete" });
        else if (code === "NOT_FOUND") out.push({ ...base, kind: "delete", output: { ok: false } });
        break;
      case "create":
        if (op.outcome === "ok") out.push({ ...base, kind: "cas", expect: null, value: op.value, output: { ok: true } });
        else if (unknown) out.push({ ...base, kind: "cas", expect: null, value: op.value });
        else if (code === "ALREADY_EXISTS") out.push({ ...base, kind: "cas", expect: null, value: op.value, output: { ok: false } });
        break;
    }
  }
  for (const read of finals) out.push({ client: clientOf("readback"), key: read.key, kind: "get", output: { value: read.value }, call: read.atMs, ret: read.atMs });
  return out;
}

export function checkHotKeysLinearizable(history: readonly HistoryOp[], finals: readonly FinalRead[] = [], maxSteps?: number): CheckerResult {
  const ops = kvOpsOf(history, finals);
  const keys = new Set(ops.map((op) => op.key)).size;
  const result = checkLinearizable(ops, maxSteps);
  if (result.ok === true) {
    return { checker: "linearizable", valid: true, summary: `${ops.length} operations on ${keys} hot keys: linearizable (${result.searchSteps} search steps)`, counts: { ops: ops.length, keys, nonLinearizableKeys: 0 } };
  }
  if (result.ok === "unknown") {
    return { checker: "linearizable", valid: "unknown", summary: `${ops.length} operations on ${keys} hot keys: undecided, the search bound was reached on key ${result.key}`, counts: { ops: ops.length, keys, nonLinearizableKeys: 0 } };
  }
  // The shortest window of the key's history that is already not linearizable, for the report.
  const bad = result.ops.slice().sort((a, b) => a.call - b.call);
  return {
    checker: "linearizable",
    valid: false,
    summary: `${ops.length} operations on ${keys} hot keys: NOT linearizable on key ${result.key} (${bad.length} operations on it)`,
    anomalies: [{ key: result.key, ops: bad.slice(0, 20) }],
    counts: { ops: ops.length, keys, nonLinearizableKeys: 1 },
  };
}
