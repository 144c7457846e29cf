// The S3 endpoint: hono on Bun.serve. Each request is parsed (path style, or virtual-host
// style under --s3-domain), authenticated (SigV4, header or presigned), checked against its
// key's buckets and read-only flag, routed to its operation and served as the key's user
// (the masters check that user's permissions), and answered; any failure is
// S3's XML error with a request id. GET /metrics without a signature is the gateway's
// Prometheus figures (an unsigned S3 request is refused anyway, so no bucket is shadowed).
import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import type { FileSystemClient } from "../../client/fs.ts";
import { parseHostPort } from "../../util/config.ts";
import { createLogger, type Logger } from "../../util/log.ts";
import { OBJECT_BYTES_MAX } from "./body.ts";
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets, listObjectsOfBucket } from "./buckets.ts";
import type { GatewayDeps, S3Call } from "./context.ts";
import { errorXml, S3Error, s3ErrorFromWire } from "./errors.ts";
import { AccessKeyStore, keyAllowsBucket, type AccessKeyRecord, type SettingsStore } from "./keys.ts";
import { GatewayMetrics } from "./metrics.ts";
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  sweepExpired,
  UPLOAD_EXPIRY_MS_DEFAULT,
  uploadPart,
  uploadPartCopy,
} from "./multipart.ts";
import { checkBucketName } from "./names.ts";
import { copyObject, deleteObject, deleteObjects, getObject, headObject, putObject } from "./objects.ts";
import { verifySigV4 } from "./sigv4.ts";
import { AdmissionLimiter, type AdmissionLimits } from "../../util/admission.ts";
import { OverloadedError } from "../../protocol/errors.ts";

/** Where the gateway listens unless told: loopback only (SECURITY.md). */
export const S3_LISTEN_DEFAULT = "127.0.0.1:9000";
/** Seconds a connection may stay idle (no request, no body bytes) before it is closed: Bun.serve's bound, at most 255. */
export const S3_IDLE_TIMEOUT_S = 30;
/**
 * The largest request body Bun accepts: S3's largest object plus aws-chunked framing (a chunk
 * header of under 100 bytes per chunk of at least 8 KiB). Each operation bounds its own
 * (body.ts: 5 GiB for a PUT or a part, 2 MiB for XML).
 */
const REQUEST_BODY_BYTES_MAX = Math.floor(OBJECT_BYTES_MAX * 1.02);
/** Users whose clients the gateway keeps (one per user its keys act for); emptied when full. */
const USER_CLIENTS_MAX = 1_024;
/** A key longer than S3's 1,024 bytes is refused by names.ts; a path beyond this is not parsed at all. */
const RAW_PATH_CHARS_MAX = 8 * 1024;

/**
 * Requests the gateway serves at once and lets wait (src/util/admission.ts); past them it
 * answers SlowDown (503, Retry-After) at once, which every AWS SDK backs off on. A slot is
 * held for the whole request, a PUT's body included, so the bound is generous: it caps the
 * work and memory under way, not a client's ordinary concurrency (the SDKs default to 50
 * connections). 2 s of waiting rides out a burst; a sustained excess is refused.
 */
export const S3_ADMISSION_LIMITS: AdmissionLimits = { inFlightMax: 256, queueMax: 1_024, queueTimeoutMs: 2_000 };

/** Query parameters that name a sub-resource this gateway does not serve. */
const UNSUPPORTED_SUBRESOURCES = new Set([
  "acl", "policy", "policyStatus", "versioning", "versions", "tagging", "lifecycle", "cors", "website", "logging", "notification",
  "replication", "encryption", "object-lock", "retention", "legal-hold", "torrent", "restore", "select", "accelerate",
  "requestPayment", "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock", "intelligent-tiering", "attributes",
]);

