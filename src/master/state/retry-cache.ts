// The retry cache: HDFS's NameNode RetryCache, kept in the replicated state. A client that
// lost the answer to a call asks again with the same client id and call id; the outcome of
// the first attempt (its result, or its error's code and message) was recorded under them by
// apply, in the same transaction as the command's changes, so every master has it after a
// failover and snapshots carry it. A command of a call already recorded does not run again:
// it gets the recorded outcome (Raft dissertation §6.3, "Implementing linearizable
// semantics"), which is what makes a retry safe even when the first attempt was still in the
// log when the retry was proposed.
//
// Bounded twice, deterministically on every master (the clock is the leader's, written into
// the command as Call.nowMs):
//   - by time: a record lives RETRY_CACHE_TTL_MS from the call's nowMs (HDFS's default,
//     dfs.namenode.retrycache.expirytime.millis, is 10 minutes). A client retries within its
//     deadline (15 s by default, src/client/meta-call.ts), so ten minutes cover a retry after
//     elections, a paused process and a slow client by far.
//   - by count: at most RETRY_CACHE_ENTRIES_MAX records (HDFS: a share of the heap); the
//     oldest go first. At the target rate of 4,000 state-changing calls per second this
//     still keeps the last ~33 s of calls, twice a client's whole default deadline, and a
//     record takes ~240 bytes of database (measured: ids, outcome and the lookup index), so
//     the table stays under ~32 MiB in the database and in every snapshot.
// Expired records are dropped a few at a time, oldest first, by the calls that record new
// ones, so no apply pays for a large sweep. Oldest is by sequence: after a failover to a
// leader whose clock is behind, a record may outlive its time by that skew, never the count.
import { WireError, isErrorCode, type ErrorCode } from "../../protocol/errors.ts";
import type { Call } from "../../protocol/pb/log.ts";
import { assert } from "../../util/assert.ts";
import { InvalidArgumentError } from "./errors.ts";
import { validateClientId, validateTimeMs } from "./limits.ts";
import type { Statements } from "./namespace-schema.ts";
import { LOG_COMMAND_KINDS, type LogCommandKind } from "./log-command.ts";

export const RETRY_CACHE_TTL_MS = 10 * 60 * 1000;
export const RETRY_CACHE_ENTRIES_MAX = 131_072;
/**
 * Records a recorded call looks at for expiry, oldest first, and removes when expired. More
 * than one, so the table shrinks back after a burst when the rate falls; few, so one apply
 * stays a handful of row deletes (about 1 µs when none is due).
 */
export const RETRY_CACHE_EXPIRED_PER_CALL_MAX = 8;

export interface RetryCacheBounds {
  ttlMs: number;
  entriesMax: number;
}

export const RETRY_CACHE_BOUNDS_DEFAULT: RetryCacheBounds = { ttlMs: RETRY_CACHE_TTL_MS, entriesMax: RETRY_CACHE_ENTRIES_MAX };

/** What the first attempt of a call got: the command's kind, and its result or its refusal. */
export type CallOutcome = { kind: LogCommandKind } & ({ ok: true; value: unknown } | { ok: false; code: ErrorCode; message: string });

/**
 * The result of a command whose call was recorded before: `value` is what the first attempt
 * returned. The proposer (src/master/rpc/at-most-once.ts) sees that its answer is a replay.
 */
export class ReplayedCall {
  constructor(readonly value: unknown) {}
}

/** A retried call whose first attempt was refused: the same code and message again. */
export class RetriedCallError extends WireError {
  override name = "RetriedCallError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A call's key as a command carries it: checked on every master, so a bad one fails alike. */
export function validateCall(call: Call): Call {
  validateClientId(call.clientId);
  if (!Number.isSafeInteger(call.callId) || call.callId < 1) throw new InvalidArgumentError(`a call id is a positive integer, not ${call.callId}.`);
  validateTimeMs("the call's nowMs", call.nowMs);
  return call;
}

/** The recorded outcome of a call, or undefined. A record past its expiry that is not yet dropped still counts. */
export function recordedOutcome(s: Statements, clientId: string, callId: number): CallOutcome | undefined {
  const row = s.retryGet.get(clientId, callId);
  return row ? decodeOutcome(row.outcome) : undefined;
}

/**
 * The recorded outcome as the result of a command of `kind` carrying the same call: the first
 * value again, or the first refusal thrown again. A call id names one call: a command of
 * another kind under it is refused, and the record stays the first call's.
 */
export function replay(outcome: CallOutcome, kind: LogCommandKind, call: Call): ReplayedCall {
  if (outcome.kind !== kind) throw new InvalidArgumentError(`call ${call.callId} of client ${call.clientId} was a ${outcome.kind}, not a ${kind}: a call id names one call.`);
  if (!outcome.ok) throw new RetriedCallError(outcome.code, outcome.message);
  return new ReplayedCall(outcome.value);
}

/** Records a call's outcome (the call has no record yet), then keeps the table within its bounds. */
export function recordOutcome(s: Statements, call: Call, outcome: CallOutcome, bounds: RetryCacheBounds): void {
  const seq = Number(s.retryInsert.run(call.clientId, call.callId, call.nowMs + bounds.ttlMs, encodeOutcome(outcome)).lastInsertRowid);
  assert(Number.isSafeInteger(seq) && seq >= 1, "a retry record has a sequence number");
  // Sequence numbers grow by one per record (the rowid after the largest): keeping only the
  // last entriesMax of them keeps at most entriesMax records, whatever expiry removed between.
  s.retryDropThrough.run(seq - bounds.entriesMax);
  s.retryExpire.run(RETRY_CACHE_EXPIRED_PER_CALL_MAX, call.nowMs);
}

/** The outcome of a command of `kind` as recorded: a WireError is its refusal (anything else stops apply). */
export function outcomeOf(kind: LogCommandKind, result: { ok: true; value: unknown } | { ok: false; error: WireError }): CallOutcome {
  return result.ok ? { kind, ok: true, value: result.value } : { kind, ok: false, code: result.error.code, message: result.error.message };
}

// JSON: command results are plain objects of numbers, strings and arrays, and the same result
// gives the same text on every master.
function encodeOutcome(outcome: CallOutcome): string {
  return outcome.ok ? JSON.stringify({ kind: outcome.kind, value: outcome.value ?? null }) : JSON.stringify({ kind: outcome.kind, code: outcome.code, message: outcome.message });
}

function decodeOutcome(text: string): CallOutcome {
  const parsed = JSON.parse(text) as { kind?: string; value?: unknown; code?: string; message?: string };
  const kind = LOG_COMMAND_KINDS.find((candidate) => candidate === parsed.kind);
  assert(kind !== undefined, `a retry record names the kind of its command, not ${parsed.kind}`);
  if (parsed.code === undefined) return { kind, ok: true, value: parsed.value };
  assert(isErrorCode(parsed.code) && typeof parsed.message === "string", "a recorded refusal has a code of the vocabulary and a message");
  return { kind, ok: false, code: parsed.code, message: parsed.message };
}
