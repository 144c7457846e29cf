// `tessera job run|status|list|kill`: MapReduce from the command line. Parsing and printing
// only; the library's JobsClient submits and follows, the leader schedules.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { MultiBar, Presets } from "cli-progress";
import type { ClusterClient } from "../src/client/cluster.ts";
import type { JobView } from "../src/client/jobs.ts";
import { formatBytes, formatTable } from "./format.ts";
import { parseParamArg } from "../src/protocol/job-params.ts";
import { REPLICATION_MAX } from "../src/protocol/limits.ts";
import type { ClientFlagsLike } from "./fs.ts";

type WithClient = <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>;

export class JobUsageError extends Error {
  override name = "UsageError";
}

/** A job that ended in failure or was killed: the command exits 1 after printing it. */
export class JobFailedError extends Error {
  override name = "JobFailedError";
}

interface RunFlags extends ClientFlagsLike {
  input: string[];
  output: string;
  reducers: string;
  outputReplication?: string;
  mapper?: string;
  reducer?: string;
  combiner?: string;
  param: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addJobCommands(program: Command, withClient: WithClient, addClientOptions: (command: Command) => Command): void {
  const job = program.command("job").description("MapReduce jobs: run, status, list, kill");
  addClientOptions(
    job
      .command("run")
      .description("run a job on the cluster (a job module, or Hadoop Streaming commands) and wait for it to finish")
      .argument("[module]", "a TypeScript module whose default export is defineJob({ map, reduce, ... }); none with --mapper")
      .requiredOption("--input <path...>", "input files or folders in the file system")
      .requiredOption("--output <path>", "the output folder (must not exist)")
      .option("--reducers <n>", "reduce tasks, hence output files", "1")
      .option("--output-replication <n>", "copies of each output file (default: the file system's, 3)")
      .option("--mapper <command>", "streaming: a shell command that reads lines on stdin and writes key<TAB>value lines")
      .option("--reducer <command>", "streaming: a shell command that reads its partition's sorted key<TAB>value lines (default: the identity)")
      .option("--combiner <command>", "streaming: a shell command run over each map's sorted output, like a reducer")
      .option("--param <key=value>", "a job parameter (repeatable): context.param(key) in a module, an environment variable for commands", collect, []),
  ).action(async (module: string | undefined, flags: RunFlags) => {
    const reducers = Number(flags.reducers);
    if (!Number.isInteger(reducers) || reducers < 1) throw new JobUsageError(`--reducers must be a whole number of at least 1, not "${flags.reducers}"`);
    const outputReplication = flags.outputReplication === undefined ? undefined : Number(flags.outputReplication);
    if (outputReplication !== undefined && (!Number.isInteger(outputReplication) || outputReplication < 1 || outputReplication > REPLICATION_MAX)) {
      throw new JobUsageError(`--output-replication must be a whole number from 1 to ${REPLICATION_MAX}, not "${flags.outputReplication}"`);
    }
    const params = flags.param.map((arg) => {
      if (!arg.includes("=")) throw new JobUsageError(`--param takes key=value, and "${arg}" has no '='`);
      return parseParamArg(arg);
    });
    if (module !== undefined && flags.mapper !== undefined) throw new JobUsageError("a job is either a module or --mapper commands, not both");
    if (module === undefined && flags.mapper === undefined) throw new JobUsageError("job run needs a job module or a --mapper command");
    if (module !== undefined && (flags.reducer !== undefined || flags.combiner !== undefined)) throw new JobUsageError("--reducer and --combiner go with --mapper, not with a job module");
    const modulePath = module === undefined ? undefined : resolve(module);
    if (modulePath !== undefined && !existsSync(modulePath)) throw new JobUsageError(`the job module ${module} does not exist`);
    await withClient(flags, async (client) => {
      const options = { inputs: flags.input, output: flags.output, reducers, params, ...(outputReplication !== undefined ? { outputReplication } : {}) };
      const submitted = modulePath !== undefined ? await client.jobs.submit(modulePath, options) : await client.jobs.submitStreaming({ mapper: flags.mapper!, ...(flags.reducer !== undefined ? { reducer: flags.reducer } : {}), ...(flags.combiner !== undefined ? { combiner: flags.combiner } : {}) }, options);
      if (!flags.json) process.stderr.write(`job ${submitted.id} submitted: ${submitted.mapTasks} map tasks, ${reducers} reduce tasks\n`);
      const bars = progressBars(submitted);
      const finished = await client.jobs.wait(submitted.id, { onProgress: (view) => bars.update(view) });
      bars.stop();
      printJob(finished, flags.json);
      if (finished.state !== "succeeded") throw new JobFailedError(`job ${finished.id} ${finished.state}${finished.error ? `: ${finished.error}` : ""}`);
    });
  });
  addClientOptions(job.command("status").description("a job's state, progress and counters").argument("<id>", "the job id")).action(async (id: string, flags: ClientFlagsLike) => {
    await withClient(flags, async (client) => printJob(await client.jobs.status(id), flags.json));
  });
  addClientOptions(job.command("list").description("the cluster's jobs, newest first")).action(async (flags: ClientFlagsLike) => {
    await withClient(flags, async (client) => {
      const jobs = await client.jobs.list();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ jobs }, null, 2)}\n`);
        return;
      }
      const rows = jobs.map((view) => [view.id, view.state, `${view.mapsDone}/${view.mapTasks}`, `${view.reducesDone}/${view.reducers}`, seconds(view.elapsedMs), view.module, view.output]);
      process.stdout.write(formatTable(["ID", "STATE", "MAPS", "REDUCES", "ELAPSED", "MODULE", "OUTPUT"], rows));
    });
  });
  addClientOptions(job.command("kill").description("stop a running job").argument("<id>", "the job id")).action(async (id: string, flags: ClientFlagsLike) => {
    await withClient(flags, async (client) => printJob(await client.jobs.kill(id), flags.json));
  });
}

/** Maps and reduces done, with elapsed time, on a terminal; nothing when stderr is piped. */
function progressBars(job: JobView) {
  if (!process.stderr.isTTY) return { update: (_job: JobView) => {}, stop: () => {} };
  const multi = new MultiBar({ format: "{phase} [{bar}] {value}/{total} | elapsed {elapsed}", hideCursor: true, stream: process.stderr, clearOnComplete: false }, Presets.shades_classic);
  const maps = multi.create(Math.max(1, job.mapTasks), 0, { phase: "map   ", elapsed: "0s" });
  const reduces = multi.create(job.reducers, 0, { phase: "reduce", elapsed: "0s" });
  return {
    update: (view: JobView) => {
      maps.setTotal(Math.max(1, view.mapTasks));
      maps.update(view.mapTasks === 0 ? 1 : view.mapsDone, { elapsed: seconds(view.elapsedMs) });
      reduces.update(view.reducesDone, { elapsed: seconds(view.elapsedMs) });
    },
    stop: () => multi.stop(),
  };
}

function printJob(job: JobView, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    return;
  }
  const c = job.counters;
  const lines = [
    `Job:          ${job.id} (${job.module})`,
    `State:        ${job.state}${job.error ? `: ${job.error}` : ""}`,
    ...(job.streaming ? [`Commands:     mapper ${JSON.stringify(job.streaming.mapper)}, reducer ${job.streaming.reducer ? JSON.stringify(job.streaming.reducer) : "(identity)"}${job.streaming.combiner ? `, combiner ${JSON.stringify(job.streaming.combiner)}` : ""}`] : []),
    ...(Object.keys(job.params).length > 0 ? [`Parameters:   ${Object.entries(job.params).map(([key, value]) => `${key}=${value.length <= 40 ? value : `${value.slice(0, 40)}…`}`).join(" ")}`] : []),
    `Input:        ${job.inputs.join(", ")}`,
    `Output:       ${job.output}`,
    `Maps:         ${job.mapsDone}/${job.mapTasks} done (node-local ${c.nodeLocalMaps}, rack-local ${c.rackLocalMaps}, remote ${c.remoteMaps})`,
    `Reduces:      ${job.reducesDone}/${job.reducers} done`,
    `Elapsed:      ${seconds(job.elapsedMs)}`,
    `Records:      ${c.mapInputRecords} read, ${c.mapOutputRecords} emitted by maps, ${c.reduceOutputRecords} written by reduces`,
    `Shuffled:     ${formatBytes(c.shuffleBytes ?? 0)}`,
    `Retries:      ${c.failedTaskAttempts} failed attempts, ${c.backupTasks} backup tasks, ${c.rerunMaps} maps run again`,
  ];
  // From the leader sending a map's order to the job's map running (absent before a map finished).
  if (c.taskStartMsP50 !== undefined) lines.push(`Task start:   ${c.taskStartMsP50} ms median, ${c.taskStartMsP99} ms p99 (order sent to map running)`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
