// /tessera/meta/2: metadata requests from clients and peers. The leader serves them; any
// other peer forwards a request to the leader once and relays the answer (DESIGN.md,
// "Choosing the masters": non-voters forward metadata requests to the leader), so a client
// can enter the cluster through any peer. This file routes: each request kind has one
// handler (src/protocol/meta.ts types them), the services of the leader provide them.
import type { TesseraHost } from "../../net/host.ts";
import { MuxClient, registerMuxHandler } from "../../net/mux-rpc.ts";
import type { Logger } from "../../util/log.ts";
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import { ProposalDroppedError } from "../../raft/errors.ts";
import type { ClusterStatus, MetaRequest, MetaResponse } from "../../protocol/pb/meta.ts";
import { encodeLogCommand, validateSettingKey, SETTING_VALUE_BYTES_MAX, type MasterStateMachine } from "../state/state-machine.ts";
import { META_PROTOCOL } from "../../protocol/ids.ts";
import { META_RPC_LIMITS } from "../../protocol/limits.ts";
import { RequestError, WireError, type ErrorCode } from "../../protocol/errors.ts";
import { META_CHANNEL, metaAnswer, requestKindOf, type MetaHandlers, type RequestKind } from "../../protocol/meta.ts";
import { PROGRESS_STATE } from "../../protocol/views.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";

// A client keeps one multiplexed stream per peer; a few more cover reconnects.
const META_INBOUND_STREAMS_MAX = 8;

/**
 * The label of a request kind in admin HTTP's latency histogram: the names the metric has
 * always had ("fs.create", "settings.get", "job", ...), so dashboards keep working.
 */
function metricOp(kind: RequestKind): string {
  switch (kind) {
    case "status":
      return "status";
    case "setSetting":
      return "settings.set";
    case "getSetting":
      return "settings.get";
    case "submitJob":
    case "jobStatus":
    case "listJobs":
    case "killJob":
    case "taskDone":
    case "taskFailed":
    case "taskProgress":
      return "job";
    default:
      return `fs.${kind}`;
  }
}

export interface MetaServiceInit {
  host: TesseraHost;
  raft: RaftNode;
  /** Tells a peer outside the voter set who leads (heartbeats carry the leader's term). */
  membership: MembershipService;
  stateMachine: MasterStateMachine;
  /**
   * The handlers of the leader's services (the file system, maintenance, MapReduce), served
   * when this peer leads; the Raft group's own requests (status, settings) are served here.
   */
  handlers: Partial<MetaHandlers>;
  log: Logger;
  /** Told of every request once answered (admin HTTP's latency histogram): `served` is true when this peer led. */
  onRequest?(sample: { op: string; served: boolean; ok: boolean; durationMs: number }): void;
}

export class MetaService {
  /** The Raft group's own requests, and every other service's (init.handlers). */
  private readonly handlers: Partial<MetaHandlers>;

