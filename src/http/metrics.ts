// GET /metrics in Prometheus's text format, written by prom-client into a registry of this
// peer's own (never the library's global one: tests run several peers in one process).
//
// Two kinds of figures. Cluster-wide ones (files, chunks and their health, capacity, peers,
// repairs, jobs) are the leader's answers from ClusterData, fetched once per scrape before the
// registry is rendered, so a scrape costs the leader at most one request per second whatever
// the scrape rate and every peer reports the same numbers. Local ones (Raft, the chunk
// server's bytes, this peer's reads and tasks, metadata latency) are this peer's counters.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { JobView } from "../client/jobs.ts";
import type { ClusterData, ClusterSnapshot } from "./cluster-data.ts";
import type { AdminHttpSource } from "./source.ts";
import type { TierUsage } from "../protocol/pb/membership.ts";
import type { AdmissionStats } from "../util/admission.ts";

/** Metadata request latency buckets, seconds: a local stat is ~1 ms, a commit ~10 ms, an election seconds. */
export const META_LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Admin HTTP latency buckets, seconds (issue 7 asks for under 200 ms). */
export const HTTP_LATENCY_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 5];
/** Event-loop lag buckets, seconds: how late a timer fires tells how long this peer cannot answer anything. */
export const EVENT_LOOP_LAG_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5];
/** The lag probe's period: a timer this often, its lateness observed. */
export const EVENT_LOOP_PROBE_MS = 100;
/**
 * Distinct `op` label values kept; further ones count as "other". Ops come from requests other
 * peers send, so without a bound a misbehaving member could grow the registry without end.
 */
export const OP_LABELS_MAX = 64;
const OP_LABEL_CHARS_MAX = 48;

/** One metadata request as MetaService saw it (its onRequest hook). */
export interface MetaRequestSample {
  /** "status", "settings.get", "job", "fs.create", "fs.stat", ... */
  op: string;
  /** True when this peer led and served it; false when it forwarded it to the leader. */
  served: boolean;
  /** False when the answer carried an error code. */
  ok: boolean;
  durationMs: number;
}

interface ScrapeData {
  snapshot?: ClusterSnapshot;
  jobs?: JobView[];
}

export class PeerMetrics {
  readonly registry = new Registry();
  private readonly metaLatency: Histogram<"op" | "served" | "outcome">;
  private readonly httpLatency: Histogram<"route" | "code">;
  private readonly eventLoopLag: Histogram;
  private lagTimer?: ReturnType<typeof setTimeout>;
  private readonly opLabels = new Set<string>();
  private current: ScrapeData = {};
  private data?: ClusterData;

  constructor() {
    const registers = [this.registry];
    this.metaLatency = new Histogram({
      name: "tessera_meta_request_duration_seconds",
      help: "Metadata requests (/tessera/meta/3) handled by this peer: served here as leader (served=\"leader\") or forwarded to it (served=\"forwarded\").",
      labelNames: ["op", "served", "outcome"],
      buckets: META_LATENCY_BUCKETS_S,
      registers,
    });
    this.httpLatency = new Histogram({
      name: "tessera_http_request_duration_seconds",
      help: "Requests to this peer's admin HTTP server, by route.",
      labelNames: ["route", "code"],
      buckets: HTTP_LATENCY_BUCKETS_S,
      registers,
    });
    this.eventLoopLag = new Histogram({
      name: "tessera_event_loop_lag_seconds",
      help: `How late a timer set every ${EVENT_LOOP_PROBE_MS} ms fired: while this peer's event loop is busy it answers nothing, HTTP included.`,
      buckets: EVENT_LOOP_LAG_BUCKETS_S,
      registers,
    });
  }

  /** Starts the event-loop lag probe (one timer). */
  startProbes(): void {
    if (this.lagTimer) return;
    const arm = () => {
      const due = performance.now() + EVENT_LOOP_PROBE_MS;
      this.lagTimer = setTimeout(() => {
        this.eventLoopLag.observe(Math.max(0, performance.now() - due) / 1000);
        arm();
      }, EVENT_LOOP_PROBE_MS);
      // The probe never keeps a process alive on its own.
      this.lagTimer.unref?.();
    };
    arm();
  }

