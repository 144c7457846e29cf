// Membership over gossip: publishes this peer's heartbeat on /tessera/membership/1 about once
// a second, takes in everyone else's, runs the failure detector, dials peers it learns of so
// a cluster joined through one seed becomes a mesh, and answers /tessera/membership/peers/2.
import { TopicValidatorResult, type GossipSub, type Message } from "@libp2p/gossipsub";
import type { PeerId } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import type { PeerHost } from "../net/host.ts";
import { registerHandler } from "../net/rpc.ts";
import { PeersRequest, PeersResponse, type TierUsage } from "../protocol/pb/membership.ts";
import { decodeHeartbeat, encodeHeartbeat, type Heartbeat, type Role } from "./heartbeat.ts";
import { PeerTable, type FailureDetectorConfig, type PeerChange, type PeerRecord, validateFailureDetectorConfig } from "./peer-table.ts";
import type { Logger } from "../util/log.ts";
import { MEMBERSHIP_TOPIC, PEERS_PROTOCOL } from "../protocol/ids.ts";
import { PEERS_RPC_LIMITS } from "../protocol/limits.ts";
import { PEER_STATE } from "../protocol/views.ts";

export interface HeartbeatSource {
  rack: string;
  roles: Role[];
  incarnation: bigint;
  /** Reads the figures that change: disk capacity and free space, chunks held, load. */
  /** The peer's cache tiers, top first (issue 16); none without --tier. */
  tiers?(): TierUsage[];
  measure(): { capacityBytes: bigint; freeBytes: bigint; chunkCount: bigint; loadMilli: number; cores: number };
  /** The Raft term this peer leads in, 0 when it does not lead. */
  leaderTerm(): bigint;
  /** HOST:PORT of this peer's admin HTTP server, "" while it has none (it starts after membership). */
  httpAddress?(): string;
}

export interface MembershipInit {
  host: PeerHost;
  source: HeartbeatSource;
  heartbeatIntervalMs: number;
  failureDetector: FailureDetectorConfig;
  log: Logger;
  /** Monotonic clock in ms; injected so tests can drive the detector. */
  nowMs?: () => number;
}

// How often the failure detector looks at the table: a quarter of the usual heartbeat
// interval keeps the error of "dead after N s" well under the 2 s an operator would notice.
const DETECTOR_TICK_MS = 250;
// A detector tick later than this is a stall of this peer, not silence of the others.
const DETECTOR_STALL_MS = 500;
// Redialing a vanished peer backs off up to this, so a dead peer costs little.
const REDIAL_BACKOFF_MS_MAX = 10_000;
const REDIAL_BACKOFF_MS_MIN = 500;
// Malformed heartbeats are logged at most this often, so a hostile peer cannot flood the log.
const MALFORMED_LOG_INTERVAL_MS = 5_000;

export class MembershipService extends EventTarget {
  readonly table: PeerTable;
  private readonly host: PeerHost;
  private readonly pubsub: GossipSub;
  private readonly nowMs: () => number;
  private sequence = 0n;
  private publishTimer?: ReturnType<typeof setInterval>;
  private detectorTimer?: ReturnType<typeof setInterval>;
  private readonly redial = new Map<string, { nextAttemptMs: number; backoffMs: number; inFlight: boolean }>();
  /** Heartbeats rejected as malformed or forged since start (a figure for metrics and tests). */
  malformedHeartbeats = 0;
  private lastMalformedLogMs = -Infinity;
  private lastDetectMs: number | undefined;
  private malformedSuppressed = 0;
  private stopped = false;

  constructor(private readonly init: MembershipInit) {
    super();
    validateFailureDetectorConfig(init.failureDetector, init.heartbeatIntervalMs);
    this.host = init.host;
    this.pubsub = init.host.services.pubsub;
    this.nowMs = init.nowMs ?? (() => performance.now());
    this.table = new PeerTable(init.host.peerId.toString(), init.failureDetector);
  }