  constructor(private readonly init: MetaServiceInit) {
    this.handlers = {
      ...init.handlers,
      status: async () => this.localStatus(),
      setSetting: async (req) => {
        validateSettingKey(req.key);
        if (req.value.length > SETTING_VALUE_BYTES_MAX) throw new RequestError("INVALID", `a setting value is at most ${SETTING_VALUE_BYTES_MAX} bytes`);
        await init.raft.propose(encodeLogCommand({ setSetting: { key: req.key, value: req.value } }), COMMIT_TIMEOUT_MS);
        return {};
      },
      getSetting: async (req) => {
        validateSettingKey(req.key);
        await init.raft.readBarrier(COMMIT_TIMEOUT_MS);
        const value = init.stateMachine.getSetting(req.key);
        return { found: value !== undefined, value: (value ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer> };
      },
    };
  }

  async start(): Promise<void> {
    await registerMuxHandler<MetaRequest, MetaResponse>(this.init.host, {
      ...META_CHANNEL,
      maxInboundStreams: META_INBOUND_STREAMS_MAX,
      log: this.init.log,
      handle: (req) => this.handle(req),
    });
  }

  /** One multiplexed channel to the leader for forwarded requests, replaced when the leader moves. */
  private toLeader?: { leader: string; client: MuxClient<MetaRequest, MetaResponse> };

  private leaderChannel(leader: string): MuxClient<MetaRequest, MetaResponse> {
    if (this.toLeader?.leader !== leader) {
      this.toLeader?.client.close();
      this.toLeader = { leader, client: new MuxClient<MetaRequest, MetaResponse>(this.init.host, leader, META_CHANNEL) };
    }
    return this.toLeader.client;
  }

  async stop(): Promise<void> {
    this.toLeader?.client.close();
    await this.init.host.unhandle(META_PROTOCOL);
  }

  /** Serves a request here when this peer leads, else forwards it to the leader once. */
  async handle(req: MetaRequest): Promise<MetaResponse> {
    const kind = requestKindOf(req);
    if (kind === undefined) return error("INVALID", "an empty metadata request, or one of a kind this peer does not know");
    const onRequest = this.init.onRequest;
    if (!onRequest) return this.serve(req, kind);
    const startedMs = performance.now();
    const served = this.init.raft.isLeader;
    let ok = false;
    try {
      const response = await this.serve(req, kind);
      ok = !response.error;
      return response;
    } finally {
      onRequest({ op: metricOp(kind), served, ok, durationMs: performance.now() - startedMs });
    }
  }

  private async serve(req: MetaRequest, kind: RequestKind): Promise<MetaResponse> {
    const raft = this.init.raft;
    const leader = raft.isLeader ? raft.id : raft.leader || this.init.membership.gossipedLeader();
    if (kind === "status" && !raft.isLeader && (!leader || req.forwarded)) return metaAnswer("status", this.localStatus());
    if (!raft.isLeader) {
      if (!leader) return error("NO_LEADER", "no leader is elected right now; try again shortly");
      if (req.forwarded) return error("NOT_LEADER", "this peer is not the leader", leader);
      try {
        return await this.leaderChannel(leader).call({ ...req, forwarded: true }, META_RPC_LIMITS.timeoutMs);
      } catch (err) {
        return error("UNAVAILABLE", `the leader did not answer: ${(err as Error).message}`, leader);
      }
    }
    try {
      const handler = this.handlers[kind] as ((body: unknown) => Promise<unknown>) | undefined;
      if (!handler) return error("INVALID", `this master does not serve ${kind} requests`);
      return metaAnswer(kind, (await handler(req[kind])) as never);
    } catch (err) {
      // Expected refusals (not found, exists, no peers, ...) go back with their code.
      if (err instanceof WireError) return error(err.code, err.message);
      if (err instanceof ProposalDroppedError) return error("NOT_LEADER", err.message, err.leaderHint || raft.leader);
      const code = (err as { code?: string }).code;
      if (code === "RAFT_PROPOSAL_TIMEOUT") return error("TIMEOUT", (err as Error).message, raft.leader);
      this.init.log.warn("metadata request failed", { kind, err });
      return error("UNAVAILABLE", (err as Error).message, raft.leader);
    }
  }

  /** What this peer knows of the Raft group; complete (with progress) on the leader. */
  localStatus(): ClusterStatus {
    const status = this.init.raft.status();
    return {
      leader: status.lead,
      term: BigInt(status.term),
      voters: [...status.confState.voters],
      learners: [...status.confState.learners],
      commitIndex: BigInt(status.commit),
      appliedIndex: BigInt(this.init.raft.appliedIndex),
      progress: [...status.progress.entries()].map(([peer, progress]) => ({
        peer,
        match: BigInt(progress.match),
        next: BigInt(progress.next),
        state: PROGRESS_STATE.wire(progress.state as "probe" | "replicate" | "snapshot"),
        learner: progress.isLearner,
      })),
      answeredBy: this.init.host.peerId.toString(),
    };
  }
}

function error(code: ErrorCode, message: string, leaderHint = ""): MetaResponse {
  return { error: { code, message, leaderHint } };
}
