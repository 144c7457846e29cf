// The chaos run's history (issue 18): every client operation as invoked and as completed, in
// Jepsen's terms (ok: it took effect; fail: it certainly did not; info: nobody can tell), and
// the known content every write carries, so that a checker can tell the bytes of one write
// from any other's and from bytes never written.
import { createHash } from "node:crypto";
import type { HistoryOp, Outcome } from "./types.ts";
import type { HistoryRecorder } from "./workloads/index.ts";
import { codeOf } from "../../src/protocol/errors.ts";
import { concat } from "uint8arrays/concat";

export class History implements HistoryRecorder {
  private readonly list: HistoryOp[] = [];
  private readonly startMs: number;

  constructor(startMs: number = performance.now()) {
    this.startMs = startMs;
  }

  get ops(): readonly HistoryOp[] {
    return this.list;
  }

  nowMs(): number {
    return Math.round((performance.now() - this.startMs) * 1000) / 1000;
  }

  invoke(op: Omit<HistoryOp, "id" | "callMs">): HistoryOp {
    const recorded: HistoryOp = { ...op, id: this.list.length, callMs: this.nowMs() };
    this.list.push(recorded);
    return recorded;
  }

  complete(op: HistoryOp, outcome: Outcome, fields: { result?: string | null; error?: string } = {}): void {
    if (op.outcome !== undefined) throw new Error(`operation ${op.id} completed twice (${op.outcome}, then ${outcome})`);
    op.retMs = this.nowMs();
    op.outcome = outcome;
    if (fields.result !== undefined) op.result = fields.result;
    if (fields.error !== undefined) op.error = fields.error;
  }
}

// --- known content -------------------------------------------------------------------------

/**
 * The bytes a value stands for. A value is `<name>#<size>`: the bytes are lines
 * `<name>@<offset>\n` cut to `size`, so every byte says which write put it there and where,
 * and no two values share bytes at the same offset. A value without `#` is its own text.
 */
export function contentOf(value: string): Uint8Array {
  const hash = value.lastIndexOf("#");
  const size = hash >= 0 ? Number(value.slice(hash + 1)) : NaN;
  if (!Number.isInteger(size) || size < 0) return new TextEncoder().encode(value);
  const name = value.slice(0, hash);
  const out = new Uint8Array(size);
  const encoder = new TextEncoder();
  let offset = 0;
  while (offset < size) {
    const line = encoder.encode(`${name}@${offset}\n`);
    const n = Math.min(line.length, size - offset);
    out.set(line.subarray(0, n), offset);
    offset += n;
  }
  return out;
}

/** The value `contentOf` turns into these bytes, if any (only values with a `#` size). */
export function valueOf(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  const head = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 200)));
  const at = head.indexOf("@0\n");
  const name = at >= 0 ? head.slice(0, at) : head.indexOf("@") >= 0 ? head.slice(0, head.indexOf("@")) : undefined;
  if (name === undefined) return undefined;
  const value = `${name}#${bytes.length}`;
  return equalBytes(contentOf(value), bytes) ? value : undefined;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** How a read's bytes go into a history: `sha256:<hex>:<length>` (a file's bytes can be large). */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}:${bytes.length}`;
}

/** Bytes of `parts` one after the other (uint8arrays' concat). */
export const concatBytes = (parts: readonly Uint8Array[]): Uint8Array => concat([...parts]);

// --- outcomes of errors --------------------------------------------------------------------

/**
 * Codes that say the operation certainly did not take effect: the cluster refused it on its
 * merits. Everything else (timeouts, unreachable peers, no leader, codes this list does not
 * name) is `info`: the operation may have happened.
 */
export const CERTAIN_FAILURE_CODES: ReadonlySet<string> = new Set([
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "INVALID",
  "INVALID_PATH",
  "NOT_A_DIRECTORY",
  "NOT_A_FILE",
  "NOT_EMPTY",
  "LEASE_HELD",
  "FILE_CLOSED",
  // S3's refusals (the gateway's XML Error codes), certain by the protocol.
  "NoSuchKey",
  "NoSuchBucket",
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidArgument",
]);

/** The error's code as the client saw it: a Tessera WireError code, an S3 error name, or INTERNAL. */
export function errorCodeOf(err: unknown): string {
  if (err instanceof OpTimeoutError) return "TIMEOUT";
  const code = codeOf(err);
  if (code !== "INTERNAL") return code;
  const named = (err as { Code?: unknown; code?: unknown; name?: unknown } | undefined) ?? {};
  if (typeof named.Code === "string") return named.Code;
  // Node's and Bun's socket errors (ECONNREFUSED, ECONNRESET, ...).
  if (typeof named.code === "string" && /^[A-Z_]+$/.test(named.code)) return named.code;
  if (typeof named.name === "string" && named.name !== "Error") return named.name;
  return "INTERNAL";
}

export function outcomeOfError(err: unknown): { outcome: "fail" | "info"; error: string } {
  const code = errorCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return { outcome: CERTAIN_FAILURE_CODES.has(code) ? "fail" : "info", error: `${code}: ${message.slice(0, 300)}` };
}

export class OpTimeoutError extends Error {
  override name = "OpTimeoutError";
}

/** `work` bounded by `timeoutMs`: past it, an OpTimeoutError (the work may still take effect later). */
export async function withTimeout<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new OpTimeoutError(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const running = work(controller.signal);
  running.catch(() => undefined);
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Records one operation: invoke, run it within `timeoutMs`, complete ok with what `run`
 * answers, or fail/info by the error. Answers the completed op.
 */
export async function recordOp(
  history: HistoryRecorder,
  op: Omit<HistoryOp, "id" | "callMs">,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<{ result?: string | null } | void>,
  classify: (err: unknown) => { outcome: "ok" | "fail" | "info"; error?: string; result?: string | null } | undefined = () => undefined,
): Promise<HistoryOp> {
  const recorded = history.invoke(op);
  try {
    const answer = await withTimeout(timeoutMs, run);
    history.complete(recorded, "ok", answer && answer.result !== undefined ? { result: answer.result } : {});
  } catch (err) {
    const special = classify(err);
    if (special) history.complete(recorded, special.outcome, { ...(special.result !== undefined ? { result: special.result } : {}), ...(special.error !== undefined ? { error: special.error } : {}) });
    else {
      const { outcome, error } = outcomeOfError(err);
      history.complete(recorded, outcome, { error });
    }
  }
  return recorded;
}