  async start(): Promise<void> {
    this.pubsub.topicValidators.set(MEMBERSHIP_TOPIC, (from, message) => this.validate(from, message));
    this.pubsub.addEventListener("message", this.onMessage);
    this.pubsub.subscribe(MEMBERSHIP_TOPIC);
    await registerHandler<PeersRequest, PeersResponse>(this.host, {
      protocol: PEERS_PROTOCOL,
      requestCodec: PeersRequest,
      responseCodec: PeersResponse,
      ...PEERS_RPC_LIMITS,
      maxInboundStreams: 8,
      log: this.init.log,
      handle: () => this.peersResponse(),
    });
    this.observe(this.ownHeartbeat());
    void this.publish();
    this.publishTimer = setInterval(() => void this.publish(), this.init.heartbeatIntervalMs);
    this.detectorTimer = setInterval(() => this.detect(), DETECTOR_TICK_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.publishTimer);
    clearInterval(this.detectorTimer);
    this.pubsub.removeEventListener("message", this.onMessage);
    this.pubsub.topicValidators.delete(MEMBERSHIP_TOPIC);
    await this.host.unhandle(PEERS_PROTOCOL);
  }

  /** The live peer that last claimed Raft leadership in the highest term, as gossip tells it. */
  gossipedLeader(): string | undefined {
    let best: { id: string; term: bigint } | undefined;
    for (const record of this.table.list()) {
      const term = record.heartbeat.leaderTerm;
      if (record.state !== "alive" || term === 0n) continue;
      if (!best || term > best.term) best = { id: record.id, term };
    }
    return best?.id;
  }

  /** The table as /tessera/membership/peers/2 sends it. */
  peersResponse(): PeersResponse {
    const now = this.nowMs();
    return {
      peers: this.table.list().map((record) => ({
        heartbeat: record.heartbeat,
        state: PEER_STATE.wire(record.state),
        lastSeenAgoMs: BigInt(Math.max(0, Math.round(now - record.lastSeenMs))),
      })),
    };
  }

  private ownHeartbeat(): Heartbeat {
    this.sequence += 1n;
    const figures = this.init.source.measure();
    return {
      peerId: this.host.peerId.toString(),
      addresses: this.host.getMultiaddrs().map((address) => address.toString()),
      rack: this.init.source.rack,
      roles: [...this.init.source.roles],
      incarnation: this.init.source.incarnation,
      sequence: this.sequence,
      leaderTerm: this.init.source.leaderTerm(),
      httpAddress: this.init.source.httpAddress?.() ?? "",
      tiers: this.init.source.tiers?.() ?? [],
      ...figures,
    };
  }

  private async publish(): Promise<void> {
    if (this.stopped) return;
    const heartbeat = this.ownHeartbeat();
    this.observe(heartbeat);
    try {
      await this.pubsub.publish(MEMBERSHIP_TOPIC, encodeHeartbeat(heartbeat));
    } catch (err) {
      if (!this.stopped) this.init.log.debug("heartbeat not published", { err });
    }
  }

  private validate(from: PeerId, message: Message): TopicValidatorResult {
    try {
      if (message.type !== "signed") throw new Error("heartbeat is not signed");
      const heartbeat = decodeHeartbeat(message.data);
      if (heartbeat.peerId !== message.from.toString()) throw new Error("heartbeat names another peer than its signer");
      return TopicValidatorResult.Accept;
    } catch (err) {
      this.logMalformed(from.toString(), err);
      return TopicValidatorResult.Reject;
    }
  }

  private readonly onMessage = (event: CustomEvent<Message>) => {
    const message = event.detail;
    if (message.topic !== MEMBERSHIP_TOPIC || message.type !== "signed") return;
    try {
      const heartbeat = decodeHeartbeat(message.data);
      if (heartbeat.peerId === this.table.selfId) return;
      this.observe(heartbeat);
    } catch (err) {
      this.logMalformed(message.from.toString(), err);
    }
  };

