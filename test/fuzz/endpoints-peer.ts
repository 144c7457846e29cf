// What the endpoint fuzz targets (endpoints-http.ts, endpoints-p2p.ts) share: one real peer
// started in-process with admin HTTP (and so WebHDFS) and the S3 gateway on loopback, an S3
// access key, a bucket with an object and a folder with a file, a snapshot of the state that
// refused requests must not change, requests with a deadline (fetch and raw sockets), and a
// SigV4 signer small enough to mutate what it signs.
import net from "node:net";
import type fc from "fast-check";
import { createHash, createHmac } from "node:crypto";
import type { Peer } from "../../src/peer/peer.ts";
import { AccessKeyStore } from "../../src/gateway/s3/keys.ts";
import { TestPeers } from "../support/peers.ts";

/** How long one request may take before the case counts as a hang (a loaded 2-core box). */
export const REQUEST_DEADLINE_MS = 10_000;
export const BUCKET = "fuzz-bucket";
export const OBJECT_KEY = "known/object.txt";
export const OBJECT_BODY = "known object body\n";
export const FOLDER = "/fuzz-folder";
export const FILE = `${FOLDER}/known.txt`;
export const REGION = "us-east-1";

export interface FuzzPeer {
  peer: Peer;
  /** http://127.0.0.1:port of admin HTTP (UI, /api, /metrics, /jmx, /webhdfs). */
  http: string;
  /** http://127.0.0.1:port of the S3 gateway. */
  s3: string;
  key: { accessKeyId: string; secret: string };
  /** The cluster's swarm key (a client needs it to reach the peer's libp2p protocols). */
  swarmKey: Uint8Array;
  /** What a refused request must not change: the namespace (without access times) and the S3 keys. */
  snapshot(): Promise<string>;
  stop(): Promise<void>;
}

export async function startFuzzPeer(): Promise<FuzzPeer> {
  const peers = new TestPeers();
  try {
    const peer = await peers.start({ http: "127.0.0.1:0", s3: { listen: "127.0.0.1:0" } });
    const key = await new AccessKeyStore(peer.fs).create({ name: "fuzz", user: "fuzz" });
    // As an admin makes a bucket for a user: a top-level folder that user owns.
    await peer.fs.mkdir(`/${BUCKET}`);
    await peer.fs.chown(`/${BUCKET}`, "fuzz");
    await peer.fs.mkdir(FOLDER);
    await peer.fs.put(new TextEncoder().encode("known file\n"), FILE);
    const fuzz: FuzzPeer = {
      peer,
      http: peer.httpUrl!,
      s3: peer.s3Url!.replace(/\/$/, ""),
      key: { accessKeyId: key.accessKeyId, secret: key.secret },
      swarmKey: peers.swarmKey,
      async snapshot() {
        const entries = await withDeadline(peer.fs.list("/", { recursive: true }), "a listing of the namespace");
        const keys = await withDeadline(peer.fs.listSettings("s3/key/"), "a listing of the S3 keys");
        // The gateway's own folders (.tessera-s3: temporary bodies, uploads) change their mtime when a
        // refused PUT's temporary body is made and removed; what they hold is compared, their mtime not.
        const internal = (path: string, kind: string) => kind === "dir" && path.includes("/.tessera-s3");
        const shown = entries.map(({ path, kind, size, mtimeMs, owner, group, permission, attributes, replication, state }) => ({ path, kind, size, mtimeMs: internal(path, kind) ? 0 : mtimeMs, owner, group, permission, attributes, replication, state }));
        shown.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        return JSON.stringify({ shown, keys: keys.entries.map((entry) => entry.key) });
      },
      stop: () => peers.stopAll(),
    };
    const put = await signedFetch(fuzz, { method: "PUT", path: `/${BUCKET}/${OBJECT_KEY}`, body: new TextEncoder().encode(OBJECT_BODY) });
    if (put.status !== 200) throw new Error(`the known object could not be written: ${put.status} ${await put.text()}`);
    return fuzz;
  } catch (err) {
    await peers.stopAll();
    throw err;
  }
}

// ---- SigV4 (the header form), written out so a fuzz case can sign and then break it ----

