// The admin HTTP thread: a Bun worker that owns the listening socket (worker-protocol.ts says
// why). It checks every request (Host, path, method), serves the UI's files and /healthz
// itself, and asks the peer's thread for the rest. Answers are kept per URL: a fresh one
// (ANSWER_TTL_MS) is served again without asking, and when the peer's thread takes longer
// than STALE_WAIT_MS the last answer for that URL is served, so a request is answered in well
// under 200 ms however busy the peer is. Only a URL never asked before waits for the peer.
// WebHDFS (/webhdfs/) is not asked: it is forwarded to a server in the peer's thread, every
// method, both bodies streamed, nothing kept (forward()).
import { TtlCache, type Cached } from "./ttl-cache.ts";
import { jsonError } from "./respond.ts";
import { webHdfsLimiter, webHdfsTooManyRequests } from "./webhdfs-limit.ts";
import { isLoopbackHostHeader, routeOf } from "./routes.ts";
import { uiResponse } from "./ui.ts";
import { OVERLOADED_RETRY_AFTER_SECONDS } from "../protocol/errors.ts";
import { CLIENT_ADDRESS_HEADER, PROXY_KEY_HEADER } from "../util/internal-proxy.ts";
import type { AnswerMessage, FromHttpThread, StartMessage, ToHttpThread } from "./worker-protocol.ts";

declare const self: Worker;

/** An answer younger than this is served again without asking the peer's thread. */
const ANSWER_TTL_MS = 250;
/**
 * With an older answer for the URL at hand, wait this long for a fresh one, then serve the old
 * (with an Age header). An idle peer answers in a few milliseconds; a peer whose event loop is
 * taken by the data path may not for hundreds.
 */
const STALE_WAIT_MS = 50;
/** A URL never answered before waits this long (the peer itself may wait 5 s for the leader). */
const FIRST_ANSWER_WAIT_MS = 10_000;
/** An ask the peer's thread never answers is given up after this long. */
const ASK_TIMEOUT_MS = 30_000;
/** Asks under way at once; past this, requests get 503 rather than queueing without end. */
const ASKS_PENDING_MAX = 256;
/**
 * Seconds a forwarded request's connection may stay idle: a WebHDFS write waits while the peer
 * writes a chunk down its pipeline, longer than Bun's default 10 s on a loaded machine.
 */
const PROXY_IDLE_TIMEOUT_S = 120;
/** The largest request body taken (Bun's default is 128 MiB): a WebHDFS CREATE of up to 1 TiB. */
const PROXY_BODY_BYTES_MAX = 1024 ** 4;
/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message. */
const HOP_BY_HOP_HEADERS = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"];
/** URLs whose last answer is kept (an answer is a few hundred KiB: a page of a folder, a stat; the bucket list at most about 1 MiB). */
const ANSWERS_KEPT_MAX = 128;

type Answer = Omit<AnswerMessage, "type" | "id">;

const answers = new TtlCache({ ttlMs: ANSWER_TTL_MS, staleWaitMs: STALE_WAIT_MS, firstLoadWaitMs: FIRST_ANSWER_WAIT_MS, entriesMax: ANSWERS_KEPT_MAX, answerer: "this peer" });
const pending = new Map<number, { resolve(answer: Answer): void; reject(err: Error): void; timer: ReturnType<typeof setTimeout> }>();
let nextAskId = 1;
let server: ReturnType<typeof Bun.serve> | undefined;
let loopbackOnly = true;
let proxy: StartMessage["proxy"];
const limiter = webHdfsLimiter();

function post(message: FromHttpThread): void {
  self.postMessage(message);
}

function ask(route: string, url: string): Promise<Answer> {
  const id = nextAskId++;
  return new Promise<Answer>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`this peer did not answer ${url.slice(0, 200)} within ${ASK_TIMEOUT_MS / 1000} s`));
    }, ASK_TIMEOUT_MS);
    pending.set(id, { resolve, reject, timer });
    post({ type: "ask", id, route, url });
  });
}

/**
 * Forwards a request to the peer thread's server as it came, the request's body streamed to it
 * and its answer's body streamed back (each at the pace of the slower side), redirects passed
 * on to the client. The client's own proxy headers are replaced: only this thread sets them.
 */
