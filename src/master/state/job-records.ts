// The one namespace command of MapReduce: "jobs.put" stores a job's record and any of its
// task records exactly as the leader's scheduler wrote them. All the decisions (which task
// runs where, when a job is done) are taken by the scheduler before proposing, so applying
// is a deterministic upsert on every master (DESIGN.md, "MapReduce": job state lives in Raft,
// so a new leader carries a job on).
import { CommandRejectedError } from "./errors.ts";
import type { OpContext } from "./namespace-ops.ts";
import type { NamespaceCommand } from "../../protocol/pb/namespace.ts";
import { JobRecord, TaskRecord } from "../../protocol/pb/jobs.ts";
import { isJobId, taskKey } from "../../protocol/jobs.ts";

/** Task records in one command: a job of this many chunks is the largest accepted. */
export const JOB_TASKS_MAX = 100_000;
/** Jobs the master remembers; submitting one more forgets the oldest (like a job history). */
export const JOBS_RETAINED_MAX = 1_000;
/** Bounds on a decoded record: a hostile or broken entry cannot allocate without limit. */
export const JOB_RECORD_LIMITS = { spec: { inputs: 1_000 } };
export const TASK_RECORD_LIMITS = { running: 16, result: { partitionBytes: 100_000 } };

export function putJob(ctx: OpContext, c: NamespaceCommand): undefined {
  let job: JobRecord;
  let tasks: TaskRecord[];
  try {
    job = JobRecord.decode(c.job, { limits: JOB_RECORD_LIMITS });
    tasks = c.tasks.map((bytes) => TaskRecord.decode(bytes, { limits: TASK_RECORD_LIMITS }));
  } catch (err) {
    throw new CommandRejectedError(`malformed job record: ${(err as Error).message}`);
  }
  if (!isJobId(job.id)) throw new CommandRejectedError(`a job id is 1..64 lowercase letters, digits and '-': ${JSON.stringify(job.id.slice(0, 80))}`);
  for (const task of tasks) {
    if (task.kind !== "map" && task.kind !== "reduce") throw new CommandRejectedError(`a task is a map or a reduce, not ${JSON.stringify(task.kind.slice(0, 32))}`);
  }
  if (ctx.s.jobById.get(job.id)) {
    ctx.s.updateJob.run(c.job, job.id);
  } else {
    const excess = (ctx.s.jobCount.get()?.n ?? 0) - JOBS_RETAINED_MAX + 1;
    if (excess > 0) {
      for (const old of ctx.s.oldestJobs.all(excess)) {
        ctx.s.deleteJobTasks.run(old.id);
        ctx.s.deleteJob.run(old.id);
      }
    }
    ctx.s.insertJob.run(job.id, c.job);
  }
  for (let i = 0; i < tasks.length; i++) ctx.s.putTask.run(job.id, taskKey(tasks[i]!.kind, tasks[i]!.index), c.tasks[i]!);
  return undefined;
}
