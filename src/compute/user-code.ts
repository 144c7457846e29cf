// The rules at the edge between the task runner and the job's own code: what an emit must
// look like, and how what the job throws is named. One place, so map, combine and reduce
// report the same mistakes in the same words.
import { RECORD_FIELD_BYTES_MAX } from "./constants.ts";
import { TaskError } from "./errors.ts";

export type JobFunctionName = "map" | "combine" | "reduce";

/** Throws TaskError unless both are strings (a common slip: `emit(word, 1)`). */
export function checkEmitted(key: unknown, value: unknown, fn: JobFunctionName): void {
  if (typeof key !== "string") {
    throw new TaskError(`${fn} emitted a key that is ${describe(key)}; keys and values must be strings (use String() or JSON.stringify())`);
  }
  if (typeof value !== "string") {
    throw new TaskError(`${fn} emitted a value that is ${describe(value)} for key ${quoteKey(key)}; keys and values must be strings (use String() or JSON.stringify())`);
  }
}

/** Throws TaskError when a field is larger than a run file may hold. */
export function checkFieldBytes(fieldBytes: number, field: "key" | "value", fn: JobFunctionName): void {
  if (fieldBytes > RECORD_FIELD_BYTES_MAX) {
    throw new TaskError(`${fn} emitted a ${field} of ${fieldBytes} bytes, more than the limit of ${RECORD_FIELD_BYTES_MAX}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" || type === "undefined" ? (type === "object" ? "an object" : "undefined") : `a ${type}`;
}

/** A key as it appears in a message: quoted, and cut so that a huge key cannot flood a log. */
export function quoteKey(key: string): string {
  return JSON.stringify(key.length <= 100 ? key : `${key.slice(0, 100)}…`);
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

/** ES2024 string methods: Bun has them, this project's TypeScript lib (ES2023) does not. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** The string with each lone surrogate replaced by U+FFFD, as UTF-8 encoding would do. */
export function wellFormed(text: string): string {
  const methods = text as unknown as WellFormedString;
  return methods.isWellFormed() ? text : methods.toWellFormed();
}