async function forward(request: Request, url: URL, clientAddress: string): Promise<Response> {
  if (!proxy) return jsonError(404, `there is no ${url.pathname.slice(0, 200)} here`);
  const headers = new Headers(request.headers);
  for (const name of HOP_BY_HOP_HEADERS) headers.delete(name);
  headers.set(PROXY_KEY_HEADER, proxy.key);
  headers.set(CLIENT_ADDRESS_HEADER, clientAddress);
  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  // The target as the request has it (Bun has resolved plain "." and ".." segments already).
  const target = request.url.slice(request.url.indexOf("/", request.url.indexOf("//") + 2));
  const upstream = await fetch(`${proxy.url}${target}`, {
    method: request.method,
    headers,
    ...(hasBody ? { body: request.body, duplex: "half" } : {}),
    redirect: "manual",
    decompress: false,
  } as RequestInit);
  const answerHeaders = new Headers(upstream.headers);
  for (const name of HOP_BY_HOP_HEADERS) answerHeaders.delete(name);
  return new Response(upstream.body, { status: upstream.status, headers: answerHeaders });
}

async function respond(request: Request): Promise<{ route: string; response: Response }> {
  let routeName = "unknown";
  try {
    if (loopbackOnly && !isLoopbackHostHeader(request.headers.get("host"))) {
      return { route: routeName, response: jsonError(403, "this admin server answers only requests addressed to a loopback name such as 127.0.0.1 or localhost (SECURITY.md)") };
    }
    const url = new URL(request.url);
    const route = routeOf(url.pathname);
    if (!route) return { route: routeName, response: jsonError(404, `there is no ${url.pathname.slice(0, 200)} here`) };
    routeName = route.name;
    if (route.kind === "proxy") {
      const clientAddress = server?.requestIP(request)?.address ?? "";
      // Refused here, before the hop to the peer's thread: a flood costs this thread a map
      // lookup per request, and the peer's thread nothing.
      if (!limiter.take(clientAddress)) return { route: routeName, response: webHdfsTooManyRequests() };
      server?.timeout(request, PROXY_IDLE_TIMEOUT_S);
      return { route: routeName, response: await forward(request, url, clientAddress) };
    }
    if (request.method !== "GET") return { route: routeName, response: jsonError(405, `${request.method.slice(0, 16)} is not served here; this server only reads (GET)`, { allow: "GET" }) };
    if (route.name === "/healthz") return { route: routeName, response: new Response("ok\n", { headers: { "content-type": "text/plain; charset=utf-8" } }) };
    if (route.kind === "static") return { route: routeName, response: uiResponse(url.pathname) ?? jsonError(404, `there is no ${url.pathname.slice(0, 200)} here`) };
    const key = `${url.pathname}${url.search}`;
    if (pending.size >= ASKS_PENDING_MAX) {
      const sentence = `this peer's admin HTTP server is overloaded (${ASKS_PENDING_MAX} requests under way); it refused this request: retry after a short backoff`;
      return { route: routeName, response: jsonError(503, sentence, { "retry-after": String(OVERLOADED_RETRY_AFTER_SECONDS) }) };
    }
    const answer: Cached<Answer> = await answers.get(key, () => ask(route.name, key));
    // Age (RFC 9111): how many seconds ago the peer gave this answer, when it is not fresh.
    const headers = answer.ageMs >= 1_000 ? { ...answer.value.headers, age: String(Math.floor(answer.ageMs / 1_000)) } : answer.value.headers;
    return { route: routeName, response: new Response(answer.value.body, { status: answer.value.status, headers }) };
  } catch (err) {
    return { route: routeName, response: jsonError(503, (err as Error).message.split("\n")[0]!.slice(0, 500)) };
  }
}

function start(message: StartMessage): void {
  loopbackOnly = message.loopbackOnly;
  proxy = message.proxy;
  try {
    server = Bun.serve({
      hostname: message.hostname,
      port: message.port,
      // WebHDFS's CREATE and APPEND bodies; the peer's server bounds what it writes.
      maxRequestBodySize: PROXY_BODY_BYTES_MAX,
      async fetch(request) {
        const started = performance.now();
        const { route, response } = await respond(request);
        post({ type: "observed", route, status: response.status, durationMs: performance.now() - started });
        return response;
      },
      error() {
        return jsonError(500, "the admin server failed to answer");
      },
    });
    post({ type: "listening", port: server.port ?? message.port });
  } catch (err) {
    post({ type: "failed", message: (err as Error).message });
  }
}

self.onmessage = (event: MessageEvent<ToHttpThread>) => {
  const message = event.data;
  switch (message.type) {
    case "start":
      start(message);
      return;
    case "answer": {
      const waiter = pending.get(message.id);
      if (!waiter) return; // given up on already
      pending.delete(message.id);
      clearTimeout(waiter.timer);
      waiter.resolve({ status: message.status, headers: message.headers, body: message.body });
      return;
    }
    case "stop":
      void (async () => {
        await server?.stop(true);
        for (const waiter of pending.values()) {
          clearTimeout(waiter.timer);
          waiter.reject(new Error("the admin server is stopping"));
        }
        pending.clear();
        post({ type: "stopped" });
      })();
      return;
  }
};
