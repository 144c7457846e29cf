// /tessera/meta/3 as both of its ends use it: one multiplexed stream per client and peer
// (src/net/mux-rpc.ts) carrying MetaRequest and MetaResponse frames within the meta limits,
// and the pairing of every request kind with its answer kind, so a client's call and a
// master's handler are typed end to end: `call("mkdir", { path, parents })` resolves to the
// `Done` the handler of "mkdir" returns, and nothing else compiles.
import { randomBytes } from "node:crypto";
import { META_PROTOCOL } from "./ids.ts";
import { ATTRIBUTES_BYTES_MAX, CONCAT_SOURCES_MAX, META_RPC_LIMITS, PEERS_LISTED_MAX, REPLICATION_MAX, REWRITE_CHUNKS_MAX, SETTINGS_PAGE_MAX } from "./limits.ts";
import { RequestError } from "./errors.ts";
import { JOB_INPUTS_MAX, REDUCERS_MAX } from "./jobs.ts";
import { JOB_PARAMS_MAX } from "./job-params.ts";
import { MOUNT_OPTIONS_MAX, MOUNTS_MAX, TIERS_MAX } from "./mounts.ts";
import { MetaRequest, MetaResponse } from "./pb/meta.ts";
import type { Uint8ArrayList } from "uint8arraylist";

/**
 * Bounds of repeated fields in a decoded request (STYLE.md §5): the message bound (1 MiB)
 * alone would let a hostile request allocate hundreds of thousands of tiny entries.
 */
/** Attributes in one list: each has a name of at least one byte, so the byte bound bounds their number. */
const ATTRIBUTES_LIMITS = { attributes: { entries: ATTRIBUTES_BYTES_MAX } };

export const META_REQUEST_LIMITS = {
  mkdir: ATTRIBUTES_LIMITS,
  create: ATTRIBUTES_LIMITS,
  commitChunk: ATTRIBUTES_LIMITS,
  complete: ATTRIBUTES_LIMITS,
  setAttributes: { attributes: ATTRIBUTES_BYTES_MAX },
  concat: { sources: CONCAT_SOURCES_MAX, attributes: ATTRIBUTES_BYTES_MAX },
  // A writer excludes the peers its pipelines failed through: a few attempts of a few replicas.
  addChunk: { excludePeers: 8 * REPLICATION_MAX },
  bumpChunk: { excludePeers: 8 * REPLICATION_MAX },
  submitJob: { spec: { inputs: JOB_INPUTS_MAX, params: JOB_PARAMS_MAX } },
  taskDone: { result: { partitionBytes: REDUCERS_MAX } },
  mount: { options: MOUNT_OPTIONS_MAX },
  rewrite: { moves: REWRITE_CHUNKS_MAX },
};

/** Bounds of repeated fields in a decoded answer: what a client accepts from any peer. */
export const META_RESPONSE_LIMITS = {
  stat: ATTRIBUTES_LIMITS,
  list: { entries$: ATTRIBUTES_LIMITS },
  created: { stat: ATTRIBUTES_LIMITS },
  appended: { stat: ATTRIBUTES_LIMITS },
  settings: { entries: SETTINGS_PAGE_MAX },
  report: { peers: PEERS_LISTED_MAX, peers$: { tiers: TIERS_MAX } },
  status: { voters: PEERS_LISTED_MAX, learners: PEERS_LISTED_MAX, progress: PEERS_LISTED_MAX },
  mounts: { mounts: MOUNTS_MAX, mounts$: { options: MOUNT_OPTIONS_MAX, redacted: MOUNT_OPTIONS_MAX } },
  fsck: { unreachableMounts: MOUNTS_MAX, unreachableMounts$: { options: MOUNT_OPTIONS_MAX, redacted: MOUNT_OPTIONS_MAX } },
};

export const META_CHANNEL = {
  protocol: META_PROTOCOL,
  requestCodec: { encode: (request: MetaRequest) => MetaRequest.encode(request), decode: (data: Uint8Array | Uint8ArrayList) => MetaRequest.decode(data, { limits: META_REQUEST_LIMITS }) },
  responseCodec: { encode: (response: MetaResponse) => MetaResponse.encode(response), decode: (data: Uint8Array | Uint8ArrayList) => MetaResponse.decode(data, { limits: META_RESPONSE_LIMITS }) },
  messageBytesMax: META_RPC_LIMITS.messageBytesMax,
  refuse: (reason: string): MetaResponse => ({ error: { code: "INVALID", message: reason, leaderHint: "" } }),
};

/** The fields of MetaRequest beside its oneof: who asks, which call, and whether it was forwarded. */
type Envelope = "forwarded" | "clientId" | "callId" | "caller" | "user";
/** The kinds of request: the members of MetaRequest's oneof. */
export type RequestKind = Exclude<keyof MetaRequest, Envelope>;
/** The kinds of answer: the members of MetaResponse's oneof. */
export type AnswerKind = Exclude<keyof MetaResponse, "error">;

