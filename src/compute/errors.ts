// One error class per failure of a task (STYLE.md §8): `name` identifies it in-process, `code`
// is stable and is what crosses from a worker thread to its peer, and from the peer to the
// master in a task status. What the scheduler does with each:
//   TaskError            the job's own code failed: retry elsewhere, then fail the job;
//   TaskCancelledError   it asked for this (a backup task won, the job was killed);
//   WorkerCrashedError   the worker thread died without an answer: retry like a TaskError;
//   JobBundleError       the job cannot be bundled or loaded: fail the job, retrying won't help;
//   LineTooLongError, RunFileCorruptError   the input or a spill is bad: retry (a corrupt
//   spill or fetched map output means the map output must be regenerated).
// JobDefinitionError lives in job-api.ts because that file must import nothing, JobBundleError
// in bundle.ts (both in src/job-module/, the format a client and a worker share).
export { JobDefinitionError } from "../job-module/job-api.ts";
export { JobBundleError } from "../job-module/bundle.ts";

export type ComputeErrorCode =
  | "TASK_FAILED"
  | "TASK_CANCELLED"
  | "WORKER_CRASHED"
  | "JOB_BUNDLE"
  | "JOB_DEFINITION"
  | "LINE_TOO_LONG"
  | "RUN_FILE_CORRUPT";

export interface TaskErrorDetails {
  /** The byte offset of the input record whose map call failed. */
  offsetBytes?: number;
  /** The key whose reduce (or combine) call failed. */
  key?: string;
}

/** The job's map, combine, reduce or partition code threw, or broke the job API's rules. */
export class TaskError extends Error {
  override name = "TaskError";
  readonly code = "TASK_FAILED";
  readonly offsetBytes: number | undefined;
  readonly key: string | undefined;
  constructor(message: string, details: TaskErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.offsetBytes = details.offsetBytes;
    this.key = details.key;
  }
}

export class TaskCancelledError extends Error {
  override name = "TaskCancelledError";
  readonly code = "TASK_CANCELLED";
}

/** The worker thread ended (process.exit, an uncaught error, out of memory) without an answer. */
export class WorkerCrashedError extends Error {
  override name = "WorkerCrashedError";
  readonly code = "WORKER_CRASHED";
}

export class LineTooLongError extends Error {
  override name = "LineTooLongError";
  readonly code = "LINE_TOO_LONG";
  constructor(
    readonly offsetBytes: number,
    readonly maxLineBytes: number,
  ) {
    super(`the line starting at byte ${offsetBytes} is longer than the limit of ${maxLineBytes} bytes`);
  }
}

/** A run file (a spill or a map output) that is truncated or damaged. */
export class RunFileCorruptError extends Error {
  override name = "RunFileCorruptError";
  readonly code = "RUN_FILE_CORRUPT";
}
