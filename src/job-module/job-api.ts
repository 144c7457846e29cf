// The public job API (DESIGN.md "MapReduce"): what a job module imports as `from "tessera"`.
//
// This file imports nothing, on purpose: bundle.ts embeds its text and hands it to the bundler
// as the module "tessera", so every job bundle carries its own copy and loads anywhere — in a
// worker thread, in a compiled binary (where no src/ folder exists on disk) — with no
// unresolved import. Keep it self-contained and small.
//
// Keys and values are strings; a job that needs structure JSON.stringifies it. Keys are
// ordered by JavaScript's `<` on strings (UTF-16 code units) everywhere: in map-side sorts,
// merges and reduce grouping alike.

/** Hands one (key, value) pair on. Both must be strings. */
export type Emit = (key: string, value: string) => void;

/**
 * What a job's functions know of their job, as Hadoop's Context and Configuration: the
 * parameters given with `--param key=value` (or SubmitOptions.params). A job module is bundled
 * where it is submitted and runs on other peers, so this, not the environment, is how a run's
 * settings (a grep pattern, a threshold) reach the code.
 */
export interface JobContext {
  /** Every parameter, by name. */
  readonly params: Readonly<Record<string, string>>;
  /** The value of parameter `key`, or `fallback` when the job was given none. */
  param(key: string): string | undefined;
  param(key: string, fallback: string): string;
}

/** The context of a job run with `params` (the worker builds one per task). */
export function jobContext(params: Readonly<Record<string, string>> = {}): JobContext {
  const frozen = Object.freeze({ ...params });
  function param(key: string): string | undefined;
  function param(key: string, fallback: string): string;
  function param(key: string, fallback?: string): string | undefined {
    return Object.hasOwn(frozen, key) ? frozen[key] : fallback;
  }
  return { params: frozen, param };
}

/**
 * How a map task reads its input:
 * - "lines" (default): one map call per line; the key is the line's byte offset in the file
 *   (a decimal string), the value the line without its "\n" (and without a trailing "\r").
 *   A line belongs to the chunk where it starts; one starting exactly at a chunk's first byte
 *   belongs to the chunk before (Hadoop's LineRecordReader rule).
 * - "whole-file": one map call per file; the key is the file's path, the value its text.
 */
export type InputFormat = "lines" | "whole-file";

export interface JobDefinition {
  /** `context` (every function's last argument) holds the job's parameters. */
  map(key: string, value: string, emit: Emit, context: JobContext): void | Promise<void>;
  /**
   * Called once per distinct key, in key order, with all of its values. `values` is an async
   * iterable (`for await (const value of values)`) because the values of one key may be far
   * more than memory holds: they are streamed from a merge of sorted files. It can be
   * iterated once, and only during this call.
   */
  reduce(key: string, values: AsyncIterable<string>, emit: Emit, context: JobContext): void | Promise<void>;
  /**
   * Optional local pre-reduce on the map side, applied to each sorted spill and again when
   * spills are merged, so it may run zero, one or several times per value: it must be
   * associative and commutative like a reduce, and it must emit only the key it was given.
   */
  combine?(key: string, values: AsyncIterable<string>, emit: Emit, context: JobContext): void | Promise<void>;
  /**
   * Which reducer a key goes to, in [0, reducers). Must be deterministic: every map task on
   * every peer must send a key to the same reducer. Default: defaultPartition.
   */
  partition?(key: string, reducers: number): number;
  /**
   * Optional: called once per map task after its last record (Hadoop's Mapper.cleanup). A map
   * that aggregates in memory across records ("in-mapper combining") emits its totals here.
   * Module state outlives the task: a task thread stays warm for the job's next task on its
   * slot (as static fields do under Hadoop's JVM reuse), so a map that keeps state between
   * records clears it here.
   */
  mapEnd?(emit: Emit, context: JobContext): void | Promise<void>;
  input?: InputFormat;
}

/** A job module or definition that is not of the shape above. */
export class JobDefinitionError extends Error {
  override name = "JobDefinitionError";
  readonly code = "JOB_DEFINITION";
}

const JOB_FIELDS: ReadonlySet<string> = new Set(["map", "reduce", "combine", "partition", "mapEnd", "input"]);
const OPTIONAL_FUNCTIONS = ["combine", "partition", "mapEnd"] as const;

/**
 * Checks a job module's default export (or anything claiming to be a job) and returns it typed.
 * `subject` names it in the error: "the job module has no map function".
 */
export function validateJob(value: unknown, subject = "the job module"): JobDefinition {
  if (value === undefined || value === null) throw new JobDefinitionError(`${subject} is ${String(value)}, not a job`);
  if (typeof value !== "object") throw new JobDefinitionError(`${subject} is a ${typeof value}, not a job object`);
  const job = value as { [field: string]: unknown };
  if (typeof job.map !== "function") throw new JobDefinitionError(`${subject} has no map function`);
  if (typeof job.reduce !== "function") throw new JobDefinitionError(`${subject} has no reduce function`);
  for (const field of OPTIONAL_FUNCTIONS) {
    if (job[field] !== undefined && typeof job[field] !== "function") {
      throw new JobDefinitionError(`${subject} has a ${field} that is a ${typeof job[field]}, not a function`);
    }
  }
  if (job.input !== undefined && job.input !== "lines" && job.input !== "whole-file") {
    throw new JobDefinitionError(`${subject} has input ${JSON.stringify(job.input)}; it must be "lines" or "whole-file"`);
  }
  // A typo such as `combiner:` would otherwise silently run the job without a combiner.
  for (const field of Object.keys(job)) {
    if (!JOB_FIELDS.has(field)) {
      throw new JobDefinitionError(`${subject} has an unknown field ${JSON.stringify(field)}; a job has map, reduce, combine, partition, mapEnd and input`);
    }
  }
  return job as unknown as JobDefinition;
}

/** Declares a job: `export default defineJob({ map, reduce })`. Checks its shape at once. */
export function defineJob(job: JobDefinition): JobDefinition {
  return validateJob(job, "the job given to defineJob");
}

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a (32-bit) over the key's UTF-8 bytes, modulo `reducers`: the same on every peer and
 * every platform (unlike a runtime's string hash). UTF-8 is computed inline rather than with a
 * TextEncoder because this runs once per emitted record; a lone surrogate counts as U+FFFD,
 * as TextEncoder would encode it.
 */
export function defaultPartition(key: string, reducers: number): number {
  if (!Number.isSafeInteger(reducers) || reducers < 1) {
    throw new JobDefinitionError(`the number of reducers must be a positive integer, not ${reducers}`);
  }
  let hash = FNV_OFFSET_BASIS;
  const mix = (byte: number) => {
    hash = Math.imul(hash ^ byte, FNV_PRIME);
  };
  for (let i = 0; i < key.length; i++) {
    let code = key.charCodeAt(i);
    if (code < 0x80) {
      mix(code);
      continue;
    }
    if (code < 0x800) {
      mix(0xc0 | (code >> 6));
      mix(0x80 | (code & 0x3f));
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
        mix(0xf0 | (code >> 18));
        mix(0x80 | ((code >> 12) & 0x3f));
        mix(0x80 | ((code >> 6) & 0x3f));
        mix(0x80 | (code & 0x3f));
        continue;
      }
      code = 0xfffd;
    }
    mix(0xe0 | (code >> 12));
    mix(0x80 | ((code >> 6) & 0x3f));
    mix(0x80 | (code & 0x3f));
  }
  return (hash >>> 0) % reducers;
}
