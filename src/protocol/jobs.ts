// The names of MapReduce on the wire: job ids, task keys, where job bundles live, and the
// bounds of a job that client, master and worker all check alike.
import { RequestError } from "./errors.ts";

/** Where clients put job bundles; the scheduler removes a job's folder when it ends. */
export const JOBS_FOLDER = "/.tessera/jobs";
/** Reduce tasks of one job, hence output files and the map output partitions a map task writes. */
export const REDUCERS_MAX = 10_000;
/** Input paths one job names. */
export const JOB_INPUTS_MAX = 1_000;
/** Bounds of a decoded job request: inputs of a spec, partition sizes of a task result. */
export const JOB_REQUEST_LIMITS = { spec: { inputs: JOB_INPUTS_MAX }, result: { partitionBytes: 100_000 } };

// A job id names a folder and travels in task orders: short, lowercase, no separators.
const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function isJobId(id: string): boolean {
  return JOB_ID_PATTERN.test(id);
}

/** Throws RequestError INVALID unless `id` is a job id; returns it. */
export function validateJobId(id: string): string {
  if (!isJobId(id)) throw new RequestError("INVALID", `a job id is 1..64 lowercase letters, digits and '-': ${JSON.stringify(id.slice(0, 80))}`);
  return id;
}

/** "map-00003", "reduce-00000": task keys sort maps before reduces, in index order. */
export function taskKey(kind: string, index: number): string {
  return `${kind}-${String(index).padStart(5, "0")}`;
}
