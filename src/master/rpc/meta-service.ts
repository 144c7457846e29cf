// /tessera/meta/1: metadata requests from clients and peers. The leader serves them; any
// other peer forwards a request to the leader once and relays the answer (DESIGN.md,
// "Choosing the masters": non-voters forward metadata requests to the leader), so a client
// can enter the cluster through any peer.
import type { PeerId } from "@libp2p/interface";
import type { TesseraHost } from "../../net/host.ts";
import { MuxClient, registerMuxHandler } from "../../net/mux-rpc.ts";
import type { Logger } from "../../util/log.ts";
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import { ProposalDroppedError } from "../../raft/errors.ts";
import { MetaRequest, MetaResponse, type ClusterStatus } from "../../protocol/pb/meta.ts";
import { encodeCommand, validateSettingKey, SETTING_VALUE_BYTES_MAX, type MasterStateMachine } from "../state/state-machine.ts";
import { type FsService } from "./fs-service.ts";
import { JobRequest, JobResponse } from "../../protocol/pb/jobs.ts";
import { META_PROTOCOL } from "../../protocol/ids.ts";
import { META_RPC_LIMITS } from "../../protocol/limits.ts";
import { RequestError, WireError } from "../../protocol/errors.ts";
import { JOB_REQUEST_LIMITS } from "../../protocol/jobs.ts";
import { META_CHANNEL } from "../../protocol/meta.ts";


// A proposal or read waits this long for its outcome on the leader.
const COMMIT_TIMEOUT_MS = 5_000;
// A client keeps one multiplexed stream per peer; a few more cover reconnects.
const META_INBOUND_STREAMS_MAX = 8;

export interface MetaServiceInit {
  host: TesseraHost;
  raft: RaftNode;
  /** Tells a peer outside the voter set who leads (heartbeats carry the leader's term). */
  membership: MembershipService;
  stateMachine: MasterStateMachine;
  /** The file system's operations, served when this peer leads. */
  fs?: FsService;
  /** MapReduce jobs, served when this peer leads. */
  jobs?: { handle(req: JobRequest): Promise<JobResponse> };
  log: Logger;
  /** Told of every request once answered (admin HTTP's latency histogram): `served` is true when this peer led. */
  onRequest?(sample: { op: string; served: boolean; ok: boolean; durationMs: number }): void;
}

export class MetaService {
  constructor(private readonly init: MetaServiceInit) {}

  async start(): Promise<void> {
    await registerMuxHandler<MetaRequest, MetaResponse>(this.init.host, {
      protocol: META_PROTOCOL,
      requestCodec: MetaRequest,
      responseCodec: MetaResponse,
      messageBytesMax: META_RPC_LIMITS.messageBytesMax,
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
    const onRequest = this.init.onRequest;
    if (!onRequest) return this.serve(req);
    const startedMs = performance.now();
    const served = this.init.raft.isLeader;
    let ok = false;
    try {
      const response = await this.serve(req);
      ok = !response.errorCode;
      return response;
    } finally {
      onRequest({ op: req.op === "fs" ? `fs.${req.fs?.op ?? ""}` : req.op, served, ok, durationMs: performance.now() - startedMs });
    }
  }

  private async serve(req: MetaRequest): Promise<MetaResponse> {
    const raft = this.init.raft;
    const leader = raft.isLeader ? raft.id : raft.leader || this.init.membership.gossipedLeader();
    if (req.op === "status" && !raft.isLeader && (!leader || req.forwarded)) return { ...empty(), status: this.localStatus() };
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
      switch (req.op) {
        case "status":
          return { ...empty(), status: this.localStatus() };
        case "settings.set": {
          validateSettingKey(req.key);
          if (req.value.length > SETTING_VALUE_BYTES_MAX) return error("INVALID", `a setting value is at most ${SETTING_VALUE_BYTES_MAX} bytes`);
          await raft.propose(encodeCommand({ op: "settings.set", key: req.key, value: req.value }), COMMIT_TIMEOUT_MS);
          return empty();
        }
        case "settings.get": {
          validateSettingKey(req.key);
          await raft.readBarrier(COMMIT_TIMEOUT_MS);
          const value = this.init.stateMachine.getSetting(req.key);
          return { ...empty(), found: value !== undefined, value: (value ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer> };
        }
        case "fs": {
          if (!req.fs || !this.init.fs) return error("INVALID", "a file system request without its body");
          return { ...empty(), fs: await this.init.fs.handle(req.fs) };
        }
        case "job": {
          // The job request travels encoded in `value` (pb/jobs.proto), bounded like any other.
          if (!this.init.jobs) return error("INVALID", "this master does not serve jobs");
          let jobRequest: JobRequest;
          try {
            jobRequest = JobRequest.decode(req.value, { limits: JOB_REQUEST_LIMITS });
          } catch (err) {
            return error("INVALID", `malformed job request: ${(err as Error).message}`);
          }
          return { ...empty(), value: JobResponse.encode(await this.init.jobs.handle(jobRequest)) as Uint8Array<ArrayBuffer> };
        }
        default:
          return error("INVALID", `unknown metadata operation ${JSON.stringify(req.op)}`);
      }
    } catch (err) {
      // Expected refusals (not found, exists, no peers, ...) go back with their code.
      if (err instanceof WireError) return error(err.code, err.message);
      if (err instanceof ProposalDroppedError) return error("NOT_LEADER", err.message, err.leaderHint || raft.leader);
      const code = (err as { code?: string }).code;
      if (code === "RAFT_PROPOSAL_TIMEOUT") return error("TIMEOUT", (err as Error).message, raft.leader);
      if (code === "COMMAND_REJECTED") return error("INVALID", (err as Error).message);
      this.init.log.warn("metadata request failed", { op: req.op, err });
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
        state: progress.state,
        learner: progress.isLearner,
      })),
      answeredBy: this.init.host.peerId.toString(),
    };
  }
}

function empty(): MetaResponse {
  return { errorCode: "", errorMessage: "", leaderHint: "", value: new Uint8Array(0), found: false };
}

function error(code: string, message: string, leaderHint = ""): MetaResponse {
  return { ...empty(), errorCode: code, errorMessage: message, leaderHint };
}
