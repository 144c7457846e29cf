// The leader's MapReduce scheduler. Jobs and tasks are records in Raft (src/master/state/job-records.ts): every
// decision — a task started on a peer, a task done, a map to run again, a job finished — is
// one putJob entry, so a new leader reads where everything stands and carries on (the
// MapReduce paper aborts a job when its master fails; here it does not). What is not in Raft
// is soft: when an attempt last reported progress, since when a task waits for a local slot.
//
// A round (every ROUND_INTERVAL_MS, at once after a submission or a report, and when a
// waiting map's locality wait runs out) drops attempts on dead or silent peers, re-runs
// finished maps whose output died with their peer while reduces still need it, assigns
// pending tasks to free slots (planner.ts), starts backups near the end of a phase, sends
// reduces that started early the map outputs finished since, and finishes jobs whose reduces
// are all done. Orders go to workers over /tessera/task/3 only after the entry recording them
// is committed.
//
// Clients and workers reach it through `handlers`, one per MapReduce request of
// /tessera/meta/3 (submitJob, jobStatus, listJobs, killJob, taskDone, taskFailed, taskProgress).
import { randomBytes } from "node:crypto";
import type { Logger } from "../../util/log.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { Namespace } from "../state/namespace.ts";
import { encodeLogCommand, type TypedLogCommand } from "../state/log-command.ts";
import { NotFoundError } from "../state/errors.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import { normalizePath } from "../../protocol/paths.ts";
import { InputFormat, JobRecord, TaskAttempt, TaskKind, TaskRecord, type JobCounters, type JobSpec, type TaskResult } from "../../protocol/pb/jobs.ts";
import type { MapOutputLocation, TaskOrder, TaskOrderAck } from "../../protocol/pb/task.ts";
import type { JobAnswer, TaskRef } from "../../protocol/pb/meta.ts";
import type { MetaHandlers } from "../../protocol/meta.ts";
import {
  assignEarlyReduces,
  assignMaps,
  assignReduces,
  backupCandidates,
  localityWaitMs,
  medianMs,
  LOCALITY_WAIT_MAX_MS,
  nextLocalityDeadlineMs,
  reducesMayStart,
  slotsFreeingMs,
  SLOWSTART_COMPLETED_MAPS,
  type Locality,
  type WorkerSlots,
} from "./planner.ts";
import { REPLICATION_DEFAULT, REPLICATION_MAX } from "../../protocol/limits.ts";
import { errorCodeOf, isRetryable, RequestError, WireError } from "../../protocol/errors.ts";
import { validateJobId, REDUCERS_MAX, JOB_INPUTS_MAX, JOBS_FOLDER } from "../../protocol/jobs.ts";
import { validateParams, validateStreaming } from "../../protocol/job-params.ts";
import { JOB_STATE, taskKeyOf } from "../../protocol/job-names.ts";
import { JOB_COMMIT_TIMEOUT_MS } from "../timeouts.ts";
import { LeaderLoop, type TimerSource } from "../leader-loop.ts";
import { Callers } from "../rpc/callers.ts";
import { applyUmask, DIR_MODE_UNMASKED } from "../state/permissions.ts";
import type { Caller } from "../../protocol/pb/log.ts";

/** How often the scheduler looks at running jobs. */
export const ROUND_INTERVAL_MS = 250;
/** The longest a map waits for a node-local slot, then as long again for a rack-local one (planner.ts scales it). */
export const LOCALITY_WAIT_MS = LOCALITY_WAIT_MAX_MS;
/** A task that failed this many times fails its job (Hadoop's default is 4). */
export const TASK_ATTEMPTS_MAX = 4;
/**
 * A task whose attempt failed with a retryable code (the cluster's passing fault: no leader,
 * a chunk's holders down or cut off) runs again after a backoff and the failure is not one of
 * its TASK_ATTEMPTS_MAX, as Hadoop does not count attempts lost to a node's failure; without
 * this, four attempts on a peer that could not read its input failed a job within half a second
 * of a partition. The backoff doubles from TRANSIENT_BACKOFF_MS_MIN to TRANSIENT_BACKOFF_MS_MAX,
 * so TRANSIENT_FAILURES_MAX such failures cover over two minutes of faults; past them a failure
 * counts (a chunk whose every replica is gone stays missing, and the job must end).
 */
export const TRANSIENT_FAILURES_MAX = 12;
export const TRANSIENT_BACKOFF_MS_MIN = 500;
export const TRANSIENT_BACKOFF_MS_MAX = 16_000;
/** An attempt whose worker has not reported for this long is presumed lost. */
export const ATTEMPT_SILENCE_MS = 30_000;
/** Backups: for tasks running longer than this factor of the median finished task ... */
export const BACKUP_FACTOR = 2;
/** ... and at least this long. */
export const BACKUP_MIN_RUN_MS = 1_000;
/** Files below an input folder, at most; a job over more should name sub-folders. */
export const JOB_INPUT_FILES_MAX = 100_000;
/** Task records in a status answer, at most (each is a few hundred bytes). */
export const STATUS_TASKS_MAX = 2_000;
const ORDER_PARALLELISM = 16;

export type OrderSender = (peer: string, order: TaskOrder) => Promise<TaskOrderAck>;

/** The MapReduce requests of /tessera/meta/3, which the leader's MetaService hands to the scheduler. */
export type JobRequestKind = "submitJob" | "jobStatus" | "listJobs" | "killJob" | "taskDone" | "taskFailed" | "taskProgress";
export type JobHandlers = Pick<MetaHandlers, JobRequestKind>;

const JobState = JobRecord.State;
const TaskState = TaskRecord.State;
const { MAP, REDUCE } = TaskKind;
/** The planner's words for where a map runs, as the records keep them. */
const LOCALITY: Record<Locality, TaskAttempt.Locality> = { node: TaskAttempt.Locality.NODE, rack: TaskAttempt.Locality.RACK, remote: TaskAttempt.Locality.REMOTE };
/** A worker's report of one attempt's end. */
type Outcome = { done: TaskResult } | { failed: string; lostMap?: number; code?: string };

