// MapReduce's enums by the lowercase names they had as strings in version 1 of the job and
// task records, and still have wherever people see them: `tessera job` output, the admin
// HTTP JSON, a job module's `input` option. One table per enum (src/protocol/spelling.ts),
// so a view and the reader of version-1 records (src/master/state/legacy-v1.ts) cannot
// disagree. An unspecified value shows as "", as an unset string did in version 1.
import { InputFormat, JobRecord, TaskAttempt, TaskKind, TaskRecord } from "./pb/jobs.ts";
import { taskKey } from "./jobs.ts";
import { Spelling } from "./spelling.ts";

export type JobStateName = "running" | "succeeded" | "failed" | "killed";
export type TaskStateName = "pending" | "running" | "done";
export type TaskKindName = "map" | "reduce";
export type LocalityName = "node" | "rack" | "remote";
export type InputFormatName = "lines" | "whole-file";

export const JOB_STATE = new Spelling<JobStateName, JobRecord.State>("job state", {
  running: JobRecord.State.RUNNING,
  succeeded: JobRecord.State.SUCCEEDED,
  failed: JobRecord.State.FAILED,
  killed: JobRecord.State.KILLED,
});

export const TASK_STATE = new Spelling<TaskStateName, TaskRecord.State>("task state", {
  pending: TaskRecord.State.PENDING,
  running: TaskRecord.State.RUNNING,
  done: TaskRecord.State.DONE,
});

export const TASK_KIND = new Spelling<TaskKindName, TaskKind>("task kind", {
  map: TaskKind.MAP,
  reduce: TaskKind.REDUCE,
});

export const LOCALITY = new Spelling<LocalityName, TaskAttempt.Locality>("locality", {
  node: TaskAttempt.Locality.NODE,
  rack: TaskAttempt.Locality.RACK,
  remote: TaskAttempt.Locality.REMOTE,
});

export const INPUT_FORMAT = new Spelling<InputFormatName, InputFormat>("input format", {
  lines: InputFormat.LINES,
  "whole-file": InputFormat.WHOLE_FILE,
});

/** A task's key, "map-00003" or "reduce-00000": how the namespace stores it and logs name it. */
export function taskKeyOf(task: { kind: TaskKind; index: number }): string {
  return taskKey(TASK_KIND.show(task.kind), task.index);
}
