// /tessera/meta/2 as both of its ends use it: one multiplexed stream per client and peer
// (src/net/mux-rpc.ts) carrying MetaRequest and MetaResponse frames within the meta limits,
// and the pairing of every request kind with its answer kind, so a client's call and a
// master's handler are typed end to end: `call("mkdir", { path, parents })` resolves to the
// `Done` the handler of "mkdir" returns, and nothing else compiles.
import { META_PROTOCOL } from "./ids.ts";
import { META_RPC_LIMITS, PEERS_LISTED_MAX, REPLICATION_MAX } from "./limits.ts";
import { RequestError } from "./errors.ts";
import { JOB_INPUTS_MAX, REDUCERS_MAX } from "./jobs.ts";
import { MetaRequest, MetaResponse } from "./pb/meta.ts";
import type { Uint8ArrayList } from "uint8arraylist";

/**
 * Bounds of repeated fields in a decoded request (STYLE.md §5): the message bound (1 MiB)
 * alone would let a hostile request allocate hundreds of thousands of tiny entries.
 */
export const META_REQUEST_LIMITS = {
  // A writer excludes the peers its pipelines failed through: a few attempts of a few replicas.
  addChunk: { excludePeers: 8 * REPLICATION_MAX },
  bumpChunk: { excludePeers: 8 * REPLICATION_MAX },
  submitJob: { spec: { inputs: JOB_INPUTS_MAX } },
  taskDone: { result: { partitionBytes: REDUCERS_MAX } },
};

/** Bounds of repeated fields in a decoded answer: what a client accepts from any peer. */
export const META_RESPONSE_LIMITS = {
  report: { peers: PEERS_LISTED_MAX },
  status: { voters: PEERS_LISTED_MAX, learners: PEERS_LISTED_MAX, progress: PEERS_LISTED_MAX },
};

export const META_CHANNEL = {
  protocol: META_PROTOCOL,
  requestCodec: { encode: (request: MetaRequest) => MetaRequest.encode(request), decode: (data: Uint8Array | Uint8ArrayList) => MetaRequest.decode(data, { limits: META_REQUEST_LIMITS }) },
  responseCodec: { encode: (response: MetaResponse) => MetaResponse.encode(response), decode: (data: Uint8Array | Uint8ArrayList) => MetaResponse.decode(data, { limits: META_RESPONSE_LIMITS }) },
  messageBytesMax: META_RPC_LIMITS.messageBytesMax,
};

/** The kinds of request: the members of MetaRequest's oneof. */
export type RequestKind = Exclude<keyof MetaRequest, "forwarded">;
/** The kinds of answer: the members of MetaResponse's oneof. */
export type AnswerKind = Exclude<keyof MetaResponse, "error">;

/** What each request is answered with. */
export const ANSWER_OF = {
  status: "status",
  setSetting: "done",
  getSetting: "setting",
  mkdir: "done",
  create: "created",
  append: "appended",
  addChunk: "chunk",
  bumpChunk: "chunk",
  commitChunk: "committed",
  abandonChunk: "done",
  complete: "committed",
  renewLease: "done",
  rename: "done",
  delete: "deleted",
  setReplication: "replicationSet",
  stat: "stat",
  list: "list",
  reportBadReplica: "done",
  fsck: "fsck",
  report: "report",
  balance: "balance",
  decommission: "decommission",
  decommissionStatus: "decommission",
  submitJob: "job",
  jobStatus: "job",
  listJobs: "jobs",
  killJob: "job",
  taskDone: "done",
  taskFailed: "done",
  taskProgress: "done",
} as const satisfies Record<RequestKind, AnswerKind>;

export type RequestOf<K extends RequestKind> = NonNullable<MetaRequest[K]>;
export type AnswerOf<K extends RequestKind> = NonNullable<MetaResponse[(typeof ANSWER_OF)[K]]>;

/** A master's handler of each request kind (the leader serves them; src/master/rpc/meta-service.ts). */
export type MetaHandlers = { [K in RequestKind]: (request: RequestOf<K>) => Promise<AnswerOf<K>> };

const REQUEST_KINDS = Object.keys(ANSWER_OF) as RequestKind[];

/** The kind of a decoded request: the one oneof member set, or undefined (an empty or unknown request). */
export function requestKindOf(request: MetaRequest): RequestKind | undefined {
  return REQUEST_KINDS.find((kind) => request[kind] !== undefined);
}

/** A request of `kind` with `body`. */
export function metaRequest<K extends RequestKind>(kind: K, body: RequestOf<K>): MetaRequest {
  return { forwarded: false, [kind]: body } as MetaRequest;
}

/** The answer of `kind` carried by `response`; a response that carries another is a protocol error. */
export function answerOf<K extends RequestKind>(kind: K, response: MetaResponse): AnswerOf<K> {
  const answer = response[ANSWER_OF[kind]];
  if (answer === undefined) throw new RequestError("INVALID", `the master answered ${kind} without its ${ANSWER_OF[kind]}`);
  return answer as AnswerOf<K>;
}

/** A response carrying the answer of `kind`. */
export function metaAnswer<K extends RequestKind>(kind: K, answer: AnswerOf<K>): MetaResponse {
  return { [ANSWER_OF[kind]]: answer } as MetaResponse;
}

/**
 * Sends one request and resolves with its answer; a refusal throws a WireError carrying its
 * code. What every client of the masters is given (src/client/meta-call.ts makes one that
 * retries through elections; a peer makes one that calls its own MetaService).
 */
export type MetaCall = <K extends RequestKind>(kind: K, body: RequestOf<K>) => Promise<AnswerOf<K>>;