export interface S3GatewayOptions {
  fs: FileSystemClient;
  /** The settings the access keys live in (the file-system client's, by default). */
  settings?: SettingsStore;
  /** HOST:PORT; port 0 picks a free one. */
  listen?: string;
  /** Virtual-host style: a request to <bucket>.<domain> names the bucket in its Host. */
  domain?: string;
  /** The region GetBucketLocation answers; clients may sign for any region. */
  region?: string;
  /** Incomplete uploads (and PUT bodies a dead gateway left) older than this are removed. */
  uploadExpiryMs?: number;
  /** How often the sweep of expired uploads runs; 0 never (tests call sweep()). */
  sweepIntervalMs?: number;
  /** Admission of requests (S3_ADMISSION_LIMITS unless given). */
  admission?: AdmissionLimits;
  log?: Logger;
  now?: () => number;
}

export interface S3Gateway {
  /** "http://host:port". */
  readonly url: string;
  readonly port: number;
  readonly metrics: GatewayMetrics;
  readonly keys: AccessKeyStore;
  /** The admission of requests: its counters (refused, in flight). */
  readonly admission: AdmissionLimiter;
  /** Removes expired uploads now. */
  sweep(): Promise<{ uploads: number; bodies: number }>;
  stop(): Promise<void>;
}

type Handler = (call: S3Call) => Promise<Response>;

interface Route {
  operation: string;
  handler: Handler;
  /** Operations on a bucket or key: the key must be allowed the bucket. */
  bucketScoped: boolean;
}

/** The operation a request asks for, from its method, whether it names a bucket and key, and its sub-resources. */
export function route(method: string, bucket: string, key: string, query: URLSearchParams, headers: Headers): Route {
  const has = (name: string) => query.has(name);
  const scoped = (operation: string, handler: Handler): Route => ({ operation, handler, bucketScoped: true });
  // One pass over the request's parameters (a profile of small PUTs found 28 has() calls a
  // request costing more than the routing itself).
  for (const name of query.keys()) if (UNSUPPORTED_SUBRESOURCES.has(name)) throw S3Error.notImplemented(`The ${name} sub-resource is not supported.`);
  if (bucket === "") {
    if (method === "GET") return { operation: "ListBuckets", handler: listBuckets, bucketScoped: false };
    throw S3Error.methodNotAllowed();
  }
  if (key === "") {
    switch (method) {
      case "GET":
        if (has("location")) return scoped("GetBucketLocation", getBucketLocation);
        if (has("uploads")) return scoped("ListMultipartUploads", listMultipartUploads);
        return scoped(query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects", listObjectsOfBucket);
      case "HEAD":
        return scoped("HeadBucket", headBucket);
      case "PUT":
        return scoped("CreateBucket", createBucket);
      case "DELETE":
        return scoped("DeleteBucket", deleteBucket);
      case "POST":
        if (has("delete")) return scoped("DeleteObjects", deleteObjects);
        break;
    }
    throw S3Error.methodNotAllowed();
  }
  switch (method) {
    case "GET":
      return has("uploadId") ? scoped("ListParts", listParts) : scoped("GetObject", getObject);
    case "HEAD":
      return scoped("HeadObject", headObject);
    case "PUT":
      if (has("uploadId") || has("partNumber")) return headers.has("x-amz-copy-source") ? scoped("UploadPartCopy", uploadPartCopy) : scoped("UploadPart", uploadPart);
      return headers.has("x-amz-copy-source") ? scoped("CopyObject", copyObject) : scoped("PutObject", putObject);
    case "DELETE":
      return has("uploadId") ? scoped("AbortMultipartUpload", abortMultipartUpload) : scoped("DeleteObject", deleteObject);
    case "POST":
      if (has("uploads")) return scoped("CreateMultipartUpload", createMultipartUpload);
      if (has("uploadId")) return scoped("CompleteMultipartUpload", completeMultipartUpload);
      break;
  }
  throw S3Error.methodNotAllowed();
}

/** The raw path and query of a request's URL, as the client sent them (what SigV4 signs). */
export function rawTarget(url: string): { rawPath: string; rawQuery: string } {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return { rawPath: "/", rawQuery: "" };
  const question = url.indexOf("?", start);
  return question < 0 ? { rawPath: url.slice(start), rawQuery: "" } : { rawPath: url.slice(start, question), rawQuery: url.slice(question + 1) };
}

/** The bucket and key a request names: from the path, or the bucket from the Host under the virtual-host domain. */
export function addressOf(rawPath: string, host: string | null, domain: string | undefined): { bucket: string; key: string } {
  if (rawPath.length > RAW_PATH_CHARS_MAX) throw new S3Error("KeyTooLongError", 400, "Your key is too long");
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new S3Error("InvalidURI", 400, "Couldn't parse the specified URI.");
    }
  };
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  if (domain !== undefined && host !== null) {
    const hostname = host.replace(/:\d+$/, "").toLowerCase();
    if (hostname.endsWith(`.${domain}`)) return { bucket: hostname.slice(0, -domain.length - 1), key: decode(path) };
  }
  const slash = path.indexOf("/");
  if (slash < 0) return { bucket: decode(path), key: "" };
  return { bucket: decode(path.slice(0, slash)), key: decode(path.slice(slash + 1)) };
}

