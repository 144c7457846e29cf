// /tessera/meta/3: metadata requests from clients and peers. The leader serves them; any
// other peer forwards a request to the leader once and relays the answer (DESIGN.md,
// "Choosing the masters": non-voters forward metadata requests to the leader), so a client
// can enter the cluster through any peer. This file routes: each request kind has one
// handler (src/protocol/meta.ts types them), the services of the leader provide them.
//
// Every request has a caller: the peer id its connection authenticated (or, for a request a
// peer of the cluster forwarded, the caller that peer saw; or this peer, for its own). Client
// ids are their caller's ("<peer id>/<random>"), and a request naming another's is refused,
// so no connection acts under, or retries a call of, a client that is not its own. A call
// that changes the namespace is served at most once (at-most-once.ts: the retry cache).
import type { TesseraHost } from "../../net/host.ts";
import { MuxClient, registerMuxHandler } from "../../net/mux-rpc.ts";
import type { Logger } from "../../util/log.ts";
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import { ProposalDroppedError } from "../../raft/errors.ts";
import type { Connection } from "@libp2p/interface";
import type { ClusterStatus, MetaRequest, MetaResponse } from "../../protocol/pb/meta.ts";
import { encodeLogCommand, validateSettingKey, SETTING_VALUE_BYTES_MAX, type MasterStateMachine } from "../state/state-machine.ts";
import { META_PROTOCOL } from "../../protocol/ids.ts";
import { META_RPC_LIMITS } from "../../protocol/limits.ts";
import { OverloadedError, RequestError, WireError, type ErrorCode } from "../../protocol/errors.ts";
import { clientIdBelongsTo, META_CHANNEL, metaAnswer, requestKindOf, type CallKey, type MetaHandlers, type RequestContext, type RequestKind } from "../../protocol/meta.ts";
import { answerFromOutcome, atMostOnceCall, CallScopes, valueOf } from "./at-most-once.ts";
import { PROGRESS_STATE } from "../../protocol/views.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";
import { Callers } from "./callers.ts";
import { SUPERUSER_KEY } from "../state/permissions.ts";
import { LeaderLoop } from "../leader-loop.ts";
import { randomBytes } from "node:crypto";
import { AdmissionLimiter, type AdmissionLimits } from "../../util/admission.ts";
import { LoopLag } from "../../util/loop-lag.ts";

/** The cluster's signing secret (delegation tokens, WebHDFS's redirects): made by the first leader without one. */
export const CLUSTER_SECRET_KEY = "secret/cluster";
export const CLUSTER_SECRET_BYTES = 32;
/** How often a leader looks whether it has taken office yet (it also does before its first request). */
const OFFICE_CHECK_INTERVAL_MS = 1_000;

/**
 * Requests only a superuser may make (HDFS: dfsadmin's). setSetting and deleteSetting are
 * checked again at apply, where the caller goes with the command.
 */
const SUPERUSER_KINDS: ReadonlySet<RequestKind> = new Set<RequestKind>(["getSetting", "listSettings", "setSetting", "deleteSetting", "balance", "decommission"]);

// A client keeps one multiplexed stream per peer; a few more cover reconnects.
const META_INBOUND_STREAMS_MAX = 8;

/**
 * Admission of the requests that come over the network (clients', and those other peers
 * forward): past these a request is refused at once with OVERLOADED (src/util/admission.ts),
 * so the work under way, and with it the event loop's queue, stays bounded however many
 * clients ask, and Raft's messages and the heartbeats that share this event loop are not kept
 * waiting behind them (docs/overload.md).
 *   - 256 at once: a Raft commit carries every proposal made meanwhile, so a few hundred
 *     requests in flight keep group commits full (64 closed-loop clients already reach the
 *     leader's best rate), and 256 is one client stream's own bound (MUX_INFLIGHT_MAX);
 *   - 512 waiting, 500 ms at most: a burst is ridden out, a sustained excess is refused within
 *     half a second, far inside a client's 10 s timeout, which then backs off and retries.
 */
