// The leader's half of the retry cache (HDFS's RetryCache; the replicated half, where apply
// records each call's outcome and refuses to run a call twice, is master/state/retry-cache.ts).
//
// A request of an at-most-once kind that carries a call id is served here as that call:
//   1. a retry of a call this leader is still serving waits for the first attempt's answer
//      instead of proposing a second time;
//   2. once per term, a read barrier makes every call applied under an earlier leader visible
//      (after it, the whole log before this term is applied here), and a call with a record
//      is answered from it, without running its handler again;
//   3. otherwise the handler runs in the call's scope: the one proposal it makes carries the
//      call (LogCommand.call) with the leader's clock, so apply records its outcome. When that
//      proposal turns out to be a retry after all (the first attempt was still in the log,
//      say after a timeout), apply gives back the first outcome and the answer is built from
//      it, as in 2.
// The leader's services are not changed for this: the scope rides along the handler's async
// calls (AsyncLocalStorage) and the Raft node they propose through tags the first proposal
// made in it.
import { AsyncLocalStorage } from "node:async_hooks";
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { Namespace } from "../state/namespace.ts";
import { ReplayedCall, type CallOutcome } from "../state/retry-cache.ts";
import type * as ops from "../state/namespace-ops.ts";
import { LogCommand } from "../../protocol/pb/log.ts";
import type { FileStatus, MetaRequest, Replica } from "../../protocol/pb/meta.ts";
import { RequestError } from "../../protocol/errors.ts";
import type { AnswerOf, CallKey, RequestKind, RequestOf } from "../../protocol/meta.ts";
import { assert } from "../../util/assert.ts";
import { committedAnswer, concatenatedAnswer, createdAnswer, rewrittenAnswer, symlinkAnswer } from "./fs-service.ts";

/** What a recorded outcome's answer may need beyond the outcome: the world as the leader sees it now. */
export interface AnswerContext {
  namespace: Namespace;
  membership: MembershipService;
  /** The answer to a stat of `path` (the file-system service's). */
  stat(path: string): Promise<FileStatus>;
}

type Answer<K extends RequestKind> = (result: never, request: RequestOf<K>, ctx: AnswerContext) => AnswerOf<K> | Promise<AnswerOf<K>>;

/**
 * The request kinds served at most once, each with its answer built from its command's result
 * (what the handler answers with the same result). Each of their handlers proposes one command.
 * Not here, and so carried out again when retried: the reads; reportBadReplica, balance and
 * decommission (soft state, idempotent); the jobs' requests (the scheduler proposes several
 * commands for one; a job id chosen by the client makes a retried submit ALREADY_EXISTS).
 */
const ANSWERS: { [K in AtMostOnceKind]: Answer<K> } = {
  setSetting: () => DONE,
  mkdir: () => DONE,
  create: (result: ReturnType<typeof ops.create>, request, ctx) => createdAnswer(request, result, (peer) => replicaOf(peer, ctx), ctx.namespace),
  append: async (result: ReturnType<typeof ops.reopenForAppend>, request, ctx) => ({ fileId: result.fileId, stat: await ctx.stat(request.path) }),
  addChunk: (result: ReturnType<typeof ops.addChunk>, _request, ctx) => ({
    chunkId: result.chunkId,
    index: result.index,
    version: result.version,
    sizeBytes: 0,
    committed: false,
    replicas: result.replicas.map((peer) => replicaOf(peer, ctx)),
  }),
  bumpChunk: (result: ReturnType<typeof ops.bumpChunkVersion>, _request, ctx) => {
    const owner = ctx.namespace.fileOfChunk(result.chunkId);
    if (!owner) throw new RequestError("NOT_FOUND", `chunk ${result.chunkId} is no longer in the namespace`);
    return { chunkId: result.chunkId, index: owner.index, version: result.version, sizeBytes: 0, committed: false, replicas: result.replicas.map((peer) => replicaOf(peer, ctx)) };
  },
  commitChunk: (result: ReturnType<typeof ops.commitChunk>, request) => committedAnswer(request.fileId, result),
  abandonChunk: () => DONE,
  complete: (result: ReturnType<typeof ops.complete>, request) => committedAnswer(request.fileId, { ...result, closed: true }),
  renewLease: () => DONE,
  rename: () => DONE,
  delete: (result: ReturnType<typeof ops.remove>) => ({ files: result.files, directories: result.directories, chunks: result.chunks }),
  setReplication: (result: ReturnType<typeof ops.setReplication>) => ({ files: result.files }),
  setAttributes: () => DONE,
  concat: (result: ops.Concatenated, request, ctx) => concatenatedAnswer(request, result, ctx.namespace),
  deleteSetting: () => DONE,
  setOwner: () => DONE,
  setPermission: () => DONE,
  setTimes: () => DONE,
  truncate: () => DONE,
  symlink: (result: ops.SymlinkMade, request, ctx) => symlinkAnswer(request, result, ctx.namespace),
  rewrite: (result: ops.Rewritten) => rewrittenAnswer(result),
};

