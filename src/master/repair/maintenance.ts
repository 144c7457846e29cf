// The leader's housekeeping of replicas, besides re-replication: garbage collection
// (gc.ts), the balancer (balancer.ts) and decommissioning (decommission.ts), built and
// started together, and the operators' requests that reach them (balance, decommission,
// decommissionStatus of /tessera/meta/3, routed here by MetaService on the leader).
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { Logger } from "../../util/log.ts";
import type { Namespace } from "../state/namespace.ts";
import type { ChunkLocations } from "../cluster/locations.ts";
import { ReplicaOps, type ReplicateSender } from "./replica-ops.ts";
import { GarbageCollector } from "./gc.ts";
import { Balancer, BALANCE_REQUEST_MS_MAX } from "./balancer.ts";
import { Decommissioner } from "./decommission.ts";
import { BALANCE_THRESHOLD_PCT_DEFAULT } from "../../protocol/limits.ts";
import { RequestError } from "../../protocol/errors.ts";
import { balanceSummaryMessage, decommissionStatusMessage } from "../../protocol/views.ts";
import type { MetaHandlers } from "../../protocol/meta.ts";

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

  /** The operators' maintenance requests, served on the leader. */
  readonly handlers: Pick<MetaHandlers, "balance" | "decommission" | "decommissionStatus"> = {
    balance: async (req) => balanceSummaryMessage(await this.balancer.balance(req.thresholdPct ?? BALANCE_THRESHOLD_PCT_DEFAULT, req.budgetMs || BALANCE_REQUEST_MS_MAX)),
    decommission: async (req) => decommissionStatusMessage(await this.decommissioner.begin(requirePeer(req))),
    decommissionStatus: async (req) => decommissionStatusMessage(this.decommissioner.status(requirePeer(req))),
  };
}

function requirePeer(req: { peer: string }): string {
  if (!req.peer) throw new RequestError("INVALID", "name the peer to decommission");
  return req.peer;
}