export interface JobSchedulerInit {
  raft: { readonly isLeader: boolean; propose(data: Uint8Array, timeoutMs: number): Promise<unknown>; readBarrier(timeoutMs: number): Promise<void> };
  namespace: Namespace;
  membership: MembershipService;
  locations: ChunkLocations;
  sendOrder: OrderSender;
  log: Logger;
  nowMs?: () => number;
  /** Randomness for job ids; injected so simulations replay. */
  randomId?: () => string;
  /** The round timer's clock (tests drive it). */
  timers?: TimerSource;
  /** The fraction of a job's maps done before its reduces start (planner.ts SLOWSTART_COMPLETED_MAPS). */
  slowstartCompletedMaps?: number;
  /** Who a submission acts for (its inputs are read and its output made with that user's rights); one of its own when absent. */
  callers?: Callers;
  /**
   * Brings an input inside an under-storage mount up to date in the namespace before its
   * splits are planned (issue 16: FsService.underStorage.syncTree), at most `entriesMax`
   * entries. Absent: inputs are taken as the namespace has them.
   */
  syncInput?(path: string, entriesMax: number): Promise<void>;
}

interface Change {
  job: JobRecord;
  tasks: Map<string, TaskRecord>;
}

export class JobScheduler {
  private readonly nowMs: () => number;
  private readonly randomId: () => string;
  /** Rounds every ROUND_INTERVAL_MS while leading, and soon after a report or a submission. */
  private readonly loop: LeaderLoop<void>;
  private chain: Promise<unknown> = Promise.resolve();
  private wasLeader = false;
  private readonly running = new Set<string>();
  /** jobId/task/attempt → last report (ms). */
  private readonly heardFrom = new Map<string, number>();
  private readonly callers: Callers;
  /** jobId/task → since when it waits for a slot. */
  private readonly pendingSince = new Map<string, number>();
  /** jobId → peers whose attempts straggled: the job gives them no new tasks (soft state). */
  private readonly slowPeers = new Map<string, Set<string>>();
  /** jobId/kind → durations of finished attempts seen by this leader. */
  private readonly durations = new Map<string, number[]>();
  /** The incarnation each peer had at the last round: a higher one means it restarted. */
  private readonly incarnations = new Map<string, bigint>();
  /** jobId/reduce/attempt of a reduce that started early → the map outputs sent to it ("index/attempt"). */
  private readonly pushedMaps = new Map<string, Set<string>>();
  /** jobId/task → its retryable failures so far and when it may run again (soft state: a new leader starts afresh). */
  private readonly backoffs = new Map<string, { failures: number; notBeforeMs: number }>();
  /**
   * jobId/task → peers an attempt of it failed on: its next attempts go elsewhere while another
   * peer has a slot (Hadoop reschedules a failed attempt on another node), so a peer with a
   * full disk does not take all of a task's attempts (soft state).
   */
  private readonly failedOn = new Map<string, Set<string>>();
  /** A round when the next waiting map's locality wait runs out. */
  private wakeTimer: unknown;
  private wakeAtMs = Infinity;