export const META_ADMISSION_LIMITS: AdmissionLimits = { inFlightMax: 256, queueMax: 512, queueTimeoutMs: 500 };

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
    case "listSettings":
      return "settings.list";
    case "deleteSetting":
      return "settings.delete";
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
  /**
   * The scopes of the calls being served: the services whose handlers are served at most once
   * propose through `calls.proposerOf(raft)` (peer.ts wires it).
   */
  calls: CallScopes;
  log: Logger;
  /** Told of every request once answered (admin HTTP's latency histogram): `served` is true when this peer led. */
  onRequest?(sample: { op: string; served: boolean; ok: boolean; durationMs: number }): void;
  /** Who each request acts for, with its groups (shared with the file-system service); one of its own when absent. */
  callers?: Callers;
  /**
   * The user this peer's process runs as: the superuser a leader names when it takes office in
   * a cluster that has none (HDFS: who started the NameNode). Absent: no superuser is named.
   */
  superuser?: string;
  /** Admission of requests from the network (META_ADMISSION_LIMITS unless given). */
  admission?: AdmissionLimits;
}

export class MetaService {
  /** The Raft group's own requests, and every other service's (init.handlers). */
  private readonly handlers: Partial<MetaHandlers>;
  /**
   * The calls this leader is serving now, by call id and client id: a retry waits for the
   * first attempt. Bounded by the requests in flight (mux-rpc.ts): each entry leaves when answered.
   */
  private readonly serving = new Map<string, Promise<MetaResponse>>();
  /** The term in which a read barrier made every call applied by earlier leaders visible here. */
  private barrierTerm = -1;
  /**
   * Retried calls this peer answered as leader without carrying them out again (as HDFS's
   * RetryCacheMetrics count hits): from the call's record, by waiting for its first attempt
   * still in flight, or from the first outcome apply gave back to a proposal of the retry.
   */
  readonly retries = { answeredFromRecord: 0, joinedInFlight: 0, replayedByApply: 0 };
  private readonly callers: Callers;
  /** The term whose leader has taken office here (the settings it must find exist), or is doing so. */
  private office?: { term: number; done: Promise<void> };
  private readonly officeLoop: LeaderLoop<void>;
  /** Admission of requests from the network (clients and forwarding peers); this peer's own calls skip it. */
  readonly admission: AdmissionLimiter;
  /** This process's event-loop lag: while it runs late, new network requests are refused (admission). */
  readonly loopLag = new LoopLag();