/** What each request is answered with. */
export const ANSWER_OF = {
  status: "status",
  setSetting: "done",
  getSetting: "setting",
  listSettings: "settings",
  deleteSetting: "done",
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
  setAttributes: "done",
  concat: "stat",
  setOwner: "done",
  setPermission: "done",
  setTimes: "done",
  truncate: "done",
  delegationToken: "delegationToken",
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
  mount: "done",
  unmount: "done",
  listMounts: "mounts",
  persist: "done",
  markPersisted: "done",
  setPinned: "cacheChange",
  freeCache: "cacheChange",
  symlink: "stat",
  rewrite: "committed",
} as const satisfies Record<RequestKind, AnswerKind>;

/**
 * Whether a kind of request changes the cluster's state (through Raft, or the leader's soft
 * state): its requests carry a call id, and a retry carries the same one, so the masters can
 * tell a retry from a new call (HDFS marks its calls @AtMostOnce or @Idempotent the same way).
 */
export const CHANGES_STATE = {
  status: false,
  setSetting: true,
  getSetting: false,
  listSettings: false,
  deleteSetting: true,
  mkdir: true,
  create: true,
  append: true,
  addChunk: true,
  bumpChunk: true,
  commitChunk: true,
  abandonChunk: true,
  complete: true,
  renewLease: true,
  rename: true,
  delete: true,
  setReplication: true,
  stat: false,
  list: false,
  setAttributes: true,
  concat: true,
  setOwner: true,
  setPermission: true,
  setTimes: true,
  truncate: true,
  // ISSUE, RENEW and CANCEL change the masters' state (VERIFY rides along: one kind per message).
  delegationToken: true,
  reportBadReplica: true,
  fsck: false,
  report: false,
  balance: true,
  decommission: true,
  decommissionStatus: false,
  submitJob: true,
  jobStatus: false,
  listJobs: false,
  killJob: true,
  taskDone: true,
  taskFailed: true,
  taskProgress: true,
  mount: true,
  unmount: true,
  listMounts: false,
  persist: true,
  markPersisted: true,
  setPinned: true,
  freeCache: true,
  symlink: true,
  rewrite: true,
} as const satisfies Record<RequestKind, boolean>;

/** A client's call: the client's id and the call's number, unique per client id and the same for each retry of the call. */
export interface CallKey {
  clientId: string;
  callId: number;
}

// 16 random bytes: two clients of one peer never share an id, across restarts too.
const CLIENT_ID_RANDOM_BYTES = 16;

/**
 * A new client id for a client whose connections are authenticated as `peerId`: the caller's
 * id, a slash, and a random part. The masters refuse a request whose client id is not its
 * caller's (clientIdBelongsTo), so a client cannot act as another, nor retry another's call.
 */
export function newClientId(peerId: string): string {
  return `${peerId}/${randomBytes(CLIENT_ID_RANDOM_BYTES).toString("base64url")}`;
}

/** Whether `clientId` is one of `caller`'s (a peer id, as the connection authenticated it). */
export function clientIdBelongsTo(clientId: string, caller: string): boolean {
  return caller.length > 0 && clientId.length > caller.length + 1 && clientId.startsWith(`${caller}/`);
}

export type RequestOf<K extends RequestKind> = NonNullable<MetaRequest[K]>;
export type AnswerOf<K extends RequestKind> = NonNullable<MetaResponse[(typeof ANSWER_OF)[K]]>;

/** A master's handler of each request kind (the leader serves them; src/master/rpc/meta-service.ts). */
export type MetaHandlers = { [K in RequestKind]: (request: RequestOf<K>, context?: RequestContext) => Promise<AnswerOf<K>> };

/** Who a request acts for: MetaRequest.user ("" is the cluster itself, the superuser; so is an absent context: a peer's own call). */
export interface RequestContext {
  user: string;
}

const REQUEST_KINDS = Object.keys(ANSWER_OF) as RequestKind[];

/** The kind of a decoded request: the one oneof member set, or undefined (an empty or unknown request). */
export function requestKindOf(request: MetaRequest): RequestKind | undefined {
  return REQUEST_KINDS.find((kind) => request[kind] !== undefined);
}

/** A request of `kind` with `body`, as the call `call` when given. */
export function metaRequest<K extends RequestKind>(kind: K, body: RequestOf<K>, call?: CallKey, user = ""): MetaRequest {
  return { forwarded: false, clientId: call?.clientId ?? "", callId: call?.callId ?? 0, caller: "", user, [kind]: body } as MetaRequest;
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
/**
 * One metadata request of `kind`, answered with its paired answer. `user`: who the request acts
 * for (MetaRequest.user); absent, the caller's own (a client's user, or "" for a peer's roles).
 */
export type MetaCall = <K extends RequestKind>(kind: K, body: RequestOf<K>, user?: string) => Promise<AnswerOf<K>>;
