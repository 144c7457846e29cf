// Job parameters (`--param key=value`, Hadoop's Configuration) and Hadoop Streaming commands:
// their bounds and checks, which the client, the leader and the worker apply alike. They
// travel in the job record (Raft) and in every task order, so they are bounded well below a
// Raft entry, and each value below what one environment string may hold (Linux refuses an
// environment string of more than 128 KiB with E2BIG: MAX_ARG_STRLEN).
import { RequestError } from "./errors.ts";
import type { JobParam, StreamingCommands } from "./pb/jobs.ts";

/** Parameters of one job. */
export const JOB_PARAMS_MAX = 256;
/** A parameter's name, in UTF-8 bytes. */
export const JOB_PARAM_KEY_BYTES_MAX = 256;
/** A parameter's value, in UTF-8 bytes: room for a pattern or a small table, not for data. */
export const JOB_PARAM_VALUE_BYTES_MAX = 64 * 1024;
/** All names and values of a job together, in UTF-8 bytes. */
export const JOB_PARAMS_BYTES_MAX = 256 * 1024;
/** A streaming command (mapper, reducer or combiner), in UTF-8 bytes. */
export const STREAMING_COMMAND_BYTES_MAX = 64 * 1024;

/**
 * Hadoop's name for how long a task may make no progress before it is killed: a streaming
 * process that neither reads input nor writes output (or stderr) for this long is killed,
 * with its process group, and the attempt fails.
 */
export const TASK_TIMEOUT_PARAM = "mapreduce.task.timeout";
/** Hadoop's default: ten minutes. */
export const TASK_TIMEOUT_MS_DEFAULT = 600_000;
/** The longest timeout accepted: a day (a larger one is a typo, not a plan). */
export const TASK_TIMEOUT_MS_MAX = 86_400_000;

// A name is something every shell can hold once mangled (envNameOf), starting with a letter
// or '_'; dots and dashes are kept, as in Hadoop's names (mapreduce.task.timeout).
const PARAM_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const utf8 = new TextEncoder();

/** Parses one `--param` argument: `key=value`, split at the first '='; the value may be empty. */
export function parseParamArg(arg: string): JobParam {
  const equals = arg.indexOf("=");
  if (equals < 0) throw new RequestError("INVALID", `a --param is key=value, and ${quote(arg)} has no '='`);
  return { key: arg.slice(0, equals), value: arg.slice(equals + 1) };
}

/** Checks a job's parameters against the bounds above; returns them. Throws RequestError INVALID. */
export function validateParams(params: readonly JobParam[]): JobParam[] {
  if (params.length > JOB_PARAMS_MAX) throw new RequestError("INVALID", `a job has at most ${JOB_PARAMS_MAX} parameters, not ${params.length}`);
  const seen = new Set<string>();
  let totalBytes = 0;
  for (const { key, value } of params) {
    const keyBytes = utf8.encode(key).length;
    if (keyBytes > JOB_PARAM_KEY_BYTES_MAX) throw new RequestError("INVALID", `a parameter name is at most ${JOB_PARAM_KEY_BYTES_MAX} bytes, and ${quote(key)} is ${keyBytes}`);
    if (!PARAM_KEY_PATTERN.test(key)) throw new RequestError("INVALID", `a parameter name starts with a letter or '_' and holds letters, digits, '_', '.' and '-' only, not ${quote(key)}`);
    if (seen.has(key)) throw new RequestError("INVALID", `the parameter ${key} is given twice`);
    seen.add(key);
    const valueBytes = utf8.encode(value).length;
    if (valueBytes > JOB_PARAM_VALUE_BYTES_MAX) throw new RequestError("INVALID", `the value of parameter ${key} is ${valueBytes} bytes, more than the limit of ${JOB_PARAM_VALUE_BYTES_MAX}`);
    if (value.includes("\0")) throw new RequestError("INVALID", `the value of parameter ${key} holds a NUL character, which no environment variable can`);
    totalBytes += keyBytes + valueBytes;
    if (totalBytes > JOB_PARAMS_BYTES_MAX) throw new RequestError("INVALID", `the job's parameters are more than ${JOB_PARAMS_BYTES_MAX} bytes together`);
  }
  const timeout = params.find((param) => param.key === TASK_TIMEOUT_PARAM);
  if (timeout) parseTimeoutMs(timeout.value);
  return [...params];
}

/** The no-progress timeout of a job's streaming processes, in ms. */
export function taskTimeoutMs(params: readonly JobParam[]): number {
  const timeout = params.find((param) => param.key === TASK_TIMEOUT_PARAM);
  return timeout ? parseTimeoutMs(timeout.value) : TASK_TIMEOUT_MS_DEFAULT;
}

function parseTimeoutMs(value: string): number {
  const ms = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(ms >= 1 && ms <= TASK_TIMEOUT_MS_MAX)) throw new RequestError("INVALID", `${TASK_TIMEOUT_PARAM} is a whole number of milliseconds, 1..${TASK_TIMEOUT_MS_MAX}, not ${quote(value)}`);
  return ms;
}

/** Hadoop Streaming's environment name of a parameter: every character not a letter or digit becomes '_'. */
export function envNameOf(key: string): string {
  return key.replace(/[^A-Za-z0-9]/g, "_");
}

/**
 * What a streaming process finds in its environment for the job's parameters: each under its
 * mangled name (mapreduce_task_timeout, for shells) and under its own name (for programs that
 * read their environment directly, such as Python's os.environ["mapreduce.task.timeout"]).
 */
export function paramsEnv(params: readonly JobParam[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { key, value } of params) {
    env[envNameOf(key)] = value;
    env[key] = value;
  }
  return env;
}

/** Checks a streaming job's commands; returns them. Throws RequestError INVALID. */
export function validateStreaming(commands: StreamingCommands): StreamingCommands {
  if (commands.mapper.trim() === "") throw new RequestError("INVALID", "a streaming job needs a mapper command (--mapper cat for the identity)");
  for (const [role, command] of [["mapper", commands.mapper], ["reducer", commands.reducer], ["combiner", commands.combiner]] as const) {
    const bytes = utf8.encode(command).length;
    if (bytes > STREAMING_COMMAND_BYTES_MAX) throw new RequestError("INVALID", `the ${role} command is ${bytes} bytes, more than the limit of ${STREAMING_COMMAND_BYTES_MAX}`);
    if (command.includes("\0")) throw new RequestError("INVALID", `the ${role} command holds a NUL character`);
  }
  return commands;
}

function quote(text: string): string {
  return JSON.stringify(text.length <= 60 ? text : `${text.slice(0, 60)}…`);
}
