// The composition root: a peer opens its data dir, starts the libp2p host and the roles,
// joins the cluster and stops them all cleanly. Every later role is wired in here.
import { resolve } from "node:path";
import { statfsSync } from "node:fs";
import os from "node:os";
import { multiaddr } from "@multiformats/multiaddr";
import { createHost, type PeerHost, type TesseraHost } from "../net/host.ts";
import { isSwarmKeyMismatch } from "../net/encryption.ts";
import { MembershipService } from "../membership/service.ts";
import { ROLES } from "../membership/heartbeat.ts";
import type { PeerChange } from "../membership/peer-table.ts";
import { peerViewFromRecord } from "../membership/view.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { CACHE_COPIES_FILE, CHUNKS_DIR, COMPUTE_DIR, DataDir, KNOWN_PEER_ADDRESSES_MAX, MASTER_DB_FILE, MASTER_DIR, RAFT_DIR, SWARM_KEY_FILE } from "./data-dir.ts";
import { DATA_DIR_DEFAULT, HTTP_DEFAULT, LISTEN_DEFAULT, RACK_DEFAULT, parseMultiaddr, resolveTimings, validateRack, type PeerOptions } from "./config.ts";
import { startAdminHttp, type AdminHttp } from "../http/server.ts";
import { startS3Gateway, type S3Gateway } from "../gateway/s3/server.ts";
import { startWebHdfsServer, type WebHdfsServer } from "../gateway/webhdfs/server.ts";
import { WebHdfsAuth } from "../gateway/webhdfs/auth.ts";
import { TOKEN_OPS } from "../gateway/webhdfs/token-ops.ts";
import type { LivePeer } from "../gateway/webhdfs/placement.ts";
import { advertisedHttpAddress } from "../http/advertised-address.ts";
import { isLoopbackHost } from "../http/routes.ts";
import { ConfigError, parseHostPort } from "../util/config.ts";
import type { PeerTable } from "../membership/peer-table.ts";
import { PeerMetrics } from "../http/metrics.ts";
import type { AdminHttpSource } from "../http/source.ts";
import { RaftNode } from "../raft/node.ts";
import { MasterStateMachine } from "../master/state/state-machine.ts";
import type { Namespace } from "../master/state/namespace.ts";
import { MetaService } from "../master/rpc/meta-service.ts";
import { CallScopes } from "../master/rpc/at-most-once.ts";
import { Callers } from "../master/rpc/callers.ts";
import { defaultUser } from "../client/user.ts";
import { VoterManager, MASTERS_DEFAULT, MASTERS_MAX, VOTER_DEAD_AFTER_MS_DEFAULT } from "../master/voters/voters.ts";
import { clusterStatusView, type ClusterStatusView, type PeerView } from "../protocol/views.ts";
import { ChunkLocations } from "../master/cluster/locations.ts";
import { FsService } from "../master/rpc/fs-service.ts";
import { MountService } from "../master/rpc/mount-service.ts";
import { TokenService } from "../master/rpc/token-service.ts";
import { ReportService } from "../master/rpc/report-service.ts";
import { DiskChunkStore } from "../chunk/store/disk-store.ts";
import { TieredChunkStore } from "../cache/tiered-store.ts";
import { validateTierSpecs } from "../cache/tier-spec.ts";
import type { CacheTiers } from "../cache/tiers.ts";
import { BlockReporter, ReportingChunkStore } from "../chunk/transfer/block-reporter.ts";
import { BlockReport, BlockReportAck } from "../protocol/pb/report.ts";
import { DataService } from "../chunk/transfer/data-service.ts";
import type { ChunkStore } from "../chunk/store/store.ts";
import { FileSystemClient, statView } from "../client/fs.ts";
import { AdminClient } from "../client/admin.ts";
import { ReplicationManager } from "../master/repair/replication-manager.ts";
import { ReplicaService } from "../chunk/transfer/replica-service.ts";
import { Maintenance } from "../master/repair/maintenance.ts";
import { Scrubber } from "../chunk/store/scrubber.ts";
import { UfsBroker } from "../cache/broker.ts";
import { MaintenanceClient } from "../client/maintenance.ts";
import { CallIds, retryingMetaCall } from "../client/meta-call.ts";
import type { AdmissionStats } from "../util/admission.ts";
import type { MetaCall } from "../protocol/meta.ts";
import { request } from "../net/rpc.ts";
import { peerIdFromString } from "@libp2p/peer-id";
import { mkdirSync } from "node:fs";
import { JobScheduler } from "../master/jobs/scheduler.ts";
import { TaskOrder, TaskOrderAck } from "../protocol/pb/task.ts";
import { JobsClient } from "../client/jobs.ts";
import { TaskService } from "../compute/task-service.ts";
import { WorkerPool } from "../compute/worker-pool.ts";
import { CHUNK_REPORT_PROTOCOL, TASK_PROTOCOL } from "../protocol/ids.ts";
import { REPORT_RPC_LIMITS, TASK_RPC_LIMITS } from "../protocol/limits.ts";
import { replicateSender } from "./replicate-sender.ts";
import { CacheService } from "../cache/cache-service.ts";
import { remoteCacheEndpoint } from "../client/cache-client.ts";