export interface S3Request {
  method: string;
  /** The path as sent, %-encoded already. */
  path: string;
  /** The query as sent, without '?', %-encoded already. */
  query?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** x-amz-content-sha256; the body's hash when absent. */
  payloadHash?: string;
  /** Sign with this secret instead of the key's. */
  secret?: string;
  nowMs?: number;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: Uint8Array | string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

function amzDateOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** S3's canonical query: pairs sorted by name then value, as sent (already encoded). */
function canonicalQuery(query: string): string {
  if (query === "") return "";
  const pairs = query.split("&").map((pair) => {
    const at = pair.indexOf("=");
    return at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
  }) as Array<[string, string]>;
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** The headers of a SigV4-signed request (host, x-amz-date, x-amz-content-sha256, the given ones, Authorization). */
export function signedHeaders(fuzz: Pick<FuzzPeer, "s3" | "key">, request: S3Request): Record<string, string> {
  const nowMs = request.nowMs ?? Date.now();
  const amzDate = amzDateOf(nowMs);
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    host: new URL(fuzz.s3).host,
    "x-amz-date": amzDate,
    "x-amz-content-sha256": request.payloadHash ?? sha256Hex(request.body ?? new Uint8Array(0)),
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  const names = Object.keys(headers).sort();
  const canonical = [request.method, request.path, canonicalQuery(request.query ?? ""), ...names.map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, " ")}`), "", names.join(";"), headers["x-amz-content-sha256"]!].join("\n");
  const scope = `${date}/${REGION}/s3/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${request.secret ?? fuzz.key.secret}`, date), REGION), "s3"), "aws4_request");
  const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${fuzz.key.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return headers;
}

/** Seed signature and signing key of a signed request, for aws-chunked chunk signatures. */
export function chunkSigner(fuzz: Pick<FuzzPeer, "key">, headers: Record<string, string>): (previous: string, data: Uint8Array) => string {
  const amzDate = headers["x-amz-date"]!;
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${REGION}/s3/aws4_request`;
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${fuzz.key.secret}`, date), REGION), "s3"), "aws4_request");
  return (previous, data) => createHmac("sha256", signingKey).update(`AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${sha256Hex("")}\n${sha256Hex(data)}`).digest("hex");
}

export function seedSignatureOf(headers: Record<string, string>): string {
  return /Signature=([0-9a-f]{64})/.exec(headers.authorization ?? "")![1]!;
}

export async function signedFetch(fuzz: Pick<FuzzPeer, "s3" | "key">, request: S3Request): Promise<Response> {
  const headers = signedHeaders(fuzz, request);
  delete (headers as Record<string, string | undefined>).host;
  const url = `${fuzz.s3}${request.path}${request.query ? `?${request.query}` : ""}`;
  return fetch(url, { method: request.method, headers, ...(request.body ? { body: request.body } : {}), signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
}

// ---- Raw HTTP: what fetch will not send ----

export interface RawAnswer {
  /** The status of the first response, or undefined when the server closed without one. */
  status: number | undefined;
  head: string;
  body: Buffer;
}

/**
 * Writes `bytes` to host:port and reads until the server closes or `idleMs` passes after the
 * first response's head arrived (keep-alive servers do not close); a hang is no answer within
 * REQUEST_DEADLINE_MS at all.
 */
export function rawExchange(url: string, bytes: Uint8Array, idleMs = 150): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const socket = net.connect({ host: hostname, port: Number(port) });
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(idle);
      socket.destroy();
      const all = Buffer.concat(chunks);
      const headEnd = all.indexOf("\r\n\r\n");
      const head = (headEnd < 0 ? all : all.subarray(0, headEnd)).toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), head, body: headEnd < 0 ? Buffer.alloc(0) : all.subarray(headEnd + 4) });
    };
    const deadline = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(`no answer within ${REQUEST_DEADLINE_MS} ms to ${JSON.stringify(Buffer.from(bytes.subarray(0, 200)).toString("latin1"))}`));
    }, REQUEST_DEADLINE_MS);
    socket.on("connect", () => socket.end(bytes));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      clearTimeout(idle);
      idle = setTimeout(finish, idleMs);
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", finish);
  });
}

// ---- What each protocol's errors look like ----

/** S3's error body: `<Error><Code>...</Code>...`. */
export function s3ErrorCode(body: string): string | undefined {
  return /^(?:<\?xml[^>]*\?>\s*)?<Error>\s*<Code>([A-Za-z0-9]+)<\/Code>/.exec(body)?.[1];
}

/** WebHDFS's error body: `{"RemoteException":{"exception","javaClassName","message"}}`. */
export function isRemoteException(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { RemoteException?: { exception?: unknown; javaClassName?: unknown; message?: unknown } };
    const e = parsed.RemoteException;
    return typeof e?.exception === "string" && typeof e.javaClassName === "string" && typeof e.message === "string";
  } catch {
    return false;
  }
}

/** Admin HTTP's error body: `{"error":"one sentence"}`. */
export function isAdminError(body: string): boolean {
  try {
    return typeof (JSON.parse(body) as { error?: unknown }).error === "string";
  } catch {
    return false;
  }
}

/** A property as registry.ts's FuzzTarget holds it (its input type erased: the runner only runs it). */
export function asTarget<T>(property: fc.IAsyncProperty<T>): fc.IAsyncProperty<never> {
  return property as unknown as fc.IAsyncProperty<never>;
}

/** `promise`, or an error naming `what` once REQUEST_DEADLINE_MS passed: a hang fails the case that caused it. */
export function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${REQUEST_DEADLINE_MS} ms`)), REQUEST_DEADLINE_MS)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** What differs between two snapshots, entry by entry (for a failure's message). */
export function snapshotDiff(before: string, after: string): string {
  const entries = (text: string) => {
    const parsed = JSON.parse(text) as { shown: unknown[]; keys: string[] };
    return [...parsed.shown.map((entry) => JSON.stringify(entry)), ...parsed.keys.map((key) => `setting ${key}`)];
  };
  const was = new Set(entries(before));
  const is = new Set(entries(after));
  const removed = [...was].filter((entry) => !is.has(entry));
  const added = [...is].filter((entry) => !was.has(entry));
  return `removed ${removed.join(", ").slice(0, 600) || "nothing"}; added ${added.join(", ").slice(0, 600) || "nothing"}`;
}
