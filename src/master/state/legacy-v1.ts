// Reading what a master of version 1 wrote (src/protocol/pb/legacy-v1.proto; a sample in
// test/fixtures/format-v1): its Raft log commands, one bag message with a string `op`, and its
// job and task records, with states as strings. Each is converted to version 2 as it is read,
// so everything after decoding works on the typed command and the enum records only.
//
// A converted command must do on apply exactly what version 1 did with it, the rejections
// included: a replayed log gives the same state and the same outcome for every entry. So each
// conversion copies exactly the fields version 1's apply read for that op; an op version 1
// rejected (unknown, malformed) is rejected here the same way; a state name version 1 never
// wrote becomes the unspecified value, which version 1's apply accepted just as blindly (a
// task kind other than map or reduce becomes unspecified too, and putJob rejects it, as
// version 1 did).
import * as v1 from "../../protocol/pb/legacy-v1.ts";
import { InputFormat, JobRecord, TaskAttempt, TaskKind, TaskRecord, type JobSpec } from "../../protocol/pb/jobs.ts";
import type { LogCommand } from "../../protocol/pb/log.ts";
import { INPUT_FORMAT, JOB_STATE, LOCALITY, TASK_KIND, TASK_STATE } from "../../protocol/job-names.ts";
import { REPLICATION_MAX } from "../../protocol/limits.ts";
import { CommandRejectedError } from "./errors.ts";
import { DROP_PENDING_MAX, JOB_RECORD_LIMITS, JOB_TASKS_MAX, TASK_RECORD_LIMITS } from "./limits.ts";

/** The bounds version 1 decoded its commands with. */
const V1_COMMAND_LIMITS = { replicas: REPLICATION_MAX, chunkIds: DROP_PENDING_MAX, tasks: JOB_TASKS_MAX };

/**
 * The version-1 command in `data` as the version-2 command it means, with one member set.
 * Throws CommandRejectedError where version 1 rejected the command.
 */
export function commandFromV1(data: Uint8Array): LogCommand {
  let c: v1.NamespaceCommand;
  try {
    c = v1.NamespaceCommand.decode(data, { limits: V1_COMMAND_LIMITS });
  } catch (err) {
    throw new CommandRejectedError(`malformed namespace command: ${(err as Error).message}`);
  }
  switch (c.op) {
    case "mkdir":
      return { mkdir: { path: c.path, parents: c.parents, mtimeMs: c.mtimeMs } };
    case "create":
      return { create: { path: c.path, replication: c.replication, chunkSizeBytes: c.chunkSizeBytes, clientId: c.clientId, leaseExpiryMs: c.leaseExpiryMs, mtimeMs: c.mtimeMs } };
    case "addChunk":
      return { addChunk: { fileId: c.fileId, clientId: c.clientId, replicas: c.replicas, version: c.version } };
    case "commitChunk":
      return { commitChunk: { fileId: c.fileId, clientId: c.clientId, chunkId: c.chunkId, version: c.version, sizeBytes: c.sizeBytes } };
    case "bumpChunkVersion":
      return { bumpChunkVersion: { fileId: c.fileId, clientId: c.clientId, chunkId: c.chunkId, version: c.version, replicas: c.replicas } };
    case "complete":
      return { complete: { fileId: c.fileId, clientId: c.clientId, mtimeMs: c.mtimeMs } };
    case "abandonChunk":
      return { abandonChunk: { fileId: c.fileId, clientId: c.clientId, chunkId: c.chunkId, nowMs: c.nowMs } };
    case "renewLease":
      return { renewLease: { fileId: c.fileId, clientId: c.clientId, leaseExpiryMs: c.leaseExpiryMs } };
    case "recoverLease":
      return { recoverLease: { fileId: c.fileId, nowMs: c.nowMs } };
    case "reopenForAppend":
      return { reopenForAppend: { path: c.path, clientId: c.clientId, leaseExpiryMs: c.leaseExpiryMs, nowMs: c.nowMs } };
    case "rename":
      return { rename: { path: c.path, destination: c.dst, mtimeMs: c.mtimeMs } };
    case "delete":
      return { delete: { path: c.path, recursive: c.recursive, nowMs: c.nowMs } };
    case "setReplication":
      return { setReplication: { path: c.path, replication: c.replication } };
    case "dropPendingDeletes":
      return { dropPendingDeletes: { chunkIds: c.chunkIds } };
    // meta.proto's Command of version 1 shared fields 1..3 with the bag: the same bytes.
    case "settings.set":
      return { setSetting: { key: c.key, value: c.value } };
    case "jobs.put": {
      let job: v1.JobRecord;
      let tasks: v1.TaskRecord[];
      try {
        job = v1.JobRecord.decode(c.job, { limits: JOB_RECORD_LIMITS });
        tasks = c.tasks.map((bytes) => v1.TaskRecord.decode(bytes, { limits: TASK_RECORD_LIMITS }));
      } catch (err) {
        throw new CommandRejectedError(`malformed job record: ${(err as Error).message}`);
      }
      return { putJob: { job: jobRecordFromV1(job), tasks: tasks.map(taskRecordFromV1) } };
    }
    default:
      throw new CommandRejectedError(`unknown command ${JSON.stringify(c.op.slice(0, 64))}`);
  }
}

export function jobRecordFromV1(record: v1.JobRecord): JobRecord {
  const { spec, state, ...same } = record;
  return { ...same, ...(spec ? { spec: jobSpecFromV1(spec) } : {}), state: JOB_STATE.parse(state) ?? JobRecord.State.STATE_UNSPECIFIED };
}

function jobSpecFromV1(spec: v1.JobSpec): JobSpec {
  const { inputFormat, ...same } = spec;
  return { ...same, inputFormat: INPUT_FORMAT.parse(inputFormat) ?? InputFormat.INPUT_FORMAT_UNSPECIFIED, params: [], outputReplication: 0 };
}

export function taskRecordFromV1(record: v1.TaskRecord): TaskRecord {
  const { kind, state, running, done, ...same } = record;
  return {
    ...same,
    kind: TASK_KIND.parse(kind) ?? TaskKind.TASK_KIND_UNSPECIFIED,
    state: TASK_STATE.parse(state) ?? TaskRecord.State.STATE_UNSPECIFIED,
    running: running.map(attemptFromV1),
    ...(done ? { done: attemptFromV1(done) } : {}),
  };
}

function attemptFromV1(attempt: v1.TaskAttempt): TaskAttempt {
  const { locality, ...same } = attempt;
  return { ...same, locality: LOCALITY.parse(locality) ?? TaskAttempt.Locality.LOCALITY_UNSPECIFIED };
}

/**
 * A job record as the namespace database of schema 2 stored it (version-1 bytes), in
 * version-2 bytes. Throws on bytes that do not decode: a database is not opened half-read.
 */
export function jobRecordBytesFromV1(bytes: Uint8Array): Uint8Array {
  return JobRecord.encode(jobRecordFromV1(v1.JobRecord.decode(bytes, { limits: JOB_RECORD_LIMITS })));
}

/** A task record of a schema-2 database in version-2 bytes; throws on bytes that do not decode. */
export function taskRecordBytesFromV1(bytes: Uint8Array): Uint8Array {
  return TaskRecord.encode(taskRecordFromV1(v1.TaskRecord.decode(bytes, { limits: TASK_RECORD_LIMITS })));
}