export class JoinRefusedError extends Error {
  override name = "JoinRefusedError";
}

// Known peers are written to the data dir this often, and shortly after a peer joins, so a
// restart after a crash (kill -9 included) still finds the cluster without --join.
const KNOWN_PEERS_SAVE_INTERVAL_MS = 30_000;
const KNOWN_PEERS_SAVE_DELAY_MS = 500;

/** Everything a running peer is made of, in the order it was started. */
export interface PeerParts {
  host: PeerHost;
  membership: MembershipService;
  raft: RaftNode;
  master: MasterStateMachine;
  meta: MetaService;
  voters: VoterManager;
  fsService: FsService;
  /** Mounts, persisting and the cache's pins and frees (issue 16), on the leader. */
  mounts: MountService;
  tokens: TokenService;
  reports: ReportService;
  /** The leader's replicator (idle on other peers). */
  replication: ReplicationManager;
  /** This chunk server's side of /tessera/chunk/replicate/2. */
  replicas: ReplicaService;
  /** Garbage collection, balancer, decommissioning (working on the leader). */
  maintenance: Maintenance;
  scrubber: Scrubber;
  chunkStore: ChunkStore;
  /** The same store's cache side: tiers, cache copies, pins (issue 16; the cache service uses it). */
  cacheTiers: CacheTiers;
  reporter: BlockReporter;
  data: DataService;
  /** This peer's cache service: /tessera/cache/1 (issue 16). */
  cache: CacheService;
  fs: FileSystemClient;
  admin: AdminClient;
  jobs: JobsClient;
  tasks: TaskService;
  scheduler: JobScheduler;
  http: AdminHttp | undefined;
  /** The WebHDFS server the admin HTTP thread forwards /webhdfs/ to (none without admin HTTP). */
  webhdfs: WebHdfsServer | undefined;
  /** The S3 endpoint this peer serves (--s3), if any. */
  s3: S3Gateway | undefined;
  dataDir: DataDir;
  rack: string;
  /** True when this start created a new cluster (its first Raft voter). */
  createdCluster: boolean;
  log: Logger;
}

export class Peer extends EventTarget {
  private stopping?: Promise<void>;
  private saveTimer?: ReturnType<typeof setInterval>;
  private saveSoonTimer?: ReturnType<typeof setTimeout>;
  readonly host: PeerHost;
  readonly membership: MembershipService;
  readonly raft: RaftNode;
  readonly master: MasterStateMachine;
  /** This peer's /tessera/meta/3 service (its counters of retried calls are meaningful on the leader). */
  readonly meta: MetaService;
  /** This peer's chunk store (the chunk server role). */
  readonly chunkStore: ChunkStore;
  /** The chunk store's cache side: tiers, cache copies, pins, per-tier counters (issue 16). */
  readonly cacheTiers: CacheTiers;
  /** The chunk server's data protocols and their counters. */
  readonly data: DataService;
  /** This peer's cache service (issue 16): reads of mounted files' chunks through it, loads, pins; its counters. */
  readonly cache: CacheService;
  /** The file system, as a client running inside this peer: first replicas and reads are local. */
  readonly fs: FileSystemClient;
  /** fsck and the capacity report, asked of the leader through this peer. */
  readonly admin: AdminClient;
  /** MapReduce jobs: submit, status, list, kill, wait (through this peer). */
  readonly jobs: JobsClient;
  /** This peer's compute worker: the tasks it runs. */
  readonly tasks: TaskService;
  /** The replicator: its queue and repair history (meaningful on the leader). */
  readonly replication: ReplicationManager;
  /** This chunk server's side of /tessera/chunk/replicate/2 (copies sent, deletes). */
  readonly replicas: ReplicaService;
  /** Garbage collection, the balancer and decommissioning (working on the leader). */
  readonly maintenance: Maintenance;
  /** This chunk server's scrubber. */
  readonly scrubber: Scrubber;
  readonly dataDir: DataDir;
  readonly rack: string;
  readonly createdCluster: boolean;
  private readonly log: Logger;

