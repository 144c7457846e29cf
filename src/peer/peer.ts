// The composition root: a peer opens its data dir, starts the libp2p host and the roles,
// joins the cluster and stops them all cleanly. Every later role is wired in here.
import { resolve } from "node:path";
import { statfsSync } from "node:fs";
import os from "node:os";
import { multiaddr } from "@multiformats/multiaddr";
import { createHost, type TesseraHost } from "../net/host.ts";
import { isSwarmKeyMismatch } from "../net/encryption.ts";
import { MembershipService } from "../membership/service.ts";
import { ROLES } from "../membership/heartbeat.ts";
import type { PeerChange } from "../membership/peer-table.ts";
import { peerViewFromRecord, type PeerView } from "../membership/view.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { DataDir, KNOWN_PEER_ADDRESSES_MAX, RAFT_DIR, SWARM_KEY_FILE } from "./data-dir.ts";
import { ConfigError, DATA_DIR_DEFAULT, HTTP_DEFAULT, LISTEN_DEFAULT, RACK_DEFAULT, parseMultiaddr, resolveTimings, validateRack, type PeerOptions } from "./config.ts";
import { startAdminHttp, type AdminHttp } from "../http/server.ts";
import { RaftNode } from "../raft/node.ts";
import { MasterStateMachine } from "../master/state-machine.ts";
import { MetaService } from "../master/service.ts";
import { VoterManager, MASTERS_DEFAULT, MASTERS_MAX, VOTER_DEAD_AFTER_MS_DEFAULT } from "../master/voters.ts";
import { clusterStatusView, type ClusterStatusView } from "../master/view.ts";

export class JoinRefusedError extends Error {
  override name = "JoinRefusedError";
}

// Known peers are written to the data dir this often, and shortly after a peer joins, so a
// restart after a crash (kill -9 included) still finds the cluster without --join.
const KNOWN_PEERS_SAVE_INTERVAL_MS = 30_000;
const KNOWN_PEERS_SAVE_DELAY_MS = 500;

export class Peer extends EventTarget {
  private stopping?: Promise<void>;
  private saveTimer?: ReturnType<typeof setInterval>;
  private saveSoonTimer?: ReturnType<typeof setTimeout>;

  constructor(
    readonly host: TesseraHost,
    readonly membership: MembershipService,
    readonly raft: RaftNode,
    readonly master: MasterStateMachine,
    private readonly meta: MetaService,
    private readonly voters: VoterManager,
    readonly dataDir: DataDir,
    readonly rack: string,
    /** True when this start created a new cluster (its first Raft voter). */
    readonly createdCluster: boolean,
    private readonly http: AdminHttp | undefined,
    private readonly log: Logger,
  ) {
    super();
    membership.addEventListener("peer:change", (event) => {
      const change = (event as CustomEvent<PeerChange>).detail;
      if (change.from === "unknown" && !change.record.isSelf) this.saveKnownPeersSoon();
      this.dispatchEvent(new CustomEvent<PeerChange>("peer:change", { detail: change }));
    });
    this.saveTimer = setInterval(() => this.saveKnownPeers(), KNOWN_PEERS_SAVE_INTERVAL_MS);
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
    return this.http?.url;
  }

  /** Every peer this peer knows of, itself included. */
  peers(): PeerView[] {
    const now = performance.now();
    return this.membership.table.list().map((record) => peerViewFromRecord(record, now));
  }

  /** What this peer knows of the Raft group of masters (complete on the leader). */
  clusterStatus(): ClusterStatusView {
    return clusterStatusView(this.meta.localStatus());
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
    await this.http?.stop();
    this.voters.stop();
    await this.meta.stop();
    await this.raft.stop();
    await this.membership.stop();
    await this.host.stop();
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
    const membership = new MembershipService({
      host,
      source: {
        rack,
        roles: [...ROLES],
        incarnation: BigInt(incarnation),
        measure: () => measureHost(dataDir.path),
        leaderTerm: () => (raftRef.node?.isLeader ? BigInt(raftRef.node.status().term) : 0n),
      },
      heartbeatIntervalMs: timings.heartbeatIntervalMs,
      failureDetector: timings.failureDetector,
      log: log.child("membership"),
    });
    await membership.start();
    started.push(membership);

    const master = new MasterStateMachine();
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
    const meta = new MetaService({ host, raft, membership, stateMachine: master, log: log.child("meta") });
    await meta.start();
    started.push(meta);
    const voters = new VoterManager({ raft, membership, targetVoters: masters, voterDeadAfterMs: options.voterDeadAfterMs ?? VOTER_DEAD_AFTER_MS_DEFAULT, log: log.child("voters") });
    voters.start();
    started.push(voters);
    dataDir.writeState({ ...state, incarnation, rack, listen: rememberedListen(listen, host) });

    const seeds = join.length > 0 ? join : (state.knownPeers ?? []);
    await joinCluster(host, seeds, join.length > 0, log);

    const http = options.http === false ? undefined : await startAdminHttp({ address: options.http ?? HTTP_DEFAULT, membership, log: log.child("http") });
    const peer = new Peer(host, membership, raft, master, meta, voters, dataDir, rack, createsCluster, http, log);
    log.info("started", { id: peer.id, rack, addresses: peer.multiaddrs.join(","), incarnation });
    return peer;
  } catch (err) {
    for (const part of started.reverse()) await Promise.resolve(part.stop()).catch(() => {});
    dataDir.close();
    throw err;
  }
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

function measureHost(path: string) {
  let capacityBytes = 0n;
  let freeBytes = 0n;
  try {
    const stats = statfsSync(path);
    capacityBytes = BigInt(stats.blocks) * BigInt(stats.bsize);
    freeBytes = BigInt(stats.bavail) * BigInt(stats.bsize);
  } catch {
    // A disk that cannot be measured advertises no space, so nothing gets placed on it.
  }
  if (freeBytes > capacityBytes) freeBytes = capacityBytes;
  return {
    capacityBytes,
    freeBytes,
    chunkCount: 0n,
    loadMilli: Math.round((os.loadavg()[0] ?? 0) * 1000),
    cores: os.availableParallelism(),
  };
}

export { ConfigError };
