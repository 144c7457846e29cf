// MapReduce jobs from the client's side: submit a job module (bundled with Bun's bundler and
// stored in the file system, so any worker can load it), follow it, list, kill.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { bundleJob, loadJobBundle } from "../job-module/bundle.ts";
import { InputFormat, type JobParam, type JobRecord, type JobSpec, type StreamingCommands, type TaskRecord } from "../protocol/pb/jobs.ts";
import type { AnswerOf, RequestOf } from "../protocol/meta.ts";
import type { FileSystemClient } from "./fs.ts";
import { MetaRequestError } from "./meta-call.ts";
import { JOBS_FOLDER } from "../protocol/jobs.ts";
import { INPUT_FORMAT, JOB_STATE, type JobStateName } from "../protocol/job-names.ts";
import { RequestError } from "../protocol/errors.ts";
import { validateParams, validateStreaming } from "../protocol/job-params.ts";
import { REPLICATION_DEFAULT, REPLICATION_MAX } from "../protocol/limits.ts";
import { checkStreamingCommand } from "./streaming-check.ts";

export interface SubmitOptions {
  inputs: string[];
  output: string;
  /** Reduce tasks, hence output files. Default 1. */
  reducers?: number;
  /** A job id to use instead of a generated one (lowercase letters, digits, '-'). */
  jobId?: string;
  /**
   * Parameters (`--param key=value`): a TypeScript job reads them from its context
   * (`context.param("key")`), a streaming job's commands from their environment. Bounds in
   * src/protocol/job-params.ts.
   */
  params?: Readonly<Record<string, string>> | readonly JobParam[];
  /**
   * Copies of each output file, 1..REPLICATION_MAX. Default: the file system's (3). Hadoop sets
   * it per job (`dfs.replication`); TeraSort writes its output at 1, since it can be made again.
   */
  outputReplication?: number;
}

/** A Hadoop Streaming job's commands, each run through `/bin/sh -c` on the workers. */
export interface StreamingOptions {
  /** Gets the split's lines on stdin, writes `key<TAB>value` lines on stdout. Required. */
  mapper: string;
  /** Gets its partition's sorted `key<TAB>value` lines on stdin; its stdout lines are the output. Default: the identity (the sorted map output). */
  reducer?: string;
  /** Applied to each map's sorted output before the shuffle (like a reducer, key by key). */
  combiner?: string;
}

/** The metadata requests of a job's client. */
export type JobsRequestKind = "submitJob" | "jobStatus" | "listJobs" | "killJob";
/** Sends one of them to the leader and resolves with its answer: a MetaCall does. */
export type JobsCall = <K extends JobsRequestKind>(kind: K, body: RequestOf<K>) => Promise<AnswerOf<K>>;

/** A job as `tessera job` prints it and admin HTTP serves it: states by their lowercase names. */
export interface JobView {
  id: string;
  state: JobStateName;
  module: string;
  inputs: string[];
  output: string;
  reducers: number;
  /** Copies of each output file. */
  outputReplication: number;
  /** The job's parameters, by name (none: an empty object). */
  params: Record<string, string>;
  /** A streaming job's commands ("" for none). */
  streaming?: { mapper: string; reducer: string; combiner: string };
  mapTasks: number;
  mapsDone: number;
  reducesDone: number;
  error?: string;
  failedTask?: string;
  submittedAtMs: number;
  finishedAtMs?: number;
  elapsedMs: number;
  counters: Record<string, number>;
}

export class JobError extends Error {
  override name = "JobError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class JobsClient {
  constructor(
    private readonly fs: FileSystemClient,
    private readonly call: JobsCall,
  ) {}

