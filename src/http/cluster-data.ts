// The cluster-wide figures every endpoint shows (overview, /metrics, /jmx), each fetched from
// the leader at most once per CLUSTER_DATA_TTL_MS whatever the number of requests, and the
// per-path and per-job answers of the API under the same rule.
import type { ClusterStatusView, FsckView, ReportView } from "../protocol/views.ts";
import type { StatView } from "../client/fs.ts";
import type { JobView } from "../client/jobs.ts";
import type { TaskRecord } from "../protocol/pb/jobs.ts";
import type { AdminHttpSource } from "./source.ts";
import { listBuckets, type BucketList } from "./buckets.ts";
import { TtlCache, type Cached } from "./ttl-cache.ts";

/** Figures younger than this are served without asking the leader again (issue 7: ~1 s). */
export const CLUSTER_DATA_TTL_MS = 1_000;
/** With figures at hand, a request waits this long for fresher ones (keeps pages well under 200 ms). */
export const STALE_WAIT_MS = 100;
/** With no figures yet, a request waits this long for the leader, then answers 503. */
export const FIRST_LOAD_WAIT_MS = 5_000;
/** Leader answers remembered at once: the overview's three, the job list, the bucket list, and paths and jobs asked for. */
export const CACHE_ENTRIES_MAX = 128;
/** Entries of a folder the API lists in one answer; `next` continues. */
export const LIST_ENTRIES_MAX = 1_000;

export interface ClusterSnapshot {
  status: ClusterStatusView;
  report: ReportView;
  /** fsck of "/": the health of every chunk. */
  fsck: FsckView;
  /** Age of the oldest of the three answers. */
  ageMs: number;
}

export interface JobDetail {
  job: JobView;
  tasks: TaskRecord[];
}

export class ClusterData {
  private readonly cache: TtlCache;

  constructor(
    private readonly source: AdminHttpSource,
    options: { ttlMs?: number; staleWaitMs?: number; firstLoadWaitMs?: number } = {},
  ) {
    this.cache = new TtlCache({
      ttlMs: options.ttlMs ?? CLUSTER_DATA_TTL_MS,
      staleWaitMs: options.staleWaitMs ?? STALE_WAIT_MS,
      firstLoadWaitMs: options.firstLoadWaitMs ?? FIRST_LOAD_WAIT_MS,
      entriesMax: CACHE_ENTRIES_MAX,
    });
  }

  status(): Promise<Cached<ClusterStatusView>> {
    return this.cache.get("status", () => this.source.clusterStatus());
  }

  report(): Promise<Cached<ReportView>> {
    return this.cache.get("report", () => this.source.report());
  }

  fsck(): Promise<Cached<FsckView>> {
    return this.cache.get("fsck:/", () => this.source.fsck("/"));
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const [status, report, fsck] = await Promise.all([this.status(), this.report(), this.fsck()]);
    return { status: status.value, report: report.value, fsck: fsck.value, ageMs: Math.max(status.ageMs, report.ageMs, fsck.ageMs) };
  }

  jobs(): Promise<Cached<JobView[]>> {
    return this.cache.get("jobs", () => this.source.jobs());
  }

  job(id: string): Promise<Cached<JobDetail>> {
    return this.cache.get(`job:${id}`, async () => {
      const [job, tasks] = await Promise.all([this.source.job(id), this.source.tasks(id)]);
      return { job, tasks };
    });
  }

  stat(path: string): Promise<Cached<StatView>> {
    return this.cache.get(`stat:${path}`, () => this.source.stat(path));
  }

  list(path: string, after: string | undefined): Promise<Cached<{ entries: StatView[]; next?: string }>> {
    return this.cache.get(`list:${JSON.stringify([path, after ?? ""])}`, () => this.source.listPage(path, { ...(after !== undefined ? { after } : {}), limit: LIST_ENTRIES_MAX }));
  }

  /** The top-level folders that are buckets: up to ten pages of "/" from the leader, kept as one answer. */
  buckets(): Promise<Cached<BucketList>> {
    return this.cache.get("buckets", () => listBuckets((path, options) => this.source.listPage(path, options)));
  }
}