export type AtMostOnceKind =
  | "setSetting"
  | "mkdir"
  | "create"
  | "append"
  | "addChunk"
  | "bumpChunk"
  | "commitChunk"
  | "abandonChunk"
  | "complete"
  | "renewLease"
  | "rename"
  | "delete"
  | "setReplication"
  | "setAttributes"
  | "concat"
  | "deleteSetting"
  | "setOwner"
  | "setPermission"
  | "setTimes"
  | "truncate"
  | "symlink"
  | "rewrite";

const DONE = {};

/** The call a request is, when its kind is served at most once and it carries a call id. */
export function atMostOnceCall(kind: RequestKind, request: MetaRequest): CallKey | undefined {
  if (!Object.hasOwn(ANSWERS, kind) || request.callId === 0) return undefined;
  return { clientId: request.clientId, callId: request.callId };
}

/** The answer a call gets again from its recorded outcome (a refusal is thrown again). */
export async function answerFromOutcome<K extends RequestKind>(kind: K, request: RequestOf<K>, value: unknown, ctx: AnswerContext): Promise<AnswerOf<K>> {
  const answer = (ANSWERS as unknown as Record<RequestKind, Answer<K> | undefined>)[kind];
  assert(answer !== undefined, `${kind} requests are served at most once`);
  return answer(value as never, request, ctx);
}

/** A recorded outcome: its value, or its refusal thrown as the first attempt's was answered. */
export function valueOf(outcome: CallOutcome): unknown {
  if (!outcome.ok) throw new RequestError(outcome.code, outcome.message);
  return outcome.value;
}

interface Scope {
  call: CallKey;
  /** The scope's one tagged proposal was made. */
  proposed: boolean;
  /** The handler is done: a proposal still made in this async context (a timer it left) is not the call's. */
  closed: boolean;
  replayed?: ReplayedCall;
}

/** The scope of the call being served, across the handler's awaits, and the Raft node that tags its proposal. */
export class CallScopes {
  private readonly current = new AsyncLocalStorage<Scope>();

  constructor(private readonly nowMs: () => number = () => Date.now()) {}

  /**
   * `raft` as a leader's service proposes through it: the first proposal made while serving a
   * call carries the call. Everything else is the node itself.
   */
  proposerOf(raft: RaftNode): RaftNode {
    const propose = (data: Uint8Array, timeoutMs: number) => this.propose(raft, data, timeoutMs);
    return new Proxy(raft, {
      get(target, property) {
        if (property === "propose") return propose;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /**
   * Runs `serve` as the call `call`. `replayed` is set when its proposal was a retry of a call
   * applied before: the handler's answer was then built from the first outcome's value with
   * today's world, and the caller rebuilds it from the outcome alone.
   */
  async run<T>(call: CallKey, serve: () => Promise<T>): Promise<{ value: T; replayed?: ReplayedCall }> {
    const scope: Scope = { call, proposed: false, closed: false };
    try {
      const value = await this.current.run(scope, serve);
      return scope.replayed ? { value, replayed: scope.replayed } : { value };
    } finally {
      scope.closed = true;
    }
  }

  private async propose(raft: RaftNode, data: Uint8Array, timeoutMs: number): Promise<unknown> {
    const scope = this.current.getStore();
    if (!scope || scope.closed || scope.proposed) return raft.propose(data, timeoutMs);
    scope.proposed = true;
    // Appending an encoded field to an encoded message sets it (protobuf merges what follows):
    // the command is not decoded and encoded again.
    const envelope = LogCommand.encode({ call: { clientId: scope.call.clientId, callId: scope.call.callId, nowMs: this.nowMs() } });
    const tagged = new Uint8Array(data.length + envelope.length);
    tagged.set(data, 0);
    tagged.set(envelope, data.length);
    const result = await raft.propose(tagged, timeoutMs);
    if (!(result instanceof ReplayedCall)) return result;
    scope.replayed = result;
    return result.value;
  }
}

function replicaOf(peer: string, ctx: AnswerContext): Replica {
  const record = ctx.membership.table.get(peer);
  return { peer, rack: record?.heartbeat.rack ?? "", addresses: record?.heartbeat.addresses ?? [], tier: "" };
}