export async function startS3Gateway(options: S3GatewayOptions): Promise<S3Gateway> {
  const log = options.log ?? createLogger("s3");
  const now = options.now ?? Date.now;
  const metrics = new GatewayMetrics();
  const keys = new AccessKeyStore(options.settings ?? options.fs, now);
  const region = options.region ?? "us-east-1";
  const deps: GatewayDeps = { fs: options.fs, gatewayFs: options.fs, metrics, region, owner: { id: "tessera", displayName: "tessera" }, log, readyBuckets: new Set() };
  // Each key's requests act as its user (HDFS's permissions apply); one client per user, so
  // a user's writes share its address cache. Bounded: emptied when full.
  const userClients = new Map<string, FileSystemClient>();
  const depsFor = (record: AccessKeyRecord): GatewayDeps => {
    if (record.user === undefined) return deps; // a key made before keys had users: the gateway itself
    let fs = userClients.get(record.user);
    if (!fs) {
      if (userClients.size >= USER_CLIENTS_MAX) userClients.clear();
      fs = options.fs.withUser(record.user);
      userClients.set(record.user, fs);
    }
    return { ...deps, fs, owner: { id: record.user, displayName: record.user } };
  };
  const domain = options.domain?.toLowerCase().replace(/^\./, "");
  const uploadExpiryMs = options.uploadExpiryMs ?? UPLOAD_EXPIRY_MS_DEFAULT;

  const admission = new AdmissionLimiter({ what: "this S3 gateway", limits: options.admission ?? S3_ADMISSION_LIMITS, refuse: (message) => new OverloadedError(message) });
  const app = new Hono();
  app.all("*", async (c) => {
    let release: () => void;
    try {
      release = await admission.acquire();
    } catch (err) {
      if (!(err instanceof OverloadedError)) throw err;
      const requestId = randomBytes(8).toString("hex").toUpperCase();
      const response = errorResponse(S3Error.slowDown(), rawTarget(c.req.raw.url).rawPath, requestId, c.req.raw.method, log, "Unknown");
      response.headers.set("x-amz-request-id", requestId);
      response.headers.set("x-amz-id-2", requestId);
      response.headers.set("server", "Tessera");
      metrics.observeError("SlowDown");
      metrics.observeRequest("Unknown", 503, 0);
      return response;
    }
    try {
      return await serveRequest(c.req.raw);
    } finally {
      // A GET's body streams after this returns; the slot covers the handler's work, and
      // Bun.serve's own backpressure the bytes still going out.
      release();
    }
  });
  async function serveRequest(request: Request): Promise<Response> {
    const startedMs = performance.now();
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const { rawPath, rawQuery } = rawTarget(request.url);
    let operation = "Unknown";
    let resource = rawPath;
    let response: Response;
    try {
      const query = new URLSearchParams(rawQuery);
      const signed = request.headers.has("authorization") || query.has("X-Amz-Signature");
      if (!signed && request.method === "GET" && rawPath === "/metrics") {
        return new Response(await metrics.metrics(), { headers: { "content-type": metrics.contentType, "cache-control": "no-store" } });
      }
      const { bucket, key } = addressOf(rawPath, request.headers.get("host"), domain);
      resource = key ? `/${bucket}/${key}` : `/${bucket}`;
      const nowMs = now();
      let record: AccessKeyRecord | undefined;
      const { payload } = await verifySigV4({ method: request.method, rawPath, rawQuery, headers: request.headers, nowMs }, async (id) => (record = await keys.lookup(id)));
      if (!record) throw S3Error.invalidAccessKeyId();
      const target = route(request.method, bucket, key, query, request.headers);
      operation = target.operation;
      if (target.bucketScoped) {
        if (operation !== "CreateBucket") checkBucketName(bucket);
        if (!keyAllowsBucket(record, bucket)) throw S3Error.accessDenied(`The access key may not reach the bucket ${bucket}.`);
      }
      response = await target.handler({ deps: depsFor(record), requestId, operation, method: request.method, bucket, key, query, headers: request.headers, request, accessKey: record, payload, nowMs });
    } catch (err) {
      response = errorResponse(err, resource, requestId, request.method, log, operation);
      metrics.observeError(response.headers.get("x-amz-error-code") ?? "InternalError");
    }
    response.headers.set("x-amz-request-id", requestId);
    response.headers.set("x-amz-id-2", requestId);
    response.headers.set("server", "Tessera");
    metrics.observeRequest(operation, response.status, performance.now() - startedMs);
    return response;
  }

  const { hostname, port } = parseHostPort(options.listen ?? S3_LISTEN_DEFAULT, "the S3 listen address");
  const server = Bun.serve({
    hostname,
    port,
    fetch: app.fetch,
    idleTimeout: S3_IDLE_TIMEOUT_S,
    maxRequestBodySize: REQUEST_BODY_BYTES_MAX,
    error(err) {
      log.error("the S3 server failed a request", { error: err });
      return new Response(errorXml(S3Error.internal(), "/", "0"), { status: 500, headers: { "content-type": "application/xml" } });
    },
  });

  const sweep = () => sweepExpired(deps, now(), uploadExpiryMs);
  const sweepIntervalMs = options.sweepIntervalMs ?? Math.min(3_600_000, Math.max(1_000, Math.floor(uploadExpiryMs / 4)));
  let sweeping: Promise<unknown> | undefined;
  const timer =
    sweepIntervalMs > 0
      ? setInterval(() => {
          sweeping ??= sweep()
            .then((removed) => {
              if (removed.uploads + removed.bodies > 0) log.info("removed expired uploads", removed);
            })
            .catch((err: unknown) => log.warn("the sweep of expired uploads failed", { error: err as Error }))
            .finally(() => (sweeping = undefined));
        }, sweepIntervalMs)
      : undefined;
  timer?.unref?.();

  const boundPort = server.port ?? port;
  return {
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${boundPort}`,
    port: boundPort,
    metrics,
    keys,
    admission,
    sweep,
    async stop() {
      if (timer) clearInterval(timer);
      await server.stop(true);
      await sweeping;
    },
  };
}

function errorResponse(err: unknown, resource: string, requestId: string, method: string, log: Logger, operation: string): Response {
  const error = err instanceof S3Error ? err : s3ErrorFromWire(err);
  // A refusal for load is counted (metrics), not logged: a flood of them would flood the log too.
  if (error.status >= 500 && error.code !== "SlowDown") log.warn("an S3 request failed", { operation, resource, code: error.code, error: err as Error });
  const headers = new Headers({ "content-type": "application/xml", "x-amz-error-code": error.code });
  const extra = (error as S3Error & { headers?: Record<string, string> }).headers;
  if (extra) for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  // A HEAD's answer has no body: the status alone tells the client.
  return new Response(method === "HEAD" ? null : errorXml(error, resource, requestId), { status: error.status, headers });
}