  /**
   * Bundles `modulePath`, checks that it defines a job, stores the bundle and records the job.
   * Every check (module, inputs, output, reducers) happens before any task starts.
   */
  async submit(modulePath: string, options: SubmitOptions): Promise<JobView> {
    const { reducers, params, outputReplication } = checkOptions(options);
    const bundle = await bundleJob(modulePath);
    const scratch = mkdtempSync(join(tmpdir(), "tessera-job-"));
    let inputFormat: InputFormat;
    try {
      // Loading the bundle here catches a module without map or reduce before anything runs.
      const job = await loadJobBundle(bundle, scratch);
      const named = INPUT_FORMAT.parse(job.input ?? "lines");
      if (named === undefined) throw new JobError("INVALID", `the job's input is "lines" or "whole-file", not ${JSON.stringify(job.input)}`);
      inputFormat = named;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const id = options.jobId ?? newJobId();
    const bundlePath = `${JOBS_FOLDER}/${id}/job.js`;
    await this.fs.mkdir(`${JOBS_FOLDER}/${id}`, { parents: true });
    try {
      await this.fs.put(bundle, bundlePath);
      const answer = await this.call("submitJob", { jobId: id, spec: { inputs: options.inputs, output: options.output, reducers, bundlePath, moduleName: basename(modulePath), inputFormat, params, outputReplication } });
      return jobView(answer.job!);
    } catch (err) {
      await this.fs.rm(`${JOBS_FOLDER}/${id}`, { recursive: true }).catch(() => undefined);
      throw asJobError(err);
    }
  }

  /**
   * Submits a Hadoop Streaming job: no bundle, the commands travel in the job record. Every
   * check (commands, their programs on this machine's PATH, parameters, inputs, output)
   * happens before any task starts.
   */
  async submitStreaming(commands: StreamingOptions, options: SubmitOptions): Promise<JobView> {
    const { reducers, params, outputReplication } = checkOptions(options);
    const streaming: StreamingCommands = { mapper: commands.mapper, reducer: commands.reducer ?? "", combiner: commands.combiner ?? "" };
    try {
      validateStreaming(streaming);
      for (const role of ["mapper", "reducer", "combiner"] as const) if (streaming[role] !== "") checkStreamingCommand(role, streaming[role]);
    } catch (err) {
      throw new JobError("INVALID", err instanceof Error ? err.message : String(err));
    }
    const spec: JobSpec = { inputs: options.inputs, output: options.output, reducers, bundlePath: "", moduleName: "streaming", inputFormat: InputFormat.LINES, params, streaming, outputReplication };
    return jobView((await this.callJob("submitJob", { jobId: options.jobId ?? newJobId(), spec })).job!);
  }

  async status(jobId: string): Promise<JobView> {
    return jobView((await this.callJob("jobStatus", { jobId, withTasks: false })).job!);
  }

  /** Every task of a job, with its attempts (for `job status --tasks` and tests); views map them with taskView (src/http/api.ts). */
  async tasks(jobId: string): Promise<TaskRecord[]> {
    return (await this.callJob("jobStatus", { jobId, withTasks: true })).tasks;
  }

  async list(): Promise<JobView[]> {
    return (await this.callJob("listJobs", {})).jobs.map(jobView);
  }

  async kill(jobId: string): Promise<JobView> {
    return jobView((await this.callJob("killJob", { jobId })).job!);
  }

  /**
   * Polls until the job ends; `onProgress` sees every poll. With `timeoutMs`, gives up after
   * that long (the job goes on) with a JobError of code TIMEOUT.
   */
  async wait(jobId: string, options: { intervalMs?: number; timeoutMs?: number; onProgress?(job: JobView): void } = {}): Promise<JobView> {
    const deadline = options.timeoutMs === undefined ? Infinity : performance.now() + options.timeoutMs;
    for (;;) {
      const job = await this.status(jobId);
      options.onProgress?.(job);
      if (job.state !== "running") return job;
      if (performance.now() >= deadline) throw new JobError("TIMEOUT", `job ${jobId} is still running after ${options.timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  }

  private async callJob<K extends JobsRequestKind>(kind: K, body: RequestOf<K>): Promise<AnswerOf<K>> {
    try {
      return await this.call(kind, body);
    } catch (err) {
      throw asJobError(err);
    }
  }
}

function newJobId(): string {
  return `job-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "")}-${randomBytes(3).toString("hex")}`;
}

/** The checks every submission makes before anything is stored or recorded. */
function checkOptions(options: SubmitOptions): { reducers: number; params: JobParam[]; outputReplication: number } {
  const reducers = options.reducers ?? 1;
  if (!Number.isInteger(reducers) || reducers < 1) throw new JobError("INVALID", `the number of reducers must be a whole number of at least 1, not ${options.reducers}`);
  const outputReplication = options.outputReplication ?? REPLICATION_DEFAULT;
  if (!Number.isInteger(outputReplication) || outputReplication < 1 || outputReplication > REPLICATION_MAX) {
    throw new JobError("INVALID", `the output replication must be a whole number from 1 to ${REPLICATION_MAX}, not ${options.outputReplication}`);
  }
  if (options.inputs.length === 0) throw new JobError("INVALID", "a job needs at least one input path");
  const given = options.params ?? [];
  const list: JobParam[] = Array.isArray(given) ? [...(given as readonly JobParam[])] : Object.entries(given).map(([key, value]) => ({ key, value: String(value) }));
  try {
    return { reducers, params: validateParams(list), outputReplication };
  } catch (err) {
    if (err instanceof RequestError) throw new JobError(err.code, err.message);
    throw err;
  }
}

function asJobError(err: unknown): unknown {
  if (err instanceof MetaRequestError) return new JobError(err.code, err.message);
  return err;
}

export function jobView(job: JobRecord): JobView {
  const spec = job.spec!;
  const end = job.finishedAtMs || Date.now();
  return {
    id: job.id,
    state: JOB_STATE.view(job.state),
    module: spec.moduleName,
    inputs: spec.inputs,
    output: spec.output,
    reducers: spec.reducers,
    outputReplication: spec.outputReplication || REPLICATION_DEFAULT,
    params: Object.fromEntries(spec.params.map((param) => [param.key, param.value])),
    ...(spec.streaming ? { streaming: { ...spec.streaming } } : {}),
    mapTasks: job.mapTasks,
    mapsDone: job.mapsDone,
    reducesDone: job.reducesDone,
    ...(job.error ? { error: job.error } : {}),
    ...(job.failedTask ? { failedTask: job.failedTask } : {}),
    submittedAtMs: job.submittedAtMs,
    ...(job.finishedAtMs ? { finishedAtMs: job.finishedAtMs } : {}),
    elapsedMs: Math.max(0, end - job.submittedAtMs),
    counters: { ...(job.counters ?? {}) } as unknown as Record<string, number>,
  };
}