  private observe(heartbeat: Heartbeat): void {
    let change: PeerChange | undefined;
    try {
      change = this.table.observe(heartbeat, this.nowMs());
    } catch (err) {
      this.init.log.warn("heartbeat not recorded", { peer: heartbeat.peerId, err });
      return;
    }
    if (!change) return;
    if (!change.record.isSelf) this.rememberAddresses(change.record);
    this.emitChange(change);
  }

  private detect(): void {
    if (this.stopped) return;
    const now = this.nowMs();
    // This peer's own stall (a starved event loop, a paused process) is not the others'
    // silence: heartbeats could not be read meanwhile. Time past a normal tick is forgiven.
    const lateMs = this.lastDetectMs === undefined ? 0 : now - this.lastDetectMs - DETECTOR_TICK_MS;
    this.lastDetectMs = now;
    if (lateMs > DETECTOR_STALL_MS) {
      this.table.forgive(lateMs);
      this.init.log.warn("this peer stalled; the failure detector forgives the pause", { stallMs: Math.round(lateMs) });
    }
    for (const change of this.table.tick(now)) {
      if (change.to === "forgotten") this.redial.delete(change.id);
      this.emitChange(change);
    }
    this.dialMissing();
  }

  private emitChange(change: PeerChange): void {
    if (!change.record.isSelf) {
      const fields = { peer: change.id, rack: change.record.heartbeat.rack };
      if (change.to === "dead" || change.to === "suspect") this.init.log.warn(`peer is ${change.to}`, fields);
      else if (change.from === "unknown") this.init.log.info("peer joined", fields);
      else this.init.log.info(`peer is ${change.to}`, { ...fields, was: change.from });
    }
    this.dispatchEvent(new CustomEvent<PeerChange>("peer:change", { detail: change }));
  }

  private rememberAddresses(record: PeerRecord): void {
    const addresses = parseAddresses(record.heartbeat.addresses);
    if (addresses.length === 0) return;
    void this.host.peerStore.merge(peerIdFromString(record.id), { multiaddrs: addresses }).catch(() => {});
  }

  /** Dials every known peer this one has no connection to, with backoff per peer. */
  private dialMissing(): void {
    const now = this.nowMs();
    for (const record of this.table.list()) {
      if (record.isSelf) continue;
      const peerId = peerIdFromString(record.id);
      if (this.host.getConnections(peerId).length > 0) {
        this.redial.delete(record.id);
        continue;
      }
      const attempt = this.redial.get(record.id) ?? { nextAttemptMs: now, backoffMs: REDIAL_BACKOFF_MS_MIN, inFlight: false };
      this.redial.set(record.id, attempt);
      if (attempt.inFlight || now < attempt.nextAttemptMs) continue;
      const addresses = parseAddresses(record.heartbeat.addresses);
      if (addresses.length === 0) continue;
      attempt.inFlight = true;
      this.host
        .dial(addresses)
        .then(() => this.redial.delete(record.id))
        .catch((err) => {
          attempt.backoffMs = Math.min(attempt.backoffMs * 2, REDIAL_BACKOFF_MS_MAX);
          attempt.nextAttemptMs = this.nowMs() + attempt.backoffMs;
          this.init.log.debug("dial failed", { peer: record.id, err });
        })
        .finally(() => {
          attempt.inFlight = false;
        });
    }
  }

  private logMalformed(from: string, err: unknown): void {
    this.malformedHeartbeats += 1;
    const now = this.nowMs();
    if (now - this.lastMalformedLogMs < MALFORMED_LOG_INTERVAL_MS) {
      this.malformedSuppressed += 1;
      return;
    }
    this.init.log.warn("dropped a malformed heartbeat", { from, reason: err, suppressedSinceLast: this.malformedSuppressed });
    this.lastMalformedLogMs = now;
    this.malformedSuppressed = 0;
  }
}

function parseAddresses(addresses: string[]): Multiaddr[] {
  const parsed: Multiaddr[] = [];
  for (const address of addresses) {
    try {
      parsed.push(multiaddr(address));
    } catch {
      // Validated before; an address this build cannot parse is skipped, not fatal.
    }
  }
  return parsed;
}
