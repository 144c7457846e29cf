// The JSON API the web UI reads (issue 7). Shapes, which the UI codes against:
//   GET /api/overview            { self: { id, rack }, status: ClusterStatusView, report: ReportView, fsck: FsckView (of "/"), alerts: string[] }
//   GET /api/peers               { peers: PeerView[] }                      (this peer's membership table)
//   GET /api/fs/list?path=P[&after=Q]  { path, entries: StatView-without-chunks[], next? }   (at most LIST_ENTRIES_MAX entries; `next` continues)
//   GET /api/fs/stat?path=P      StatView, with chunks and their replicas [{ peer, rack }]
//   GET /api/jobs                { jobs: JobView[] }                         (newest first)
//   GET /api/jobs/ID             { job: JobView, tasks: [{ kind, index, state, attempts, peer, locality }] }
//   GET /api/buckets             { buckets: [{ name, mtimeMs }], truncated }   (in name order: the top-level folders whose names
//                                are S3 bucket names, protocol/bucket-names.ts, the S3 gateway's buckets; from the first
//                                BUCKETS_ROOT_ENTRIES_MAX (10,000) entries of "/", `truncated` when "/" holds more)
// Everything cluster-wide is the leader's answer (ClusterData), the same `tessera report`,
// `fsck`, `cluster status`, `fs ls`, `fs stat` and `job status` print.
import { normalizePath } from "../protocol/paths.ts";
import type { TaskRecord } from "../protocol/pb/jobs.ts";
import { LOCALITY, TASK_KIND, TASK_STATE } from "../protocol/job-names.ts";
import type { StatView } from "../client/fs.ts";
import { alertsOf } from "./alerts.ts";
import type { ClusterData } from "./cluster-data.ts";
import { HttpError, json, queryParam } from "./respond.ts";
import type { AdminHttpSource } from "./source.ts";
import { InvalidPathError } from "../protocol/errors.ts";

// As the master checks job ids (src/master/state/job-records.ts), so a bad id never reaches the leader.
const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface TaskView {
  kind: string;
  index: number;
  /** "pending" | "running" | "done" */
  state: string;
  attempts: number;
  /** The peer of the running attempt, or of the one that finished ("" while pending). */
  peer: string;
  /** "node" | "rack" | "remote" for maps, "" for reduces and pending tasks. */
  locality: string;
}

export class Api {
  constructor(
    private readonly source: AdminHttpSource,
    private readonly data: ClusterData,
  ) {}

  async overview(): Promise<Response> {
    const snapshot = await this.data.snapshot();
    return json({ self: { id: this.source.self.id, rack: this.source.self.rack }, status: snapshot.status, report: snapshot.report, fsck: snapshot.fsck, alerts: alertsOf(snapshot) });
  }

  peers(): Response {
    return json({ peers: this.source.peers() });
  }

  async list(url: URL): Promise<Response> {
    const path = pathParam(url, "path", true);
    const after = pathParam(url, "after", false);
    const page = (await this.data.list(path, after)).value;
    return json({ path, entries: page.entries.map(withoutChunks), ...(page.next ? { next: page.next } : {}) });
  }

  async stat(url: URL): Promise<Response> {
    return json((await this.data.stat(pathParam(url, "path", true))).value);
  }

  async buckets(): Promise<Response> {
    return json((await this.data.buckets()).value);
  }

  async jobs(): Promise<Response> {
    return json({ jobs: (await this.data.jobs()).value });
  }

  async job(id: string): Promise<Response> {
    if (!JOB_ID_PATTERN.test(id)) throw new HttpError(400, `${JSON.stringify(id.slice(0, 80))} is not a job id (1 to 64 lowercase letters, digits and '-')`);
    const detail = (await this.data.job(id)).value;
    return json({ job: detail.job, tasks: detail.tasks.map(taskView) });
  }
}

/** A task record as the UI reads it: its enums by the lowercase names they always had here. */
export function taskView(task: TaskRecord): TaskView {
  const attempt = task.running[0] ?? task.done;
  return {
    kind: TASK_KIND.show(task.kind),
    index: task.index,
    state: TASK_STATE.show(task.state),
    attempts: task.attempts,
    peer: attempt?.peer ?? "",
    locality: attempt ? LOCALITY.show(attempt.locality) : "",
  };
}

function withoutChunks(entry: StatView): Omit<StatView, "chunks"> {
  const { chunks: _chunks, ...rest } = entry;
  return rest;
}

function pathParam(url: URL, name: string, required: true): string;
function pathParam(url: URL, name: string, required: false): string | undefined;
function pathParam(url: URL, name: string, required: boolean): string | undefined {
  const value = queryParam(url, name, { required });
  if (value === undefined) return undefined;
  try {
    return normalizePath(value);
  } catch (err) {
    if (err instanceof InvalidPathError) throw new HttpError(400, err.message);
    throw err;
  }
}