  constructor(private readonly init: JobSchedulerInit) {
    this.callers = init.callers ?? new Callers({ namespace: init.namespace });
    this.nowMs = init.nowMs ?? (() => Date.now());
    this.randomId = init.randomId ?? (() => randomBytes(4).toString("hex"));
    this.loop = new LeaderLoop({
      name: "job scheduling",
      intervalMs: ROUND_INTERVAL_MS,
      isLeader: () => init.raft.isLeader,
      // A round and the requests that change jobs (submit, kill, reports) take turns.
      round: () => this.serial(() => this.round()),
      // Leading again later starts from Raft's records, not from this term's soft state.
      follower: () => {
        this.wasLeader = false;
      },
      log: init.log,
      timers: init.timers,
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    this.timers().clearTimeout(this.wakeTimer);
    return this.loop.stop();
  }

  /** Runs a round soon (coalesced). */
  kick(): void {
    this.loop.kick();
  }

  /** One round now, after whatever is queued (tests and simulations drive rounds this way). */
  roundNow(): Promise<void> {
    return this.serial(() => this.round());
  }

  /** The MapReduce requests, served on the leader. */
  readonly handlers: JobHandlers = {
    submitJob: async (req, context) => {
      const spec = req.spec;
      if (!spec) throw new RequestError("INVALID", "a job submission without its spec");
      const caller = await this.callers.of(context?.user);
      return this.serial(() => this.submit(req.jobId, spec, caller));
    },
    jobStatus: async (req) => {
      await this.init.raft.readBarrier(JOB_COMMIT_TIMEOUT_MS);
      const job = this.init.namespace.job(validateJobId(req.jobId));
      if (!job) throw new RequestError("NOT_FOUND", `there is no job ${req.jobId}`);
      const tasks = job.state === JobState.RUNNING || req.withTasks ? this.init.namespace.jobTasks(job.id) : [];
      // A status answer fits one metadata message (1 MiB): the first tasks of a huge job only.
      return { job: this.live(job, tasks), tasks: req.withTasks ? tasks.slice(0, STATUS_TASKS_MAX) : [] };
    },
    listJobs: async () => {
      await this.init.raft.readBarrier(JOB_COMMIT_TIMEOUT_MS);
      return { jobs: this.init.namespace.jobs(100).map((job) => (job.state === JobState.RUNNING ? this.live(job, this.init.namespace.jobTasks(job.id)) : job)) };
    },
    killJob: (req) => this.serial(() => this.kill(req.jobId)),
    taskProgress: async (req) => {
      const ref = taskRefOf(req.task);
      this.heardFrom.set(attemptKey(ref.jobId, taskKeyOf(ref), ref.attempt), this.nowMs());
      return {};
    },
    taskDone: async (req) => {
      const ref = taskRefOf(req.task);
      await this.serial(() => this.report(ref, { done: req.result ?? emptyResult() }));
      this.kick();
      return {};
    },
    taskFailed: async (req) => {
      const ref = taskRefOf(req.task);
      await this.serial(() => this.report(ref, { failed: req.error, code: req.code, ...(req.lostMap !== undefined ? { lostMap: req.lostMap } : {}) }));
      this.kick();
      return {};
    },
  };

  /** A running job's counters summed from its finished tasks so far (a finished job has them already). */
  private live(job: JobRecord, tasks: TaskRecord[]): JobRecord {
    return job.state === JobState.RUNNING ? { ...job, counters: aggregateCounters(job.counters!, tasks) } : job;
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  // --- submit and kill --------------------------------------------------------------------

  /**
   * A job of `caller`: the tasks read and write as the cluster, so the submission is where the
   * user's rights are checked: every input must be readable by the user (folders listed, files
   * read) and its output folder is made by the user (WRITE where it goes).
   */
  private async submit(jobId: string, spec: JobSpec, caller?: Caller): Promise<JobAnswer> {
    const id = validateJobId(jobId || `job-${this.randomId()}`);
    await this.init.raft.readBarrier(JOB_COMMIT_TIMEOUT_MS);
    if (this.init.namespace.job(id)) throw new RequestError("ALREADY_EXISTS", `job ${id} exists already`);
    const checked = this.validateSpec(spec);
    // A mounted input: its files are in the namespace once synced (a cold mount was never listed).
    for (const input of checked.inputs) await this.init.syncInput?.(input, JOB_INPUT_FILES_MAX + 1);
    const splits = this.splitsOf(checked, caller);
    const now = this.nowMs();
    // The output folder is the user's; what the tasks write below it is the cluster's.
    if (caller) await this.propose({ mkdir: { path: checked.output, parents: true, mtimeMs: now, permission: applyUmask(DIR_MODE_UNMASKED, this.init.namespace.permissionSettings().umask) }, caller });
    await this.propose({ mkdir: { path: `${checked.output}/_temporary`, parents: true, mtimeMs: now } });
    const tasks: TaskRecord[] = [
      ...splits.map((split, index) => newTask(MAP, index, split)),
      ...Array.from({ length: checked.reducers }, (_, index) => newTask(REDUCE, index)),
    ];
    const job: JobRecord = {
      id,
      spec: checked,
      state: JobState.RUNNING,
      error: "",
      failedTask: "",
      submittedAtMs: now,
      finishedAtMs: 0,
      counters: emptyCounters(),
      mapTasks: splits.length,
      mapsDone: 0,
      reducesDone: 0,
    };
    job.counters!.mapTasks = splits.length;
    job.counters!.reduceTasks = checked.reducers;
    await this.proposeJob(job, tasks);
    this.running.add(id);
    this.init.log.info("a job was submitted", { job: id, maps: splits.length, reducers: checked.reducers, output: checked.output });
    this.kick();
    return { job, tasks: [] };
  }

  private validateSpec(spec: JobSpec): JobSpec {
    if (!Number.isInteger(spec.reducers) || spec.reducers < 1 || spec.reducers > REDUCERS_MAX) throw new RequestError("INVALID", `the number of reducers must be 1..${REDUCERS_MAX}, not ${spec.reducers}`);
    if (spec.inputs.length === 0) throw new RequestError("INVALID", "a job needs at least one input path");
    if (spec.inputs.length > JOB_INPUTS_MAX) throw new RequestError("INVALID", `a job reads at most ${JOB_INPUTS_MAX} input paths`);
    if (spec.inputFormat !== InputFormat.LINES && spec.inputFormat !== InputFormat.WHOLE_FILE) throw new RequestError("INVALID", `the input format is LINES or WHOLE_FILE, not ${spec.inputFormat}`);
    const output = normalizePath(spec.output);
    if (output === "/") throw new RequestError("INVALID", "the output folder cannot be the root");
    if (this.exists(output)) throw new RequestError("ALREADY_EXISTS", `the output folder ${output} exists already`);
    const inputs = spec.inputs.map((input) => {
      const path = normalizePath(input);
      if (!this.exists(path)) throw new RequestError("NOT_FOUND", `the input path ${path} does not exist`);
      if (path === output || path.startsWith(`${output}/`) || output.startsWith(`${path}/`)) throw new RequestError("INVALID", `the input ${path} and the output ${output} overlap`);
      return path;
    });
    const params = validateParams(spec.params);
    if (!Number.isInteger(spec.outputReplication) || spec.outputReplication < 0 || spec.outputReplication > REPLICATION_MAX) {
      throw new RequestError("INVALID", `a job's output replication is 1..${REPLICATION_MAX} (0 for the default, ${REPLICATION_DEFAULT}), not ${spec.outputReplication}`);
    }
    // A streaming job has commands instead of a bundle; a job with both is refused.
    if (spec.streaming) {
      if (spec.bundlePath !== "") throw new RequestError("INVALID", "a streaming job runs commands, not a job module: it has no bundle");
      if (spec.inputFormat !== InputFormat.LINES) throw new RequestError("INVALID", "a streaming job reads lines");
      return { ...spec, inputs, output, params, streaming: validateStreaming(spec.streaming) };
    }
    const bundlePath = normalizePath(spec.bundlePath);
    if (!this.exists(bundlePath)) throw new RequestError("NOT_FOUND", `the job's bundle ${bundlePath} does not exist`);
    return { ...spec, inputs, output, bundlePath, params };
  }

  private exists(path: string): boolean {
    try {
      this.init.namespace.stat(path);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** One split per committed chunk of every input file (whole files: one per file). */
  private splitsOf(spec: JobSpec, caller?: Caller): NonNullable<TaskRecord["split"]>[] {
    const splits: NonNullable<TaskRecord["split"]>[] = [];
    const files: string[] = [];
    for (const input of spec.inputs) {
      const stat = this.init.namespace.stat(input, { caller });
      if (stat.kind === "file") {
        files.push(input);
        continue;
      }
      let after: string | undefined;
      do {
        const page = this.init.namespace.list(input, { recursive: true, caller, ...(after ? { after } : {}) });
        for (const entry of page.entries) {
          // Names starting with _ or . are bookkeeping (_SUCCESS, _temporary), as in Hadoop.
          const hidden = entry.path.slice(input.length).split("/").some((name) => name.startsWith("_") || name.startsWith("."));
          if (entry.kind === "file" && !hidden) files.push(entry.path);
        }
        if (files.length > JOB_INPUT_FILES_MAX) throw new RequestError("INVALID", `the inputs hold more than ${JOB_INPUT_FILES_MAX} files`);
        after = page.next;
      } while (after);
    }
    for (const path of files) {
      const stat = this.init.namespace.stat(path, { chunks: true, caller });
      if (stat.chunksWithheld) throw new RequestError("PERMISSION_DENIED", `Permission denied: user=${caller?.user ?? ""}, access=READ, inode="${path}": a job reads its inputs with its submitter's rights`);
      const chunks = [];
      for (let from = 0; ; ) {
        const page = this.init.namespace.chunksOfFile(stat.id, { fromIndex: from });
        chunks.push(...page.filter((chunk) => chunk.committed));
        if (page.length === 0 || page.some((chunk) => !chunk.committed)) break;
        from = page[page.length - 1]!.index + 1;
      }
      if (spec.inputFormat === InputFormat.WHOLE_FILE) {
        splits.push({ path, startBytes: 0, endBytes: stat.sizeBytes, chunkId: chunks[0]?.chunkId ?? "", chunkIndex: 0 });
        continue;
      }
      let offset = 0;
      for (const chunk of chunks) {
        if (chunk.sizeBytes > 0) splits.push({ path, startBytes: offset, endBytes: offset + chunk.sizeBytes, chunkId: chunk.chunkId, chunkIndex: chunk.index });
        offset += chunk.sizeBytes;
      }
    }
    return splits;
  }

  private async kill(jobId: string): Promise<JobAnswer> {
    await this.init.raft.readBarrier(JOB_COMMIT_TIMEOUT_MS);
    const job = this.init.namespace.job(validateJobId(jobId));
    if (!job) throw new RequestError("NOT_FOUND", `there is no job ${jobId}`);
    if (job.state !== JobState.RUNNING) return { job, tasks: [] };
    const tasks = this.init.namespace.jobTasks(job.id);
    await this.endJob({ ...job, state: JobState.KILLED, error: "killed by a user" }, tasks);
    return { job: this.init.namespace.job(job.id), tasks: [] };
  }

  // --- reports from workers ---------------------------------------------------------------

  private async report(ref: TaskRef, outcome: Outcome): Promise<void> {
    const job = this.init.namespace.job(validateJobId(ref.jobId));
    if (!job || job.state !== JobState.RUNNING) return;
    const key = taskKeyOf(ref);
    const task = this.init.namespace.jobTasks(job.id).find((candidate) => taskKeyOf(candidate) === key);
    if (!task) throw new RequestError("NOT_FOUND", `job ${job.id} has no task ${key}`);
    const attempt = task.running.find((candidate) => candidate.attempt === ref.attempt);
    this.heardFrom.delete(attemptKey(job.id, key, ref.attempt));
    // A late report of an attempt this scheduler gave up on (or a duplicate) changes nothing.
    if (!attempt) return;
    const change: Change = { job: { ...job, counters: { ...job.counters! } }, tasks: new Map() };
    const rest = task.running.filter((candidate) => candidate.attempt !== ref.attempt);
    if ("done" in outcome) {
      if (task.state === TaskState.DONE) return;
      const now = this.nowMs();
      this.rememberDuration(job.id, task.kind, now - attempt.startedAtMs);
      change.tasks.set(key, { ...task, state: TaskState.DONE, running: [], done: attempt, result: outcome.done, lastError: "" });
      if (task.kind === MAP) change.job.mapsDone += 1;
      else change.job.reducesDone += 1;
      // The other copies of a task with a backup are told to stop; their output is not used.
      for (const other of rest) void this.sendCancel(job.id, task, other);
    } else if (outcome.lostMap !== undefined) {
      // The reduce could not fetch a map's output: the map runs again, the reduce after it.
      change.tasks.set(key, { ...task, running: rest, state: rest.length > 0 ? TaskState.RUNNING : TaskState.PENDING });
      const lost = this.init.namespace.jobTasks(job.id).find((candidate) => candidate.kind === MAP && candidate.index === outcome.lostMap);
      if (lost && lost.state === TaskState.DONE) {
        change.tasks.set(taskKeyOf(lost), { ...lost, state: TaskState.PENDING, done: undefined, result: undefined });
        change.job.mapsDone -= 1;
        change.job.counters!.rerunMaps += 1;
        this.init.log.info("a map's output is lost; the map runs again", { job: job.id, map: lost.index, reduce: ref.index });
      }
    } else if (this.noteFailedOn(`${job.id}/${key}`, ref.peer) && isRetryable(errorCodeOf(outcome.code ?? "")) && (this.backoffs.get(`${job.id}/${key}`)?.failures ?? 0) < TRANSIENT_FAILURES_MAX) {
      // The cluster's passing fault, not the task's: it waits a while and runs again, uncounted.
      const backoffKey = `${job.id}/${key}`;
      const transient = (this.backoffs.get(backoffKey)?.failures ?? 0) + 1;
      const waitMs = Math.min(TRANSIENT_BACKOFF_MS_MAX, TRANSIENT_BACKOFF_MS_MIN * 2 ** (transient - 1));
      this.backoffs.set(backoffKey, { failures: transient, notBeforeMs: this.nowMs() + waitMs });
      this.wakeAt(this.nowMs() + waitMs);
      this.init.log.info("a task attempt failed for a passing fault; the task runs again after a backoff", { job: job.id, task: key, attempt: ref.attempt, peer: ref.peer, code: outcome.code, waitMs, error: outcome.failed.slice(0, 512) });
      change.job.counters!.lostTaskAttempts += 1;
      change.tasks.set(key, { ...task, running: rest, lastError: outcome.failed.slice(0, 4096), state: rest.length > 0 ? TaskState.RUNNING : TaskState.PENDING });
    } else {
      const failures = task.failures + 1;
      change.job.counters!.failedTaskAttempts += 1;
      const error = outcome.failed.slice(0, 4096) || "the task failed without a message";
      this.init.log.warn("a task attempt failed", { job: job.id, task: key, attempt: ref.attempt, peer: ref.peer, error });
      if (failures >= TASK_ATTEMPTS_MAX) {
        change.tasks.set(key, { ...task, running: rest, failures, lastError: error, state: TaskState.PENDING });
        const tasks = this.init.namespace.jobTasks(job.id).map((candidate) => change.tasks.get(taskKeyOf(candidate)) ?? candidate);
        await this.endJob({ ...change.job, state: JobState.FAILED, error: `${key} failed ${failures} times: ${error}`, failedTask: key }, tasks);
        return;
      }
      change.tasks.set(key, { ...task, running: rest, failures, lastError: error, state: rest.length > 0 ? TaskState.RUNNING : TaskState.PENDING });
    }
    await this.proposeJob(change.job, [...change.tasks.values()]);
  }

  // --- the round --------------------------------------------------------------------------

  private async round(): Promise<void> {
    if (!this.init.raft.isLeader) {
      this.wasLeader = false;
      return;
    }
    if (!this.wasLeader) {
      // A new leader: every running job is picked up from Raft; its attempts get a fresh
      // silence allowance, since their reports went to the old leader until now.
      await this.init.raft.readBarrier(JOB_COMMIT_TIMEOUT_MS);
      this.running.clear();
      this.heardFrom.clear();
      this.pendingSince.clear();
      this.backoffs.clear();
      this.failedOn.clear();
      // Running reduces are sent every finished map's output again (they ignore what they have).
      this.pushedMaps.clear();
      for (const job of this.init.namespace.jobs(1_000)) if (job.state === JobState.RUNNING) this.running.add(job.id);
      this.wasLeader = true;
    }
    // A peer that restarted lost its running attempts and its map outputs (a worker starts
    // with an empty compute folder), whether or not anyone noticed it was gone.
    const restarted = new Set<string>();
    for (const record of this.init.membership.table.list()) {
      const previous = this.incarnations.get(record.id);
      if (previous !== undefined && record.heartbeat.incarnation > previous) restarted.add(record.id);
      this.incarnations.set(record.id, record.heartbeat.incarnation);
    }
    const workers = this.workers();
    for (const jobId of [...this.running]) {
      const job = this.init.namespace.job(jobId);
      if (!job || job.state !== JobState.RUNNING) {
        this.running.delete(jobId);
        continue;
      }
      await this.roundOfJob(job, workers, restarted);
    }
  }

  private workers(): Map<string, WorkerSlots & { addresses: string[] }> {
    const workers = new Map<string, WorkerSlots & { addresses: string[] }>();
    for (const record of this.init.membership.table.inState("alive")) {
      if (!record.heartbeat.roles.includes("compute")) continue;
      workers.set(record.id, { id: record.id, rack: record.heartbeat.rack, free: Math.max(1, record.heartbeat.cores), addresses: record.heartbeat.addresses });
    }
    // Slots taken by attempts of every running job. A reduce that started before its job's
    // maps were done takes none until they are: it copies on its peer's main thread, waiting
    // on the network, and enters the worker pool only once every map output is in.
    for (const jobId of this.running) {
      const job = this.init.namespace.job(jobId);
      const copying = job !== undefined && job.mapsDone < job.mapTasks;
      for (const task of this.init.namespace.jobTasks(jobId)) {
        if (copying && task.kind === REDUCE) continue;
        for (const attempt of task.running) {
          const worker = workers.get(attempt.peer);
          if (worker) worker.free -= 1;
        }
      }
    }
    return workers;
  }

  private async roundOfJob(job: JobRecord, workers: Map<string, WorkerSlots & { addresses: string[] }>, restarted: ReadonlySet<string>): Promise<void> {
    const now = this.nowMs();
    const tasks = this.init.namespace.jobTasks(job.id);
    const changed = new Map<string, TaskRecord>();
    const next: JobRecord = { ...job, counters: { ...job.counters! } };
    const get = (task: TaskRecord) => changed.get(taskKeyOf(task)) ?? task;
    const set = (task: TaskRecord) => changed.set(taskKeyOf(task), task);
    const alive = (peer: string) => workers.has(peer) && !restarted.has(peer);

    // 1. Attempts on peers that died or fell silent are gone.
    for (const task of tasks) {
      const key = taskKeyOf(task);
      const kept = task.running.filter((attempt) => {
        const heard = this.heardFrom.get(attemptKey(job.id, key, attempt.attempt));
        if (heard === undefined) this.heardFrom.set(attemptKey(job.id, key, attempt.attempt), now);
        const silent = heard !== undefined && now - heard > ATTEMPT_SILENCE_MS;
        if (!alive(attempt.peer) || silent) {
          next.counters!.lostTaskAttempts += 1;
          this.init.log.info("a task attempt is lost with its peer", { job: job.id, task: key, attempt: attempt.attempt, peer: attempt.peer, silent });
          this.heardFrom.delete(attemptKey(job.id, key, attempt.attempt));
          return false;
        }
        return true;
      });
      if (kept.length !== task.running.length) set({ ...task, running: kept, state: task.state === TaskState.DONE ? TaskState.DONE : kept.length > 0 ? TaskState.RUNNING : TaskState.PENDING });
    }
    // 2. Finished maps whose output died with their peer run again while reduces need them.
    const reducesLeft = tasks.some((task) => task.kind === REDUCE && get(task).state !== TaskState.DONE);
    if (reducesLeft) {
      for (const task of tasks) {
        const current = get(task);
        if (current.kind === MAP && current.state === TaskState.DONE && current.done && !alive(current.done.peer)) {
          set({ ...current, state: TaskState.PENDING, done: undefined, result: undefined });
          next.mapsDone -= 1;
          next.counters!.rerunMaps += 1;
          this.init.log.info("a finished map's output died with its peer; the map runs again", { job: job.id, map: current.index, peer: current.done.peer });
        }
      }
    }

    // 3. Assignments: maps first; reduces once every map is done.
    const current = tasks.map(get);
    const maps = current.filter((task) => task.kind === MAP);
    const reduces = current.filter((task) => task.kind === REDUCE);
    // A peer one of this job's tasks straggled on gets no new task of the job (unless no other
    // peer is left): without this, the reduces went to the slow peer and straggled in turn.
    const slow = this.slowPeers.get(job.id);
    const everyone = [...workers.values()];
    const fast = slow ? everyone.filter((slot) => !slow.has(slot.id)) : everyone;
    const slots = fast.length > 0 ? fast : everyone;
    const started: Array<{ task: TaskRecord; attempt: TaskAttempt }> = [];
    const start = (task: TaskRecord, peer: string, locality: TaskAttempt.Locality, backup: boolean) => {
      const attempt: TaskAttempt = { attempt: task.attempts, peer, locality, startedAtMs: now, backup };
      const updated: TaskRecord = { ...task, attempts: task.attempts + 1, running: [...task.running, attempt], state: TaskState.RUNNING };
      set(updated);
      this.pendingSince.delete(`${job.id}/${taskKeyOf(task)}`);
      started.push({ task: updated, attempt });
      if (backup) next.counters!.backupTasks += 1;
    };
    const waiting = (task: TaskRecord) => (this.backoffs.get(`${job.id}/${taskKeyOf(task)}`)?.notBeforeMs ?? 0) > now;
    const pendingMaps = maps.filter((task) => task.state === TaskState.PENDING && !waiting(task));
    if (pendingMaps.length > 0) {
      const pending = pendingMaps.map((task) => {
        const key = `${job.id}/${taskKeyOf(task)}`;
        if (!this.pendingSince.has(key)) this.pendingSince.set(key, now);
        const avoid = this.avoidFor(key, slots);
        return { index: task.index, pendingSinceMs: this.pendingSince.get(key)!, holders: task.split?.chunkId ? this.init.locations.replicas(task.split.chunkId).map((replica) => replica.peer) : [], ...(avoid.length > 0 ? { avoid } : {}) };
      });
      // The wait scales with the job's maps: a fraction of the median finished one.
      const finishedMs = this.durations.get(`${job.id}/${MAP}`) ?? [];
      const waitMs = localityWaitMs(finishedMs);
      const runningMaps = maps.flatMap((task) => task.running.map((attempt) => ({ index: task.index, startedAtMs: attempt.startedAtMs, peer: attempt.peer })));
      const assigned = new Set<number>();
      for (const assignment of assignMaps(pending, slots, now, waitMs, slotsFreeingMs(runningMaps, finishedMs, now), medianMs(finishedMs))) {
        assigned.add(assignment.index);
        start(get(maps.find((task) => task.index === assignment.index)!), assignment.peer, LOCALITY[assignment.locality], false);
      }
      const wakeAtMs = nextLocalityDeadlineMs(pending.filter((task) => !assigned.has(task.index)), now, waitMs);
      if (wakeAtMs !== undefined) this.wakeAt(wakeAtMs);
    }
    const mapsDone = maps.every((task) => get(task).state === TaskState.DONE);
    const pendingReduces = reduces.filter((task) => task.state === TaskState.PENDING && !waiting(task)).map((task) => ({ index: task.index, avoid: this.avoidFor(`${job.id}/${taskKeyOf(task)}`, slots) }));
    if (mapsDone) {
      for (const assignment of assignReduces(pendingReduces, slots)) start(get(reduces.find((task) => task.index === assignment.index)!), assignment.peer, TaskAttempt.Locality.LOCALITY_UNSPECIFIED, false);
    } else if (pendingReduces.length > 0 && reducesMayStart(maps.filter((task) => get(task).state === TaskState.DONE).length, maps.length, this.init.slowstartCompletedMaps ?? SLOWSTART_COMPLETED_MAPS)) {
      // Slow start: reduces copy map outputs while the other maps run.
      const reducesOn = new Map<string, number>();
      for (const task of reduces) for (const attempt of task.running) reducesOn.set(attempt.peer, (reducesOn.get(attempt.peer) ?? 0) + 1);
      for (const assignment of assignEarlyReduces(pendingReduces, slots, reducesOn)) start(get(reduces.find((task) => task.index === assignment.index)!), assignment.peer, TaskAttempt.Locality.LOCALITY_UNSPECIFIED, false);
    }
    // 4. Backups near the end of a phase.
    const phase = mapsDone ? reduces.map(get) : maps.map(get);
    const kind = mapsDone ? REDUCE : MAP;
    const candidates = backupCandidates(
      phase.filter((task) => task.state === TaskState.RUNNING && task.running.length === 1).map((task) => ({ index: task.index, startedAtMs: task.running[0]!.startedAtMs, peer: task.running[0]!.peer })),
      this.durations.get(`${job.id}/${kind}`) ?? [],
      phase.filter((task) => task.state === TaskState.PENDING).length,
      now,
      { factor: BACKUP_FACTOR, minRunMs: BACKUP_MIN_RUN_MS },
    );
    for (const candidate of candidates) {
      const task = get(phase.find((t) => t.index === candidate.index)!);
      const worker = slots.filter((slot) => slot.free > 0 && slot.id !== candidate.peer).sort((a, b) => b.free - a.free)[0];
      if (!worker) break;
      worker.free -= 1;
      if (!this.slowPeers.has(job.id)) this.slowPeers.set(job.id, new Set());
      this.slowPeers.get(job.id)!.add(candidate.peer);
      this.init.log.info("a straggler gets a backup task", { job: job.id, task: taskKeyOf(task), slowPeer: candidate.peer, backupPeer: worker.id });
      start(task, worker.id, task.kind === MAP ? LOCALITY[localityOf(this.init.locations, task, worker, workers)] : TaskAttempt.Locality.LOCALITY_UNSPECIFIED, true);
    }

    // 5. A job whose reduces are all done is finished.
    if (reduces.every((task) => get(task).state === TaskState.DONE)) {
      await this.endJob({ ...next, state: JobState.SUCCEEDED }, current.map(get));
      return;
    }
    if (changed.size > 0) {
      await this.proposeJob(next, [...changed.values()]);
      await this.sendOrders(next, started, current.map(get), workers);
    }
    this.pushMapOutputs(job.id, current.map(get), workers, new Set(started.map(({ task, attempt }) => attemptKey(job.id, taskKeyOf(task), attempt.attempt))));
  }

  /**
   * Sends each reduce that started before its job's maps were done the map outputs finished
   * since its order or the last push (soft state: a new leader sends them all again; the
   * reduce ignores what it has). A push that fails is tried again next round.
   */
  private pushMapOutputs(jobId: string, tasks: TaskRecord[], workers: Map<string, { addresses: string[] }>, justStarted: ReadonlySet<string>): void {
    const done = tasks.filter((task) => task.kind === MAP && task.state === TaskState.DONE && task.done);
    for (const task of tasks) {
      if (task.kind !== REDUCE || task.state === TaskState.DONE) continue;
      for (const attempt of task.running) {
        const key = attemptKey(jobId, taskKeyOf(task), attempt.attempt);
        if (justStarted.has(key)) continue;
        let sent = this.pushedMaps.get(key);
        if (!sent) this.pushedMaps.set(key, (sent = new Set()));
        const fresh = done.filter((map) => !sent.has(`${map.index}/${map.done!.attempt}`));
        if (fresh.length === 0) continue;
        for (const map of fresh) sent.add(`${map.index}/${map.done!.attempt}`);
        const maps: MapOutputLocation[] = fresh.map((map) => ({ index: map.index, attempt: map.done!.attempt, peer: map.done!.peer, addresses: workers.get(map.done!.peer)?.addresses ?? [] }));
        void this.init
          .sendOrder(attempt.peer, { outputs: { jobId, reduceIndex: task.index, attempt: attempt.attempt, maps } })
          .then((ack) => {
            if (!ack.accepted) throw new Error(ack.error);
          })
          .catch((err: unknown) => {
            this.pushedMaps.delete(key);
            this.init.log.warn("map outputs did not reach a reduce", { job: jobId, reduce: task.index, peer: attempt.peer, err });
          });
      }
    }
  }

  private timers(): TimerSource {
    // The wake-up is an optimisation: it must not keep a process alive that has stopped leading.
    return this.init.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>) };
  }

  /** A round at `atMs` (this leader's clock), unless one is due sooner. */
  private wakeAt(atMs: number): void {
    const now = this.nowMs();
    if (atMs >= this.wakeAtMs && this.wakeAtMs > now) return;
    this.timers().clearTimeout(this.wakeTimer);
    this.wakeAtMs = atMs;
    this.wakeTimer = this.timers().setTimeout(() => {
      this.wakeAtMs = Infinity;
      this.kick();
    }, Math.max(0, atMs - now));
  }

  private async sendOrders(job: JobRecord, started: Array<{ task: TaskRecord; attempt: TaskAttempt }>, tasks: TaskRecord[], workers: Map<string, { addresses: string[] }>): Promise<void> {
    const maps: MapOutputLocation[] = tasks
      .filter((task) => task.kind === MAP && task.state === TaskState.DONE && task.done)
      .map((task) => ({ index: task.index, attempt: task.done!.attempt, peer: task.done!.peer, addresses: workers.get(task.done!.peer)?.addresses ?? [] }));
    const queue = [...started];
    const failed: Array<{ task: TaskRecord; attempt: TaskAttempt; error: string }> = [];
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const { task, attempt } = item;
        const order: TaskOrder = {
          run: {
            jobId: job.id,
            kind: task.kind,
            index: task.index,
            attempt: attempt.attempt,
            bundlePath: job.spec!.bundlePath,
            reducers: job.spec!.reducers,
            inputFormat: job.spec!.inputFormat,
            ...(task.split ? { split: task.split } : {}),
            maps: task.kind === REDUCE ? maps : [],
            output: job.spec!.output,
            orderSentAtMs: Date.now(),
            // Every reduce learns how many outputs to wait for: those of maps still running come later (pushMapOutputs).
            mapCount: task.kind === REDUCE ? job.mapTasks : 0,
            params: job.spec!.params,
            outputReplication: job.spec!.outputReplication,
            ...(job.spec!.streaming ? { streaming: job.spec!.streaming } : {}),
          },
        };
        if (task.kind === REDUCE) this.pushedMaps.set(attemptKey(job.id, taskKeyOf(task), attempt.attempt), new Set(maps.map((map) => `${map.index}/${map.attempt}`)));
        this.heardFrom.set(attemptKey(job.id, taskKeyOf(task), attempt.attempt), this.nowMs());
        try {
          const ack = await this.init.sendOrder(attempt.peer, order);
          if (!ack.accepted) failed.push({ task, attempt, error: ack.error || "the worker refused the task" });
        } catch (err) {
          failed.push({ task, attempt, error: (err as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(ORDER_PARALLELISM, started.length) }, worker));
    if (failed.length === 0) return;
    // An order that did not reach its worker: the attempt is dropped, the task waits again.
    // It does not count as a failure of the task; the worker is not at fault for a network.
    const latest = new Map(this.init.namespace.jobTasks(job.id).map((task) => [taskKeyOf(task), task]));
    const changed: TaskRecord[] = [];
    for (const { task, attempt, error } of failed) {
      this.init.log.warn("a task order did not reach its worker", { job: job.id, task: taskKeyOf(task), peer: attempt.peer, error });
      const now = latest.get(taskKeyOf(task));
      if (!now || now.state === TaskState.DONE) continue;
      const running = now.running.filter((candidate) => candidate.attempt !== attempt.attempt);
      changed.push({ ...now, running, state: running.length > 0 ? TaskState.RUNNING : TaskState.PENDING });
    }
    const fresh = this.init.namespace.job(job.id);
    if (fresh && fresh.state === JobState.RUNNING && changed.length > 0) await this.proposeJob(fresh, changed);
  }

  /** Records the end of a job: output committed (succeeded) or cleaned up, workers told. */
  private async endJob(job: JobRecord, tasks: TaskRecord[]): Promise<void> {
    const now = this.nowMs();
    const spec = job.spec!;
    if (job.state === JobState.SUCCEEDED) {
      // _SUCCESS marks a finished job (Hadoop's FileOutputCommitter); the part files are
      // already in place, each renamed there atomically by its reduce.
      const clientId = `job/${job.id}`;
      // Made already when an earlier try of this end was cut short after it (a proposal that
      // timed out but committed, a leader change): every later round failed on it, and the job
      // never ended.
      if (!this.exists(`${spec.output}/_SUCCESS`)) await this.propose({ create: { path: `${spec.output}/_SUCCESS`, replication: spec.outputReplication || REPLICATION_DEFAULT, chunkSizeBytes: 1024 * 1024, clientId, leaseExpiryMs: 0, mtimeMs: now, closed: true } });
    }
    await this.propose({ delete: { path: `${spec.output}/_temporary`, recursive: true, nowMs: now } }).catch(ignoreNotFound);
    await this.propose({ delete: { path: `${JOBS_FOLDER}/${job.id}`, recursive: true, nowMs: now } }).catch(ignoreNotFound);
    const counters = aggregateCounters(job.counters!, tasks);
    const stopped: TaskRecord[] = tasks.filter((task) => task.running.length > 0).map((task) => ({ ...task, running: [], state: task.state === TaskState.DONE ? TaskState.DONE : TaskState.PENDING }));
    const finished: JobRecord = {
      ...job,
      counters,
      finishedAtMs: now,
      mapsDone: tasks.filter((t) => t.kind === MAP && t.state === TaskState.DONE).length,
      reducesDone: tasks.filter((t) => t.kind === REDUCE && t.state === TaskState.DONE).length,
    };
    await this.proposeJob(finished, stopped);
    this.running.delete(job.id);
    this.slowPeers.delete(job.id);
    this.durations.delete(`${job.id}/${MAP}`);
    this.durations.delete(`${job.id}/${REDUCE}`);
    for (const key of this.pushedMaps.keys()) if (key.startsWith(`${job.id}/`)) this.pushedMaps.delete(key);
    for (const key of this.backoffs.keys()) if (key.startsWith(`${job.id}/`)) this.backoffs.delete(key);
    for (const key of this.failedOn.keys()) if (key.startsWith(`${job.id}/`)) this.failedOn.delete(key);
    this.init.log.info(`a job ${JOB_STATE.show(job.state)}`, { job: job.id, ...(job.error ? { error: job.error } : {}), elapsedMs: now - job.submittedAtMs });
    // Running attempts are stopped; every worker drops the job's map outputs.
    for (const task of tasks) for (const attempt of task.running) void this.sendCancel(job.id, task, attempt);
    for (const record of this.init.membership.table.inState("alive")) {
      if (!record.heartbeat.roles.includes("compute")) continue;
      void this.init.sendOrder(record.id, { cleanup: { jobId: job.id } }).catch(() => undefined);
    }
  }

  private async sendCancel(jobId: string, task: TaskRecord, attempt: TaskAttempt): Promise<void> {
    await this.init.sendOrder(attempt.peer, { cancel: { jobId, kind: task.kind, index: task.index, attempt: attempt.attempt } }).catch(() => undefined);
  }

  /** Records that an attempt of `taskKey` failed on `peer`; always true (it reads as a step of a condition). */
  private noteFailedOn(taskKey: string, peer: string): boolean {
    if (peer === "") return true;
    let peers = this.failedOn.get(taskKey);
    if (!peers) this.failedOn.set(taskKey, (peers = new Set()));
    peers.add(peer);
    return true;
  }

  /** The peers a task's next attempt avoids: those it failed on, unless that leaves it no peer with a slot. */
  private avoidFor(taskKey: string, slots: readonly WorkerSlots[]): string[] {
    const failed = this.failedOn.get(taskKey);
    if (!failed || failed.size === 0) return [];
    return slots.some((slot) => slot.free > 0 && !failed.has(slot.id)) ? [...failed] : [];
  }

  private rememberDuration(jobId: string, kind: TaskKind, ms: number): void {
    const key = `${jobId}/${kind}`;
    const list = this.durations.get(key) ?? [];
    list.push(ms);
    if (list.length > 10_000) list.shift();
    this.durations.set(key, list);
  }

  private async proposeJob(job: JobRecord, tasks: TaskRecord[]): Promise<void> {
    await this.propose({ putJob: { job, tasks } });
  }

  private async propose(command: TypedLogCommand): Promise<unknown> {
    return this.init.raft.propose(encodeLogCommand(command), JOB_COMMIT_TIMEOUT_MS);
  }
}

function attemptKey(jobId: string, task: string, attempt: number): string {
  return `${jobId}/${task}/${attempt}`;
}

/** A report names its attempt; one without is malformed. */
function taskRefOf(ref: TaskRef | undefined): TaskRef {
  if (!ref) throw new RequestError("INVALID", "a task report without its task");
  return ref;
}

function localityOf(locations: ChunkLocations, task: TaskRecord, worker: WorkerSlots, workers: Map<string, WorkerSlots>): Locality {
  const holders = task.split?.chunkId ? locations.replicas(task.split.chunkId).map((replica) => replica.peer) : [];
  if (holders.includes(worker.id)) return "node";
  if (holders.some((peer) => workers.get(peer)?.rack === worker.rack)) return "rack";
  return "remote";
}

function ignoreNotFound(err: unknown): void {
  if (err instanceof WireError && err.code === "NOT_FOUND") return;
  throw err;
}

function newTask(kind: TaskKind, index: number, split?: TaskRecord["split"]): TaskRecord {
  return { kind, index, state: TaskState.PENDING, attempts: 0, failures: 0, running: [], lastError: "", ...(split ? { split } : {}) };
}

export function emptyCounters(): JobCounters {
  return {
    mapTasks: 0,
    nodeLocalMaps: 0,
    rackLocalMaps: 0,
    remoteMaps: 0,
    mapInputRecords: 0,
    mapInputBytes: 0,
    mapOutputRecords: 0,
    reduceTasks: 0,
    reduceInputGroups: 0,
    reduceInputRecords: 0,
    reduceOutputRecords: 0,
    shuffleBytes: 0,
    failedTaskAttempts: 0,
    backupTasks: 0,
    rerunMaps: 0,
    lostTaskAttempts: 0,
  };
}

function emptyResult(): TaskResult {
  return { partitionBytes: [], inputRecords: 0, inputBytes: 0, outputRecords: 0, shuffleBytes: 0, inputGroups: 0 };
}

/** The job's counters from the results of the attempts that finished each task. */
function aggregateCounters(base: JobCounters, tasks: TaskRecord[]): JobCounters {
  const startDelaysMs: number[] = [];
  const counters: JobCounters = { ...base, nodeLocalMaps: 0, rackLocalMaps: 0, remoteMaps: 0, mapInputRecords: 0, mapInputBytes: 0, mapOutputRecords: 0, reduceInputGroups: 0, reduceInputRecords: 0, reduceOutputRecords: 0, shuffleBytes: 0 };
  for (const task of tasks) {
    if (task.state !== TaskState.DONE || !task.done) continue;
    const result = task.result ?? emptyResult();
    if (task.kind === MAP) {
      if (task.done.locality === TaskAttempt.Locality.NODE) counters.nodeLocalMaps += 1;
      else if (task.done.locality === TaskAttempt.Locality.RACK) counters.rackLocalMaps += 1;
      else counters.remoteMaps += 1;
      counters.mapInputRecords += result.inputRecords;
      counters.mapInputBytes += result.inputBytes;
      counters.mapOutputRecords += result.outputRecords;
      if (result.startDelayMs !== undefined) startDelaysMs.push(result.startDelayMs);
    } else {
      counters.reduceInputGroups += result.inputGroups;
      counters.reduceInputRecords += result.inputRecords;
      counters.reduceOutputRecords += result.outputRecords;
      counters.shuffleBytes += result.shuffleBytes;
    }
  }
  if (startDelaysMs.length > 0) {
    startDelaysMs.sort((a, b) => a - b);
    counters.taskStartMsP50 = percentileOf(startDelaysMs, 0.5);
    counters.taskStartMsP99 = percentileOf(startDelaysMs, 0.99);
  }
  return counters;
}

/** The nearest-rank percentile of sorted values. */
function percentileOf(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}
