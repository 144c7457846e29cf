// The one log command of MapReduce: putJob stores a job's record and any of its task records
// exactly as the leader's scheduler wrote them. All the decisions (which task runs where, when
// a job is done) are taken by the scheduler before proposing, so applying is a deterministic
// upsert on every master (DESIGN.md, "MapReduce": job state lives in Raft, so a new leader
// carries a job on). The database keeps each record encoded (version 2, pb/jobs.proto).
import { CommandRejectedError } from "./errors.ts";
import type { OpContext } from "./namespace-ops.ts";
import type { PutJob } from "../../protocol/pb/log.ts";
import { JobRecord, TaskKind, TaskRecord } from "../../protocol/pb/jobs.ts";
import { isJobId } from "../../protocol/jobs.ts";
import { taskKeyOf } from "../../protocol/job-names.ts";

/** Jobs the master remembers; submitting one more forgets the oldest (like a job history). */
export const JOBS_RETAINED_MAX = 1_000;

export function putJob(ctx: OpContext, c: PutJob): undefined {
  const job = c.job;
  if (!job) throw new CommandRejectedError("a putJob command without its job record");
  if (!isJobId(job.id)) throw new CommandRejectedError(`a job id is 1..64 lowercase letters, digits and '-': ${JSON.stringify(job.id.slice(0, 80))}`);
  for (const task of c.tasks) {
    if (task.kind !== TaskKind.MAP && task.kind !== TaskKind.REDUCE) throw new CommandRejectedError(`a task is a map or a reduce, not ${task.kind}`);
  }
  const record = JobRecord.encode(job);
  if (ctx.s.jobById.get(job.id)) {
    ctx.s.updateJob.run(record, job.id);
  } else {
    const excess = (ctx.s.jobCount.get()?.n ?? 0) - JOBS_RETAINED_MAX + 1;
    if (excess > 0) {
      for (const old of ctx.s.oldestJobs.all(excess)) {
        ctx.s.deleteJobTasks.run(old.id);
        ctx.s.deleteJob.run(old.id);
      }
    }
    ctx.s.insertJob.run(job.id, record);
  }
  for (const task of c.tasks) ctx.s.putTask.run(job.id, taskKeyOf(task), TaskRecord.encode(task));
  return undefined;
}
