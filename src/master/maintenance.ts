// The leader's housekeeping of replicas, besides re-replication: garbage collection
// (gc.ts), the balancer (balancer.ts) and decommissioning (decommission.ts), built and
// started together, and the file system operations that reach them ("balance",
// "decommission", "decommissionStatus", served by FsService on the leader).
import { peerIdFromString } from "@libp2p/peer-id";
import type { TesseraHost } from "../net/host.ts";
import { request } from "../net/rpc.ts";
import type { RaftNode } from "../raft/node.ts";
import type { MembershipService } from "../membership/service.ts";
import type { Logger } from "../util/log.ts";
import { CHUNK_REPLICATE_PROTOCOL, REPLICATE_RPC_LIMITS, ReplicateRequest, ReplicateResponse, type ReplicaService } from "../chunk/replica-service.ts";
import type { ReplicateSender } from "./replication-manager.ts";
import type { Namespace } from "./namespace.ts";
import type { ChunkLocations } from "./locations.ts";
import type { FsRequest, FsResponse } from "./pb/meta.ts";
import { ReplicaOps } from "./replica-ops.ts";
import { GarbageCollector } from "./gc.ts";
import { Balancer, BALANCE_REQUEST_MS_MAX, BALANCE_THRESHOLD_PCT_DEFAULT, type UsageSpread } from "./balancer.ts";
import { Decommissioner, type DecommissionStatus } from "./decommission.ts";
import { FsRequestError } from "./fs-service.ts";

export const MAINTENANCE_OPS = new Set(["balance", "decommission", "decommissionStatus"]);

export interface MaintenanceOptions {
  /** Garbage is deleted this long after it became garbage (default GC_GRACE_MS_DEFAULT). */
  gcGraceMs?: number;
  gcIntervalMs?: number;
  decommissionIntervalMs?: number;
}

export interface MaintenanceInit extends MaintenanceOptions {
  raft: RaftNode;
  namespace: Namespace;
  membership: MembershipService;
  locations: ChunkLocations;
  send: ReplicateSender;
  log: Logger;
}

export class Maintenance {
  readonly ops: ReplicaOps;
  readonly gc: GarbageCollector;
  readonly balancer: Balancer;
  readonly decommissioner: Decommissioner;

  constructor(init: MaintenanceInit) {
    const { raft, namespace, membership, locations, log } = init;
    this.ops = new ReplicaOps({ send: init.send, membership, locations });
    this.gc = new GarbageCollector({ raft, namespace, locations, membership, ops: this.ops, log: log.child("gc"), graceMs: init.gcGraceMs, intervalMs: init.gcIntervalMs });
    this.balancer = new Balancer({ namespace, locations, membership, ops: this.ops, log: log.child("balancer") });
    this.decommissioner = new Decommissioner({ raft, namespace, locations, membership, ops: this.ops, log: log.child("decommission"), intervalMs: init.decommissionIntervalMs });
  }

  start(): void {
    this.gc.start();
    this.decommissioner.start();
  }

  async stop(): Promise<void> {
    await this.gc.stop();
    await this.decommissioner.stop();
  }

  /** Serves one of MAINTENANCE_OPS on the leader. */
  async handle(req: FsRequest): Promise<Pick<FsResponse, "balance" | "decommission">> {
    switch (req.op) {
      case "balance": {
        const summary = await this.balancer.balance(req.thresholdPct ?? BALANCE_THRESHOLD_PCT_DEFAULT, req.budgetMs || BALANCE_REQUEST_MS_MAX);
        return { balance: { ...summary, before: spreadMessage(summary.before), after: spreadMessage(summary.after) } };
      }
      case "decommission":
        return { decommission: statusMessage(await this.decommissioner.begin(requirePeer(req))) };
      case "decommissionStatus":
        return { decommission: statusMessage(this.decommissioner.status(requirePeer(req))) };
      default:
        throw new FsRequestError("INVALID", `unknown maintenance operation ${JSON.stringify(req.op.slice(0, 64))}`);
    }
  }
}

/** Sends replicate requests: over the wire, or to this peer's own service (libp2p cannot dial itself). */
export function replicateSender(host: TesseraHost, selfId: string, local: () => ReplicaService | undefined): ReplicateSender {
  return (to, body) => {
    if (to !== selfId) return request<ReplicateRequest, ReplicateResponse>(host, peerIdFromString(to), { protocol: CHUNK_REPLICATE_PROTOCOL, requestCodec: ReplicateRequest, responseCodec: ReplicateResponse, ...REPLICATE_RPC_LIMITS }, body);
    const service = local();
    if (!service) return Promise.reject(new Error("this peer's chunk server is not started yet"));
    return service.execute(selfId, body);
  };
}

function requirePeer(req: FsRequest): string {
  if (!req.peer) throw new FsRequestError("INVALID", "name the peer to decommission");
  return req.peer;
}

function spreadMessage(spread: UsageSpread) {
  return { ...spread, peers: spread.peers.map((p) => ({ ...p })) };
}

function statusMessage(status: DecommissionStatus) {
  return { ...status };
}