  constructor(private readonly parts: PeerParts) {
    super();
    this.host = parts.host;
    this.membership = parts.membership;
    this.raft = parts.raft;
    this.master = parts.master;
    this.meta = parts.meta;
    this.chunkStore = parts.chunkStore;
    this.cacheTiers = parts.cacheTiers;
    this.data = parts.data;
    this.cache = parts.cache;
    this.fs = parts.fs;
    this.admin = parts.admin;
    this.jobs = parts.jobs;
    this.tasks = parts.tasks;
    this.replication = parts.replication;
    this.replicas = parts.replicas;
    this.maintenance = parts.maintenance;
    this.scrubber = parts.scrubber;
    this.dataDir = parts.dataDir;
    this.rack = parts.rack;
    this.createdCluster = parts.createdCluster;
    this.log = parts.log;
    this.membership.addEventListener("peer:change", (event) => {
      const change = (event as CustomEvent<PeerChange>).detail;
      if (change.from === "unknown" && !change.record.isSelf) this.saveKnownPeersSoon();
      this.dispatchEvent(new CustomEvent<PeerChange>("peer:change", { detail: change }));
    });
    this.saveTimer = setInterval(() => this.saveKnownPeers(), KNOWN_PEERS_SAVE_INTERVAL_MS);
    // A Raft that stopped on a storage failure it cannot ride out (a failed fdatasync) must not
    // leave a zombie voter that still heartbeats, still answers status as the leader it was, and
    // so is never replaced: the peer stops (crash-only, as etcd does), its supervisor restarts
    // it, and the other voters carry on meanwhile (found by the chaos runs, issue 18).
    this.raft.addEventListener("fatal", (event) => {
      const err = (event as CustomEvent<unknown>).detail;
      this.log.error("the peer stops: its Raft storage failed and can no longer promise durability", { err });
      this.dispatchEvent(new CustomEvent("fatal", { detail: err }));
      void this.stop();
    });
  }

  /** Sends this peer's pending block report now (tests use it to skip the report interval). */
  flushBlockReport(): Promise<void> {
    return this.parts.reporter.flush();
  }

  get id(): string {
    return this.host.peerId.toString();
  }

  /** The addresses other peers can dial, with /p2p/<id>. */
  get multiaddrs(): string[] {
    return this.host.getMultiaddrs().map((address) => address.toString());
  }

  /** The admin HTTP address, if serving. */
  get httpUrl(): string | undefined {
    return this.parts.http?.url;
  }

  /** The S3 endpoint's address ("http://host:port"), if serving. */
  get s3Url(): string | undefined {
    return this.parts.s3?.url;
  }

  /** Every peer this peer knows of, itself included. */
  peers(): PeerView[] {
    const now = performance.now();
    return this.membership.table.list().map((record) => peerViewFromRecord(record, now));
  }

  /** What this peer knows of the Raft group of masters (complete on the leader). */
  clusterStatus(): ClusterStatusView {
    return clusterStatusView(this.parts.meta.localStatus());
  }