  stopProbes(): void {
    clearTimeout(this.lagTimer);
    this.lagTimer = undefined;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observeMetaRequest(sample: MetaRequestSample): void {
    this.metaLatency.observe({ op: this.opLabel(sample.op), served: sample.served ? "leader" : "forwarded", outcome: sample.ok ? "ok" : "error" }, sample.durationMs / 1000);
  }

  observeHttpRequest(route: string, status: number, durationMs: number): void {
    this.httpLatency.observe({ route, code: String(status) }, durationMs / 1000);
  }

  /** Registers every other metric, reading `source` and the leader's figures in `data`. Once. */
  bind(source: AdminHttpSource, data: ClusterData): void {
    if (this.data) throw new Error("PeerMetrics.bind is called once");
    this.data = data;
    this.registerCluster();
    this.registerLocal(source);
  }

  /** The exposition text: fetches the leader's figures (cached), then renders the registry. */
  async metrics(): Promise<string> {
    if (this.data) {
      const [snapshot, jobs] = await Promise.allSettled([this.data.snapshot(), this.data.jobs()]);
      this.current = { ...(snapshot.status === "fulfilled" ? { snapshot: snapshot.value } : {}), ...(jobs.status === "fulfilled" ? { jobs: jobs.value.value } : {}) };
    }
    return this.registry.metrics();
  }

  private opLabel(op: string): string {
    const label = op.slice(0, OP_LABEL_CHARS_MAX);
    if (this.opLabels.has(label)) return label;
    if (this.opLabels.size >= OP_LABELS_MAX) return "other";
    this.opLabels.add(label);
    return label;
  }

  private registerCluster(): void {
    const registers = [this.registry];
    const current = () => this.current;
    // A gauge set from the leader's snapshot at scrape time; without one it keeps its last value
    // and tessera_cluster_up says so.
    const fromSnapshot = (name: string, help: string, value: (s: ClusterSnapshot) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const snapshot = current().snapshot;
          if (snapshot) this.set(value(snapshot));
        },
      });
    new Gauge({
      name: "tessera_cluster_up",
      help: "1 when this peer has the leader's figures (the tessera_ gauges about the whole cluster), 0 when the leader has not answered yet.",
      registers,
      collect() {
        this.set(current().snapshot ? 1 : 0);
      },
    });
    fromSnapshot("tessera_cluster_data_age_seconds", "Age of the leader's figures this scrape shows (they are cached for about a second).", (s) => s.ageMs / 1000);
    fromSnapshot("tessera_files", "Files in the namespace.", (s) => s.fsck.files);
    fromSnapshot("tessera_directories", "Folders in the namespace, the root not counted.", (s) => s.fsck.directories);
    fromSnapshot("tessera_chunks", "Chunks of all files.", (s) => s.fsck.chunks);
    fromSnapshot("tessera_chunks_missing", "Chunks with no live replica (fsck MISSING).", (s) => s.fsck.missing);
    fromSnapshot("tessera_chunks_under_replicated", "Chunks with fewer live replicas than their replication (fsck UNDER_REPLICATED).", (s) => s.fsck.underReplicated);
    fromSnapshot("tessera_chunks_corrupt", "Chunks with a replica reported corrupt and not yet replaced (fsck CORRUPT).", (s) => s.fsck.corrupt);
    fromSnapshot("tessera_chunks_over_replicated", "Chunks with more live replicas than wanted (the replicator trims them).", (s) => s.fsck.overReplicated);
    fromSnapshot("tessera_capacity_bytes", "Disk capacity of the chunk servers that are not dead.", (s) => s.report.capacityBytes);
    fromSnapshot("tessera_capacity_used_bytes", "Bytes of chunk replicas on the chunk servers that are not dead.", (s) => s.report.usedBytes);
    fromSnapshot("tessera_capacity_remaining_bytes", "Free disk bytes of the chunk servers that are not dead.", (s) => s.report.remainingBytes);
    fromSnapshot("tessera_replication_queue_chunks", "Chunks waiting in the leader's re-replication queue.", (s) => s.report.repairQueue);
    fromSnapshot("tessera_replication_in_flight_chunks", "Chunk copies the leader's replicator has under way.", (s) => s.fsck.repairsInFlight);
    fromSnapshot("tessera_raft_voters", "Voters of the Raft group of masters.", (s) => s.status.voters.length);
    new Gauge({
      name: "tessera_peers",
      help: "Chunk servers by state, as the leader sees them.",
      labelNames: ["state"],
      registers,
      collect() {
        const snapshot = current().snapshot;
        if (!snapshot) return;
        this.set({ state: "alive" }, snapshot.report.livePeers);
        this.set({ state: "suspect" }, snapshot.report.suspectPeers);
        this.set({ state: "dead" }, snapshot.report.deadPeers);
      },
    });
    // The leader's counters: a new leader starts from 0, which Prometheus's rate() reads as a reset.
    new Counter({
      name: "tessera_repaired_chunks_total",
      help: "Chunks the leader's replicator copied to restore their replication (since it became leader).",
      registers,
      collect() {
        const snapshot = current().snapshot;
        if (!snapshot) return;
        this.reset();
        this.inc(snapshot.report.repairedChunks);
      },
    });
    new Counter({
      name: "tessera_repaired_bytes_total",
      help: "Bytes written to new replicas by the leader's replicator (since it became leader).",
      registers,
      collect() {
        const snapshot = current().snapshot;
        if (!snapshot) return;
        this.reset();
        this.inc(snapshot.report.repairedBytes);
      },
    });
    new Gauge({
      name: "tessera_jobs",
      help: "MapReduce jobs the masters keep, by state.",
      labelNames: ["state"],
      registers,
      collect() {
        const jobs = current().jobs;
        if (!jobs) return;
        for (const state of ["running", "succeeded", "failed", "killed"]) this.set({ state }, jobs.filter((job) => job.state === state).length);
      },
    });
    new Counter({
      name: "tessera_map_tasks_total",
      help: "Map tasks of finished jobs by locality: on a peer holding the chunk (node), on its rack (rack), elsewhere (remote).",
      labelNames: ["locality"],
      registers,
      collect() {
        const jobs = current().jobs;
        if (!jobs) return;
        const finished = jobs.filter((job) => job.state !== "running");
        const sum = (counter: string) => finished.reduce((total, job) => total + (job.counters[counter] ?? 0), 0);
        this.reset();
        this.inc({ locality: "node" }, sum("nodeLocalMaps"));
        this.inc({ locality: "rack" }, sum("rackLocalMaps"));
        this.inc({ locality: "remote" }, sum("remoteMaps"));
      },
    });
  }

  private registerLocal(source: AdminHttpSource): void {
    const registers = [this.registry];
    const { local } = source;
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(value());
        },
      });
    // A counter mirroring a figure that only grows (this peer's own counters).
    const counter = <L extends string>(name: string, help: string, labelNames: L[], values: () => Array<[Partial<Record<L, string>>, number]>) =>
      new Counter<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of values()) this.inc(labels, value);
        },
      });
    gauge("tessera_raft_term", "This peer's current Raft term.", () => local.raft().term);
    gauge("tessera_raft_commit_index", "The highest log index this peer knows committed.", () => local.raft().commitIndex);
    gauge("tessera_raft_applied_index", "The highest log index this peer applied to its state machine.", () => local.raft().appliedIndex);
    gauge("tessera_raft_is_leader", "1 when this peer is the Raft leader (the master).", () => (local.raft().isLeader ? 1 : 0));
    counter("tessera_raft_leader_changes_total", "Times this peer saw the leader change.", [], () => [[{}, local.raft().leaderChanges]]);
    counter("tessera_namespace_wal_checkpoints_total", "Checkpoints of this peer's namespace WAL by its worker thread, by outcome: complete (the WAL wholly copied into the database file), partial (a writer kept adding frames), failed.", ["outcome"], () => {
      const checkpoints = local.walCheckpoints();
      return [
        [{ outcome: "complete" }, checkpoints.complete],
        [{ outcome: "partial" }, checkpoints.checkpoints - checkpoints.complete],
        [{ outcome: "failed" }, checkpoints.failures],
      ];
    });
    counter("tessera_chunkserver_written_bytes_total", "Bytes this chunk server accepted as a replica in write pipelines.", [], () => [[{}, local.data.write.bytesWritten]]);
    counter("tessera_chunkserver_read_bytes_total", "Bytes this chunk server served to readers.", [], () => [[{}, local.data.read.bytesServed]]);
    counter("tessera_chunkserver_pipelines_total", "Write pipelines through this chunk server, by outcome.", ["outcome"], () => [
      [{ outcome: "committed" }, local.data.write.pipelinesCommitted],
      [{ outcome: "failed" }, local.data.write.pipelinesFailed],
    ]);
    counter("tessera_chunkserver_reads_total", "Chunk reads asked of this chunk server, by outcome.", ["outcome"], () => [
      [{ outcome: "served" }, local.data.read.readsServed],
      [{ outcome: "failed" }, local.data.read.readsFailed],
    ]);
    counter("tessera_chunkserver_checksum_errors_total", "Blocks that failed their checksum on this chunk server, written or read.", [], () => [[{}, local.data.write.checksumErrors + local.data.read.checksumErrors]]);
    counter("tessera_client_read_bytes_total", "Bytes this peer's file system client read: from its own disk (local) or from other peers (remote).", ["source"], () => [
      [{ source: "local" }, local.reads.localBytes],
      [{ source: "remote" }, local.reads.remoteBytes],
    ]);
    counter("tessera_tasks_total", "Map and reduce task attempts this peer's worker ran, by outcome.", ["outcome"], () => [
      [{ outcome: "map_done" }, local.tasks.counters.mapsDone],
      [{ outcome: "reduce_done" }, local.tasks.counters.reducesDone],
      [{ outcome: "failed" }, local.tasks.counters.failed],
      [{ outcome: "cancelled" }, local.tasks.counters.cancelled],
    ]);
    // Overload (docs/overload.md): what each request server admitted and refused, and why.
    counter("tessera_admission_requests_total", "Requests this peer's servers took in (admitted) or refused with OVERLOADED, by server (meta, webhdfs, s3) and outcome.", ["service", "outcome"], () =>
      local.admission().flatMap(({ service, stats }) => [
        [{ service, outcome: "admitted" }, stats.admitted],
        [{ service, outcome: "refused_queue_full" }, stats.refusedQueueFull],
        [{ service, outcome: "refused_queue_timeout" }, stats.refusedQueueTimeout],
        [{ service, outcome: "refused_busy" }, stats.refusedBusy],
      ] as Array<[Partial<Record<"service" | "outcome", string>>, number]>),
    );
    for (const [name, help, value] of [
      ["tessera_admission_in_flight", "Requests each of this peer's servers is serving now.", (stats: AdmissionStats) => stats.inFlight],
      ["tessera_admission_queued", "Requests waiting for a slot in each of this peer's servers now.", (stats: AdmissionStats) => stats.queued],
    ] as const) {
      new Gauge({
        name,
        help,
        labelNames: ["service"],
        registers,
        collect() {
          this.reset();
          for (const { service, stats } of local.admission()) this.set({ service }, value(stats));
        },
      });
    }
    counter("tessera_task_short_circuit_bytes_total", "Map input bytes this peer's task threads read straight from local chunk files (short-circuit), not through the peer.", [], () => [[{}, local.tasks.counters.mapShortCircuitBytes]]);
    gauge("tessera_tasks_running", "Task attempts running on this peer now.", () => local.tasks.runningCount);
    // Cache tiers (issue 16, docs/cache.md), one series per tier: MEM, SSD, HDD.
    const tierGauge = (name: string, help: string, value: (tier: TierUsage) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["tier"],
        registers,
        collect() {
          this.reset();
          for (const tier of local.tiers()) this.set({ tier: tier.name }, value(tier));
        },
      });
    const tierCounter = (name: string, help: string, value: (tier: TierUsage) => number) => counter(name, help, ["tier"], () => local.tiers().map((tier) => [{ tier: tier.name }, value(tier)]));
    tierGauge("tessera_cache_tier_capacity_bytes", "Bytes a cache tier of this peer may hold (its --tier size).", (tier) => tier.capacityBytes);
    tierGauge("tessera_cache_tier_used_bytes", "Bytes of cache copies in a tier of this peer.", (tier) => tier.usedBytes);
    tierGauge("tessera_cache_tier_chunks", "Cache copies in a tier of this peer.", (tier) => tier.chunks);
    tierGauge("tessera_cache_tier_pinned_chunks", "Pinned cache copies in a tier of this peer (never demoted or evicted).", (tier) => tier.pinnedChunks);
    tierCounter("tessera_cache_tier_hits_total", "Reads of a cache copy held in the tier.", (tier) => tier.hits);
    tierCounter("tessera_cache_tier_misses_total", "Reads this peer had to fetch from the under-storage into the tier (the top one).", (tier) => tier.misses);
    tierCounter("tessera_cache_tier_evictions_total", "Cache copies dropped from the tier for room.", (tier) => tier.evictions);
    tierCounter("tessera_cache_tier_demotions_total", "Cache copies moved down from the tier to the next for room.", (tier) => tier.demotions);
    tierCounter("tessera_cache_tier_promotions_total", "Cache copies moved up into the tier (CACHE_PROMOTE reads).", (tier) => tier.promotions);
    // The usual process metrics, measured here: prom-client's default collectors misread Bun.
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => process.memoryUsage.rss());
    gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", () => Math.round((Date.now() - process.uptime() * 1000) / 1000));
    counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", [], () => {
      const usage = process.cpuUsage();
      return [[{}, (usage.user + usage.system) / 1e6]];
    });
  }
}