  constructor(private readonly init: MetaServiceInit) {
    this.admission = new AdmissionLimiter({
      what: "this peer's metadata service",
      limits: init.admission ?? META_ADMISSION_LIMITS,
      busyReason: () => this.loopLag.busyReason(),
      refuse: (message) => new OverloadedError(message),
    });
    const proposer = init.calls.proposerOf(init.raft);
    const callers = init.callers ?? new Callers({ namespace: init.stateMachine.namespace });
    this.callers = callers;
    this.officeLoop = new LeaderLoop({ name: "taking office", intervalMs: OFFICE_CHECK_INTERVAL_MS, isLeader: () => init.raft.isLeader, round: () => this.takeOffice(), log: init.log });
    this.handlers = {
      ...init.handlers,
      status: async () => this.localStatus(),
      setSetting: async (req, context) => {
        validateSettingKey(req.key);
        if (req.value.length > SETTING_VALUE_BYTES_MAX) throw new RequestError("INVALID", `a setting value is at most ${SETTING_VALUE_BYTES_MAX} bytes`);
        const caller = await callers.of(context?.user);
        await proposer.propose(encodeLogCommand({ setSetting: { key: req.key, value: req.value }, ...(caller ? { caller } : {}) }), COMMIT_TIMEOUT_MS);
        return {};
      },
      getSetting: async (req) => {
        validateSettingKey(req.key);
        await init.raft.readBarrier(COMMIT_TIMEOUT_MS);
        const value = init.stateMachine.getSetting(req.key);
        return { found: value !== undefined, value: (value ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer> };
      },
      listSettings: async (req) => {
        await init.raft.readBarrier(COMMIT_TIMEOUT_MS);
        const page = init.stateMachine.namespace.listSettings(req.prefix, { ...(req.after ? { after: req.after } : {}), ...(req.limit ? { limit: req.limit } : {}) });
        return { entries: page.entries.map((entry) => ({ key: entry.key, value: entry.value as Uint8Array<ArrayBuffer> })), next: page.next ?? "" };
      },
      deleteSetting: async (req, context) => {
        validateSettingKey(req.key);
        const caller = await callers.of(context?.user);
        await proposer.propose(encodeLogCommand({ deleteSetting: { key: req.key }, ...(caller ? { caller } : {}) }), COMMIT_TIMEOUT_MS);
        return {};
      },
    };
  }

  /**
   * Once per term, before the leader serves anything: the settings a cluster must have exist
   * (permissions/superuser, named after this process's user; secret/cluster, 32 random bytes),
   * each written only if absent. Proposed as the cluster's own commands, outside any call.
   */
  takeOffice(): Promise<void> {
    const raft = this.init.raft;
    const term = raft.term;
    if (this.office?.term === term) return this.office.done;
    const done = (async () => {
      await raft.readBarrier(COMMIT_TIMEOUT_MS);
      const sm = this.init.stateMachine;
      const wanted: { key: string; value: () => Uint8Array<ArrayBuffer> }[] = [{ key: CLUSTER_SECRET_KEY, value: () => new Uint8Array(randomBytes(CLUSTER_SECRET_BYTES)) }];
      const superuser = this.init.superuser;
      if (superuser) wanted.unshift({ key: SUPERUSER_KEY, value: () => new TextEncoder().encode(superuser) });
      for (const { key, value } of wanted) {
        if (sm.getSetting(key) !== undefined) continue;
        await raft.propose(encodeLogCommand({ setSetting: { key, value: value() } }), COMMIT_TIMEOUT_MS);
        this.init.log.info("named a setting the cluster lacked", { key });
      }
    })();
    this.office = { term, done };
    // A failed attempt (lost leadership, a timeout) is tried again by the next request or round.
    done.catch(() => {
      if (this.office?.done === done) this.office = undefined;
    });
    return done;
  }

  async start(): Promise<void> {
    this.loopLag.start();
    this.officeLoop.start();
    await registerMuxHandler<MetaRequest, MetaResponse>(this.init.host, {
      ...META_CHANNEL,
      maxInboundStreams: META_INBOUND_STREAMS_MAX,
      log: this.init.log,
      handle: (req, connection) => this.handleFrom(req, connection),
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
    this.loopLag.stop();
    await this.officeLoop.stop();
    this.toLeader?.client.close();
    await this.init.host.unhandle(META_PROTOCOL);
  }

  /**
   * A request that came on `connection`: its caller is the connection's peer, or, when a peer
   * of the cluster forwarded it, the caller that peer names. A client cannot name one.
   */
  private handleFrom(req: MetaRequest, connection: Connection): Promise<MetaResponse> {
    const remote = connection.remotePeer.toString();
    if (req.caller === "") return this.admitted(req, () => this.handle(req, remote));
    if (!req.forwarded) return Promise.resolve(error("INVALID", "only a forwarded request names its caller"));
    // Clients hold the swarm key too; only a peer of the cluster (it sends heartbeats) is
    // trusted to say who asked. One that joined a moment ago is known shortly: ask again.
    if (!this.init.membership.table.get(remote)) return Promise.resolve(error("UNAVAILABLE", `this peer does not know ${remote} as a peer of the cluster yet, so it does not take its word for who asked`));
    return this.admitted(req, () => this.handle(req, req.caller));
  }

  /**
   * Serves `req` in one of the admission's slots, or answers OVERLOADED at once. A status
   * request is let through: it reads memory only, and it is how an operator (and a test)
   * sees the cluster while it is overloaded.
   */
  private async admitted(req: MetaRequest, serve: () => Promise<MetaResponse>): Promise<MetaResponse> {
    if (req.status !== undefined) return serve();
    let release: () => void;
    try {
      release = await this.admission.acquire();
    } catch (err) {
      if (err instanceof OverloadedError) return error("OVERLOADED", err.message);
      throw err;
    }
    try {
      return await serve();
    } finally {
      release();
    }
  }

  /**
   * Serves a request of `caller` (the peer id it came from; this peer's own for its own
   * requests) here when this peer leads, else forwards it to the leader once.
   */
  async handle(req: MetaRequest, caller: string): Promise<MetaResponse> {
    const kind = requestKindOf(req);
    if (kind === undefined) return error("INVALID", "an empty metadata request, or one of a kind this peer does not know");
    const refusal = checkClientIds(req, kind, caller);
    if (refusal) return refusal;
    const onRequest = this.init.onRequest;
    if (!onRequest) return this.serve(req, kind, caller);
    const startedMs = performance.now();
    const served = this.init.raft.isLeader;
    let ok = false;
    try {
      const response = await this.serve(req, kind, caller);
      ok = !response.error;
      return response;
    } finally {
      onRequest({ op: metricOp(kind), served, ok, durationMs: performance.now() - startedMs });
    }
  }

  private async serve(req: MetaRequest, kind: RequestKind, caller: string): Promise<MetaResponse> {
    const raft = this.init.raft;
    const known = raft.isLeader ? raft.id : raft.leader || this.init.membership.gossipedLeader();
    // Gossip may still name this peer, from a heartbeat it sent while it led: nobody to forward to.
    const leader = !raft.isLeader && known === raft.id ? undefined : known;
    if (kind === "status" && !raft.isLeader && (!leader || req.forwarded)) return metaAnswer("status", this.localStatus());
    if (!raft.isLeader) {
      if (!leader) return error("NO_LEADER", "no leader is elected right now; try again shortly");
      if (req.forwarded) return error("NOT_LEADER", "this peer is not the leader", leader);
      try {
        return await this.leaderChannel(leader).call({ ...req, forwarded: true, caller }, META_RPC_LIMITS.timeoutMs);
      } catch (err) {
        return error("UNAVAILABLE", `the leader did not answer: ${(err as Error).message}`, leader);
      }
    }
    const handler = this.handlers[kind] as ((body: unknown, context: RequestContext) => Promise<unknown>) | undefined;
    if (!handler) return error("INVALID", `this master does not serve ${kind} requests`);
    // Outside any call's scope: its proposals are the cluster's, not the call's.
    try {
      // status stays an answer of the Raft group alone: it must work while nothing commits.
      if (kind !== "status") await this.takeOffice();
      if (SUPERUSER_KINDS.has(kind)) await this.callers.requireSuperuser(req.user, `a ${kind} request`);
    } catch (err) {
      return this.failure(kind, err);
    }
    const call = atMostOnceCall(kind, req);
    if (!call) return this.answer(kind, async () => metaAnswer(kind, (await handler(req[kind], { user: req.user })) as never));
    const key = `${call.callId} ${call.clientId}`;
    const first = this.serving.get(key);
    if (first) {
      this.retries.joinedInFlight += 1;
      return first;
    }
    const serving = this.answer(kind, () => this.serveCall(req, kind, call, handler)).finally(() => this.serving.delete(key));
    this.serving.set(key, serving);
    return serving;
  }

  /** Serves a call at most once: from its record when it has one, else by its handler, whose proposal carries the call. */
  private async serveCall(req: MetaRequest, kind: RequestKind, call: CallKey, handler: (body: unknown, context: RequestContext) => Promise<unknown>): Promise<MetaResponse> {
    await this.seeEarlierLeadersCalls();
    const body = req[kind] as never;
    const first = this.init.stateMachine.namespace.recordedCall(call.clientId, call.callId);
    if (first) {
      this.retries.answeredFromRecord += 1;
      return metaAnswer(kind, (await answerFromOutcome(kind, body, valueOf(first), this.answerContext)) as never);
    }
    const { value, replayed } = await this.init.calls.run(call, () => handler(body, { user: req.user }));
    // The proposal was a retry after all (the first attempt was still in the log): the
    // handler built its answer around the first value; the record alone says what it was.
    if (replayed) {
      this.retries.replayedByApply += 1;
      return metaAnswer(kind, (await answerFromOutcome(kind, body, replayed.value, this.answerContext)) as never);
    }
    return metaAnswer(kind, value as never);
  }

  /**
   * Once per term: after a read barrier the whole log of earlier terms is applied here, so a
   * call an earlier leader carried out has its record (a new leader's commit index covers
   * every committed entry once an entry of its own term commits, Raft §5.4.2 and §6.4).
   * Calls of this term went through this leader.
   */
  private async seeEarlierLeadersCalls(): Promise<void> {
    const term = this.init.raft.term;
    if (this.barrierTerm === term) return;
    await this.init.raft.readBarrier(COMMIT_TIMEOUT_MS);
    this.barrierTerm = term;
  }

  private get answerContext() {
    return {
      namespace: this.init.stateMachine.namespace,
      membership: this.init.membership,
      stat: async (path: string) => {
        const stat = this.handlers.stat;
        if (!stat) throw new RequestError("INVALID", "this master does not serve stat requests");
        return stat({ path });
      },
    };
  }

  /** Runs `serve` on the leader; a refusal or a failure becomes its error answer. */
  private async answer(kind: RequestKind, serve: () => Promise<MetaResponse>): Promise<MetaResponse> {
    try {
      return await serve();
    } catch (err) {
      return this.failure(kind, err);
    }
  }

  /** A refusal or a failure of a request as its error answer. */
  private failure(kind: RequestKind, err: unknown): MetaResponse {
    const raft = this.init.raft;
    // Expected refusals (not found, exists, no peers, ...) go back with their code.
    if (err instanceof WireError) return error(err.code, err.message);
    if (err instanceof ProposalDroppedError) return error("NOT_LEADER", err.message, err.leaderHint || raft.leader);
    const code = (err as { code?: string }).code;
    if (code === "RAFT_PROPOSAL_TIMEOUT") return error("TIMEOUT", (err as Error).message, raft.leader);
    // Expected while this peer's disk is full (raft/node.ts): retryable, and not logged per call.
    if (code === "RAFT_DISK_FULL") return error("UNAVAILABLE", (err as Error).message, raft.leader);
    this.init.log.warn("metadata request failed", { kind, err });
    return error("UNAVAILABLE", (err as Error).message, raft.leader);
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

/**
 * Refuses a request whose client id (the call's, or the one a write names as its lease
 * holder) is not one of its caller's, and a call id without a client id. Nothing is changed.
 */
function checkClientIds(req: MetaRequest, kind: RequestKind, caller: string): MetaResponse | undefined {
  if (req.callId !== 0 && (!Number.isSafeInteger(req.callId) || req.clientId === "")) return error("INVALID", "a call id is a positive integer and comes with its client id");
  const bodyClientId = (req[kind] as { clientId?: unknown }).clientId;
  for (const clientId of [req.clientId, typeof bodyClientId === "string" ? bodyClientId : ""]) {
    if (clientId !== "" && !clientIdBelongsTo(clientId, caller)) return error("INVALID", `client id ${clientId} is not one of ${caller}'s, the peer this request came from (a client id is "<its peer id>/<random>")`);
  }
  return undefined;
}