  /** The address another machine should use to join: a routable one when there is one. */
  joinAddress(): string {
    const addresses = this.multiaddrs;
    const routable = addresses.find((address) => !/\/ip4\/127\.|\/ip6\/::1\//.test(address));
    return routable ?? addresses[0] ?? "";
  }

  /** The exact command another machine runs to join this cluster. */
  joinCommand(swarmKeyPath = this.dataDir.file(SWARM_KEY_FILE)): string {
    return `tessera node start --join ${this.joinAddress()} --swarm-key ${swarmKeyPath}`;
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    clearInterval(this.saveTimer);
    clearTimeout(this.saveSoonTimer);
    this.saveKnownPeers();
    const { http, reporter, data, fsService, reports, voters, meta, raft, membership, host, chunkStore, master, replication, replicas } = this.parts;
    await this.parts.s3?.stop();
    await http?.stop();
    await this.parts.webhdfs?.stop();
    await this.parts.scheduler.stop();
    await this.parts.tasks.stop();
    await this.parts.scrubber.stop();
    await this.parts.maintenance.stop();
    await replication.stop();
    await replicas.stop();
    await this.parts.cache.stop();
    reporter.stop();
    await data.stop();
    this.parts.mounts.stop();
    fsService.stop();
    this.parts.tokens.stop();
    await reports.stop();
    await voters.stop();
    await meta.stop();
    await raft.stop();
    await membership.stop();
    await host.stop();
    await chunkStore.close();
    master.close();
    this.dataDir.close();
    this.log.info("stopped");
  }

  private saveKnownPeersSoon(): void {
    if (this.saveSoonTimer || this.stopping) return;
    this.saveSoonTimer = setTimeout(() => {
      this.saveSoonTimer = undefined;
      if (!this.stopping) this.saveKnownPeers();
    }, KNOWN_PEERS_SAVE_DELAY_MS);
  }

  private saveKnownPeers(): void {
    const addresses = this.membership.table
      .list()
      .filter((record) => !record.isSelf && record.state !== "dead")
      .flatMap((record) => record.heartbeat.addresses.slice(0, 2))
      .slice(0, KNOWN_PEER_ADDRESSES_MAX);
    if (addresses.length === 0) return;
    try {
      this.dataDir.writeState({ ...this.dataDir.readState(), knownPeers: addresses });
    } catch (err) {
      this.log.warn("could not save known peers", { err });
    }
  }
}

export async function startPeer(options: PeerOptions = {}): Promise<Peer> {
  const dataDir = new DataDir(resolve(options.dataDir ?? DATA_DIR_DEFAULT));
  const join = (options.join ?? []).map((address) => parseMultiaddr(address, "--join address"));
  const listenGiven = options.listen?.map((address) => parseMultiaddr(address, "--listen address"));
  const rack = validateRack(options.rack ?? RACK_DEFAULT);
  const timings = resolveTimings(options);
  const masters = validateMasters(options.masters ?? MASTERS_DEFAULT);
  validateTierSpecs(options.tiers ?? [], dataDir.path);
  dataDir.open();
  const started: Array<{ stop(): unknown }> = [];
  try {
    const state = dataDir.readState();
    // The very first start of a peer without --join creates a cluster: it bootstraps the
    // Raft group with itself as the only voter. Any later start, or a start with --join,
    // never bootstraps, so a restarted peer cannot split off a second group.
    const firstStart = state.incarnation === undefined;
    const createsCluster = firstStart && join.length === 0;
    const incarnation = (state.incarnation ?? 0) + 1;
    const privateKey = await dataDir.loadOrCreateIdentity();
    const swarm = dataDir.resolveSwarmKey(options.swarmKey, join.length === 0);
    const listen = listenGiven ?? state.listen ?? [LISTEN_DEFAULT];
    const log = createLogger(`peer ${privateKey.publicKey.toString().slice(-6)}`);

    const host = await createHost({ privateKey, swarmKey: swarm.key, listenAddrs: listen });
    started.push(host);
    const id = host.peerId.toString();

    // Membership starts before Raft (Raft dials peers membership found) but gossips who leads.
    const raftRef: { node?: RaftNode } = {};
    // The admin HTTP address the heartbeat carries, once admin HTTP listens (it starts last).
    const httpRef: { address?: string } = {};
    const chunksRef: { store?: ChunkStore; tiers?: CacheTiers } = {};
    const membership = new MembershipService({
      host,
      source: {
        rack,
        roles: [...ROLES],
        incarnation: BigInt(incarnation),
        tiers: () => chunksRef.tiers?.tierUsage() ?? [],
        measure: () => measureHost(dataDir.path, chunksRef.store?.usage() ?? { chunkCount: 0, usedBytes: 0 }, options.capacityBytes, options.computeSlots),
        leaderTerm: () => (raftRef.node?.isLeader ? BigInt(raftRef.node.term) : 0n),
        httpAddress: () => httpRef.address ?? "",
      },
      heartbeatIntervalMs: timings.heartbeatIntervalMs,
      failureDetector: timings.failureDetector,
      log: log.child("membership"),
    });
    await membership.start();
    started.push(membership);

    // The chunk server: its store on disk with the cache tiers over it (written chunks stay in
    // the data dir), wrapped so every commit and delete is reported. Cache copies are reported
    // by the tiers themselves: they arrive, move and leave through the cache side.
    const dataDirStore = await DiskChunkStore.open(dataDir.file(CHUNKS_DIR));
    const reporterRef: { reporter?: BlockReporter } = {};
    const innerStore = await TieredChunkStore.open({
      dataDirStore,
      tiers: options.tiers ?? [],
      ...(options.cachePolicy ? { policy: options.cachePolicy } : {}),
      dataDirStatePath: dataDir.file(CACHE_COPIES_FILE),
      // Before the reporter exists (a tier trimmed at open) nothing is lost: its first report is full.
      onEvicted: (chunkId) => reporterRef.reporter?.noteRemoved(chunkId),
      onStored: (entry) => reporterRef.reporter?.noteAdded(entry),
      log: log.child("tiers"),
    });
    started.push({ stop: () => innerStore.close() });
    // Heartbeats advertise the data dir (where written chunks are placed); tiers in their own rows.
    chunksRef.store = dataDirStore;
    chunksRef.tiers = innerStore;

    mkdirSync(dataDir.file(MASTER_DIR), { recursive: true });
    const master = new MasterStateMachine({ dbPath: dataDir.file(`${MASTER_DIR}/${MASTER_DB_FILE}`) });
    started.push({ stop: () => master.close() });
    const raft = await RaftNode.start({
      id,
      dir: dataDir.file(RAFT_DIR),
      host,
      stateMachine: master,
      log: log.child("raft"),
      bootstrap: createsCluster ? { voters: [id], learners: [] } : undefined,
      ...(options.raftTickMs ? { tickMs: options.raftTickMs } : {}),
    });
    started.push(raft);
    raftRef.node = raft;

    const locations = new ChunkLocations();
    // The replicator asks chunk servers over /tessera/chunk/replicate/2; this peer's own
    // server (which libp2p cannot dial) is called directly once it exists, below.
    const replicasRef: { service?: ReplicaService } = {};
    const sendReplicate = replicateSender(host, id, () => replicasRef.service);
    const replication = new ReplicationManager({ raft, namespace: master.namespace, membership, locations, log: log.child("replication"), send: sendReplicate });
    const maintenance = new Maintenance({ raft, namespace: master.namespace, membership, locations, send: sendReplicate, log: log.child("maintenance"), gcGraceMs: options.gcGraceMs, gcIntervalMs: options.gcIntervalMs, decommissionIntervalMs: options.decommissionIntervalMs });
    // The file system's calls are served at most once: their proposals go through the call scopes.
    const calls = new CallScopes();
    // Who each request acts for, with its groups: resolved once on the leader, written into the command.
    const callers = new Callers({ namespace: master.namespace });
    const fsService = new FsService({ raft: calls.proposerOf(raft), namespace: master.namespace, membership, locations, replication, callers, log: log.child("fs") });
    fsService.start();
    started.push(fsService);
    // Issue 16: mounts and the ASYNC_THROUGH persister share the file-system service's view of the mounts.
    const mounts = new MountService({ raft: calls.proposerOf(raft), namespace: master.namespace, sync: fsService.underStorage, callers, log: log.child("mounts") });
    mounts.start();
    started.push(mounts);
    // Delegation tokens (WebHDFS, `tessera auth token`): records in the settings, through Raft.
    const tokenService = new TokenService({
      raft: calls.proposerOf(raft),
      namespace: master.namespace,
      // The permission model's superuser: the named one, or a member of the supergroup.
      isSuperuser: async (user) => {
        const caller = await callers.of(user);
        return caller === undefined || master.namespace.isSuperuser(caller);
      },
      log: log.child("tokens"),
    });
    tokenService.start();
    started.push(tokenService);
    const reports = new ReportService({ host, raft, namespace: master.namespace, membership, locations, onUnreferenced: (chunkId) => maintenance.gc.noteUnreferenced(chunkId), log: log.child("reports") });
    await reports.start();
    started.push(reports);
    // MapReduce: the scheduler works on the leader; orders to this peer's own worker skip the network.
    const tasksRef: { service?: TaskService } = {};
    const scheduler = new JobScheduler({
      raft,
      namespace: master.namespace,
      membership,
      locations,
      log: log.child("jobs"),
      callers,
      // Issue 16: a job's input inside a mount is synced from the under-storage before its splits are planned.
      syncInput: (path, entriesMax) => fsService.underStorage.syncTree(path, entriesMax),
      sendOrder: async (to, order) => {
        if (to === id) {
          if (!tasksRef.service) return { accepted: false, error: "the worker is not started yet" };
          return tasksRef.service.take(order);
        }
        return request<TaskOrder, TaskOrderAck>(host, peerIdFromString(to), { protocol: TASK_PROTOCOL, requestCodec: TaskOrder, responseCodec: TaskOrderAck, ...TASK_RPC_LIMITS }, order);
      },
    });
    // Admin HTTP's metrics exist from here on, so that every metadata request is timed.
    const metrics = new PeerMetrics();
    const meta = new MetaService({
      host,
      raft,
      membership,
      stateMachine: master,
      handlers: { ...fsService.handlers, ...mounts.handlers, ...maintenance.handlers, ...scheduler.handlers, ...tokenService.handlers },
      calls,
      callers,
      // HDFS: whoever started the NameNode is the superuser; here the user of the first leader's process.
      superuser: defaultUser(),
      log: log.child("meta"),
      onRequest: (sample) => metrics.observeMetaRequest(sample),
    });
    await meta.start();
    started.push(meta);
    const voters = new VoterManager({ raft, membership, targetVoters: masters, voterDeadAfterMs: options.voterDeadAfterMs ?? VOTER_DEAD_AFTER_MS_DEFAULT, log: log.child("voters") });
    voters.start();
    started.push(voters);

    const leader = () => raft.leader || membership.gossipedLeader();
    const reporter = new BlockReporter({
      store: innerStore,
      tierOf: (chunkId) => innerStore.tierOf(chunkId) ?? "",
      leader,
      send: (to, report) =>
        to === id
          ? Promise.resolve(reports.take(id, report))
          : request<BlockReport, BlockReportAck>(host, peerIdFromString(to), { protocol: CHUNK_REPORT_PROTOCOL, requestCodec: BlockReport, responseCodec: BlockReportAck, ...REPORT_RPC_LIMITS }, report),
      log: log.child("block-report"),
      ...(options.blockReportIntervalMs ? { intervalMs: options.blockReportIntervalMs } : {}),
    });
    reporter.start();
    started.push(reporter);
    reporterRef.reporter = reporter;
    const chunkStore = new ReportingChunkStore(innerStore, reporter);
    const data = new DataService({ host, store: chunkStore, log: log.child("data") });
    await data.start();
    started.push(data);
    const replicas = new ReplicaService({ host, store: chunkStore, data, leader, log: log.child("replicate") });
    await replicas.start();
    started.push(replicas);
    replicasRef.service = replicas;
    replication.start();
    started.push(replication);
    // This peer's own clients call its MetaService directly (served here when it leads,
    // forwarded to the leader otherwise), with the same retries as a remote client.
    const call: MetaCall = retryingMetaCall((request) => meta.handle(request, id), new CallIds(id));
    // --- the cache service (issue 16, cachesvc) ----------------------------------------------
    // This peer's own client reads uncached chunks of mounted files through this peer's
    // service; `cache load` and pins reach the others over /tessera/cache/1.
    const cacheRef: { service?: CacheService } = {};
    const fs = new FileSystemClient({
      host,
      localPeer: { id, rack, store: chunkStore },
      call,
      cache: { local: () => cacheRef.service, livePeers: async () => liveChunkServers(membership.table), remote: (peer) => remoteCacheEndpoint(host, peer) },
    });
    // The leader's door to the under-storages (mount checks, metadata sync, persisting) and
    // the cache service's (fills), over this peer's own file-system client: one per peer.
    const underStorage = new UfsBroker({ fs, call, log: log.child("ufs") });
    started.push({ stop: () => underStorage.close() });
    fsService.underStorage.attach(underStorage);
    const cache = new CacheService({ host, call, tiers: innerStore, underStorageOf: (record) => underStorage.underStorageOf(record), log: log.child("cache") });
    await cache.start();
    started.push(cache);
    cacheRef.service = cache;
    const admin = new AdminClient(call);
    const jobs = new JobsClient(fs, call);
    const tasks = new TaskService({ host, id, dir: dataDir.file(COMPUTE_DIR), fs, pool: new WorkerPool({ ...(options.computeSlots ? { size: options.computeSlots } : {}), logger: log.child("compute") }), call, log: log.child("compute"), ...(options.faultTaskDelayMs ? { faultTaskDelayMs: options.faultTaskDelayMs } : {}) });
    await tasks.start();
    started.push(tasks);
    tasksRef.service = tasks;
    scheduler.start();
    started.push(scheduler);
    maintenance.start();
    started.push({ stop: () => maintenance.stop() });
    const maintenanceClient = new MaintenanceClient(call);
    const scrubber = new Scrubber({ store: chunkStore, report: (bad) => maintenanceClient.reportBadReplica(bad.chunkId, id), log: log.child("scrubber"), periodMs: options.scrubPeriodMs, bytesPerSecond: options.scrubBytesPerSecond });
    scrubber.start();
    started.push({ stop: () => scrubber.stop() });
    dataDir.writeState({ ...state, incarnation, rack, listen: rememberedListen(listen, host) });

    const seeds = join.length > 0 ? join : (state.knownPeers ?? []);
    await joinCluster(host, seeds, join.length > 0, log);

    // WebHDFS runs in this thread beside the peer's client; admin HTTP forwards /webhdfs/ to it.
    // user.name is taken only while admin HTTP is bound to loopback, or where the operator
    // allowed it (--webhdfs-simple-auth); elsewhere a delegation token (SECURITY.md).
    const httpAddress = options.http === false ? undefined : (options.http ?? HTTP_DEFAULT);
    // Admin HTTP's /metrics reads the S3 gateway's admission once it runs.
    const s3Ref: { gateway?: S3Gateway } = {};
    const webhdfs =
      httpAddress === undefined
        ? undefined
        : await startWebHdfsServer({
            fs,
            peers: { selfId: id, live: () => liveHttpPeers(membership.table, id, httpRef.address) },
            auth: new WebHdfsAuth({ fs, simpleAuth: isLoopbackHost(parseHostPort(httpAddress).hostname) || options.webhdfsSimpleAuth === true }),
            extraOps: TOKEN_OPS,
            log: log.child("webhdfs"),
          });
    if (webhdfs) started.push({ stop: () => webhdfs.stop() });
    const http = httpAddress === undefined ? undefined : await startAdminHttp({ address: httpAddress, source: adminHttpSource({ id, rack, raft, membership, data, fs, admin, jobs, tasks, call, cacheTiers: innerStore, admission: () => admissionOf({ meta, webhdfs, s3: s3Ref.gateway }), namespace: master.namespace }), metrics, log: log.child("http"), ...(webhdfs ? { proxy: { url: webhdfs.url, key: webhdfs.key } } : {}) });
    if (http) {
      started.push({ stop: () => http.stop() });
      httpRef.address = advertisedHttpAddress(http.hostname, http.port, host.getMultiaddrs().map((address) => address.toString()));
    }
    // The peer's own client writes S3's objects, so their first replicas land on this peer.
    const s3 = (s3Ref.gateway = options.s3 ? await startS3Gateway({ fs, listen: options.s3.listen, ...(options.s3.domain ? { domain: options.s3.domain } : {}), ...(options.s3.uploadExpiryMs ? { uploadExpiryMs: options.s3.uploadExpiryMs } : {}), log: log.child("s3") }) : undefined);
    const peer = new Peer({ host, membership, raft, master, meta, voters, fsService, mounts, tokens: tokenService, reports, replication, replicas, maintenance, scrubber, chunkStore, cacheTiers: innerStore, reporter, data, cache, fs, admin, jobs, tasks, scheduler, http, webhdfs, s3, dataDir, rack, createdCluster: createsCluster, log });
    log.info("started", { id: peer.id, rack, addresses: peer.multiaddrs.join(","), incarnation });
    return peer;
  } catch (err) {
    for (const part of started.reverse()) await Promise.resolve(part.stop()).catch(() => {});
    dataDir.close();
    throw err;
  }
}

/** The live chunk servers (this one included): where a client in this peer picks fill peers (issue 16). */
function liveChunkServers(table: PeerTable): string[] {
  return table
    .list()
    .filter((record) => record.state === "alive" && record.heartbeat.roles.includes("chunk"))
    .map((record) => record.id);
}

/** The live peers serving admin HTTP, as WebHDFS's redirects choose among them; this one by its own address (its heartbeat may not have gone round yet). */
function liveHttpPeers(table: PeerTable, selfId: string, selfAddress: string | undefined): LivePeer[] {
  const peers: LivePeer[] = [];
  for (const record of table.list()) {
    const httpAddress = record.isSelf ? (selfAddress ?? "") : record.heartbeat.httpAddress;
    if (record.state !== "alive" || httpAddress === "") continue;
    peers.push({ id: record.id, httpAddress, freeBytes: Number(record.heartbeat.freeBytes) });
  }
  if (selfAddress && !peers.some((peer) => peer.id === selfId)) peers.push({ id: selfId, httpAddress: selfAddress, freeBytes: Number.MAX_SAFE_INTEGER });
  return peers;
}

/**
 * What admin HTTP reads: cluster-wide answers through this peer's own clients and MetaService
 * (forwarded to the leader from any other peer, exactly as the CLI's requests are), and this
 * peer's own counters.
 */
function adminHttpSource(parts: {
  id: string;
  rack: string;
  raft: RaftNode;
  membership: MembershipService;
  data: DataService;
  fs: FileSystemClient;
  admin: AdminClient;
  jobs: JobsClient;
  tasks: TaskService;
  call: MetaCall;
  cacheTiers: CacheTiers;
  /** The admission of this peer's request servers, those started so far (S3 starts after admin HTTP). */
  admission: () => Array<{ service: string; stats: AdmissionStats }>;
  namespace: Namespace;
}): AdminHttpSource {
  const { raft, membership, fs, admin, jobs, call } = parts;
  return {
    self: { id: parts.id, rack: parts.rack, startedAtMs: Date.now(), version: process.env.TESSERA_VERSION ?? "0.1.0" },
    peers: () => {
      const now = performance.now();
      return membership.table.list().map((record) => peerViewFromRecord(record, now));
    },
    clusterStatus: async () => {
      return clusterStatusView(await call("status", {}));
    },
    fsck: (path) => admin.fsck(path),
    report: () => admin.report(),
    stat: (path) => fs.stat(path),
    listPage: async (path, options) => {
      const listing = await call("list", { path, recursive: false, after: options.after ?? "", limit: options.limit });
      return { entries: listing.entries.map(statView), ...(listing.next ? { next: listing.next } : {}) };
    },
    jobs: () => jobs.list(),
    job: (jobId) => jobs.status(jobId),
    tasks: (jobId) => jobs.tasks(jobId),
    local: {
      raft: () => {
        const status = raft.status();
        return { term: status.term, commitIndex: status.commit, appliedIndex: raft.appliedIndex, leader: status.lead, isLeader: raft.isLeader, leaderChanges: raft.leaderChangeCount };
      },
      data: parts.data.stats,
      reads: fs.readCounters,
      tiers: () => parts.cacheTiers.tierUsage(),
      tasks: parts.tasks,
      admission: parts.admission,
      walCheckpoints: () => parts.namespace.walCheckpoints() ?? { checkpoints: 0, complete: 0, failures: 0 },
    },
  };
}

/** The admission figures of the request servers this peer runs. */
function admissionOf(servers: { meta: MetaService; webhdfs?: WebHdfsServer; s3?: S3Gateway }): Array<{ service: string; stats: AdmissionStats }> {
  const out = [{ service: "meta", stats: servers.meta.admission.stats }];
  if (servers.webhdfs) out.push({ service: "webhdfs", stats: servers.webhdfs.admission.stats });
  if (servers.s3) out.push({ service: "s3", stats: servers.s3.admission.stats });
  return out;
}

function validateMasters(masters: number): number {
  if (!Number.isInteger(masters) || masters < 1 || masters > MASTERS_MAX) {
    throw new ConfigError(`--masters must be a whole number from 1 to ${MASTERS_MAX} (3 or 5 are usual), not ${masters}`);
  }
  return masters;
}

/** Dials the seeds. Fails only when every seed refused our swarm key: then we are not of this cluster. */
async function joinCluster(host: TesseraHost, seeds: string[], explicit: boolean, log: Logger): Promise<void> {
  if (seeds.length === 0) return;
  const results = await Promise.allSettled(seeds.map((seed) => host.dial(multiaddr(seed))));
  if (results.some((result) => result.status === "fulfilled")) return;
  const refused = results.every((result) => result.status === "rejected" && isSwarmKeyMismatch(result.reason));
  if (refused && explicit) {
    throw new JoinRefusedError(`could not join: the peer at ${seeds[0]} refused this peer's swarm key (use the swarm.key of that cluster)`);
  }
  const reason = results[0]?.status === "rejected" ? (results[0].reason as Error).message : "unknown";
  log.warn("no seed peer reachable yet; membership keeps trying", { seeds: seeds.join(","), reason });
}

/** Listen addresses to reuse on the next start: a port chosen by the OS is kept. */
function rememberedListen(listen: string[], host: TesseraHost): string[] {
  const ports = host.getMultiaddrs().map((address) => /\/tcp\/(\d+)/.exec(address.toString())?.[1]).filter(Boolean);
  return listen.map((address) => (/\/tcp\/0(\/|$)/.test(address) && ports[0] ? address.replace(/\/tcp\/0(?=\/|$)/, `/tcp/${ports[0]}`) : address));
}

function measureHost(path: string, usage: { chunkCount: number; usedBytes: number }, capacityLimitBytes: number | undefined, computeSlots: number | undefined) {
  const chunkCount = usage.chunkCount;
  let capacityBytes = 0n;
  let freeBytes = 0n;
  try {
    const stats = statfsSync(path);
    capacityBytes = BigInt(stats.blocks) * BigInt(stats.bsize);
    freeBytes = BigInt(stats.bavail) * BigInt(stats.bsize);
  } catch {
    // A disk that cannot be measured advertises no space, so nothing gets placed on it.
  }
  if (capacityLimitBytes !== undefined && BigInt(capacityLimitBytes) < capacityBytes) {
    // A peer offering less than its disk: free is what is left of that share.
    capacityBytes = BigInt(capacityLimitBytes);
    const left = capacityBytes - BigInt(usage.usedBytes);
    if (left < freeBytes) freeBytes = left > 0n ? left : 0n;
  }
  if (freeBytes > capacityBytes) freeBytes = capacityBytes;
  return {
    capacityBytes,
    freeBytes,
    chunkCount: BigInt(chunkCount),
    loadMilli: Math.round((os.loadavg()[0] ?? 0) * 1000),
    // The scheduler gives a peer as many tasks at once as this says.
    cores: computeSlots ?? os.availableParallelism(),
  };
}

export { ConfigError };
