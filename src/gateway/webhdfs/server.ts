// The WebHDFS server (docs/webhdfs.md): Hadoop's REST API at /webhdfs/v1/<path>?op=..., run in
// the peer's main thread beside its file-system client. Clients reach it on the peer's admin
// HTTP port: the admin HTTP thread forwards every /webhdfs/ request to this server on loopback
// (src/http/http-worker.ts), both bodies streamed, with a per-process key this server checks.
//
// Each request is authenticated (auth: user.name, or a signed data URL), routed by its op
// (ops.ts; data requests, data.ts), and run through the peer's client acting as that user.
import { randomBytes } from "node:crypto";
import type { FileSystemClient } from "../../client/fs.ts";
import { CLIENT_ADDRESS_HEADER, PROXY_KEY_HEADER } from "../../util/internal-proxy.ts";
import type { Logger } from "../../util/log.ts";
import type { WebHdfsAuth } from "./auth.ts";
import { DATA_OPS } from "./data.ts";
import { remoteExceptionResponse, WebHdfsError, webHdfsErrorOf } from "./errors.ts";
import { OPS, signedOpOf, UNSUPPORTED_OPS, type OpCall, type OpSpec, type WebHdfsContext } from "./ops.ts";
import { DATA_PARAM, pathOfUrl, queryParams } from "./params.ts";
import type { WebHdfsPeers } from "./placement.ts";
import { AdmissionLimiter, type AdmissionLimits } from "../../util/admission.ts";
import { OverloadedError } from "../../protocol/errors.ts";

/** Seconds a connection from the admin HTTP thread may stay idle (Bun.serve's bound is 255): a write waits on its pipeline. */
const IDLE_TIMEOUT_S = 120;
/** The largest body taken (a CREATE or APPEND): 1 TiB. */
const REQUEST_BODY_BYTES_MAX = 1024 ** 4;
/** Clients acting as distinct users kept at once (each a FileSystemClient with its own leases). */
const USER_CLIENTS_MAX = 1_024;
/**
 * Requests served at once and let wait (src/util/admission.ts); past them a request is answered
 * at once with RetriableException (503, Retry-After), which Hadoop's clients retry. The admin
 * HTTP thread's per-address rate limit (http/webhdfs-limit.ts) stops one client's flood; this
 * bounds the sum of every client's. A slot covers a whole CREATE or OPEN, body included.
 */
export const WEBHDFS_ADMISSION_LIMITS: AdmissionLimits = { inFlightMax: 256, queueMax: 1_024, queueTimeoutMs: 2_000 };

export interface WebHdfsServerOptions {
  /** The peer's own client (acts as the cluster); each request uses it through withUser. */
  fs: FileSystemClient;
  peers: WebHdfsPeers;
  auth: Pick<WebHdfsAuth, "authenticate" | "signRedirect" | "verifyRedirect">;
  log: Logger;
  /** Ops added to the table by name (the delegation-token ops); they are looked up first. */
  extraOps?: Record<string, OpSpec>;
  random?: () => number;
  /** Admission of requests (WEBHDFS_ADMISSION_LIMITS unless given). */
  admission?: AdmissionLimits;
}

export interface WebHdfsServer {
  /** http://127.0.0.1:port, for the admin HTTP thread only. */
  readonly url: string;
  /** What the admin HTTP thread sends in PROXY_KEY_HEADER. */
  readonly key: string;
  /** The admission of requests: its counters (refused, in flight). */
  readonly admission: AdmissionLimiter;
  stop(): Promise<void>;
}

export async function startWebHdfsServer(options: WebHdfsServerOptions): Promise<WebHdfsServer> {
  const key = randomBytes(24).toString("base64url");
  const admission = new AdmissionLimiter({ what: "this peer's WebHDFS server", limits: options.admission ?? WEBHDFS_ADMISSION_LIMITS, refuse: (message) => new OverloadedError(message) });
  const ops: Record<string, OpSpec> = { ...OPS, ...options.extraOps };
  const context: WebHdfsContext = { peers: options.peers, auth: options.auth, log: options.log, random: options.random ?? Math.random };
  const clients = new Map<string, FileSystemClient>();
  const clientOf = (user: string): FileSystemClient => {
    let client = clients.get(user);
    if (!client) {
      if (clients.size >= USER_CLIENTS_MAX) clients.clear();
      client = options.fs.withUser(user);
      clients.set(user, client);
    }
    return client;
  };

  async function handle(request: Request): Promise<Response> {
    if (request.headers.get(PROXY_KEY_HEADER) !== key) return new Response("this server answers only the peer's admin HTTP thread\n", { status: 403 });
    const clientHost = request.headers.get(CLIENT_ADDRESS_HEADER) ?? "";
    let op = "";
    try {
      // The target as the request has it, parsed once (Bun has resolved plain ".." segments; one behind %2F is refused by pathOfUrl).
      const target = request.url.slice(request.url.indexOf("/", request.url.indexOf("//") + 2));
      const question = target.indexOf("?");
      const path = pathOfUrl(question < 0 ? target : target.slice(0, question));
      const query = queryParams(question < 0 ? "" : target.slice(question));
      op = query.op;
      const params = query.params;
      const dataRequest = params.get(DATA_PARAM) === "true";
      const spec = dataRequest ? DATA_OPS[op] : ops[op];
      if (!spec) {
        if (!dataRequest && UNSUPPORTED_OPS.has(op)) throw new WebHdfsError("UnsupportedOperationException", `op=${op} is not supported by this server.`);
        throw WebHdfsError.illegalArgument(`Invalid value for webhdfs parameter "op": No enum constant ${op.slice(0, 64)}${dataRequest ? " on the data endpoint" : ""}.`);
      }
      if (spec.method !== request.method) throw WebHdfsError.illegalArgument(`Invalid value for webhdfs parameter "op": ${op} is a ${spec.method} operation, not ${request.method.slice(0, 16)}.`);
      const user = dataRequest ? await options.auth.verifyRedirect(signedOpOf(op), path, params) : await options.auth.authenticate(params);
      const call: OpCall = { op, path, user, request, clientHost, server: context };
      return await admission.run(() => spec.run(clientOf(user), params, call));
    } catch (err) {
      const error = webHdfsErrorOf(err);
      if (error.status >= 500 && error.status !== 503) options.log.warn("a WebHDFS request failed", { op, error: err as Error });
      return remoteExceptionResponse(error);
    }
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: IDLE_TIMEOUT_S,
    maxRequestBodySize: REQUEST_BODY_BYTES_MAX,
    fetch: handle,
    error(err) {
      options.log.error("the WebHDFS server failed a request", { error: err });
      return remoteExceptionResponse(new WebHdfsError("RuntimeException", "The WebHDFS server failed to answer."));
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    key,
    admission,
    async stop() {
      await server.stop(true);
    },
  };
}
