// Admin HTTP (issue 7): every peer serves the web UI, the JSON API it reads, Prometheus
// metrics and a NameNode-compatible /jmx, all read-only. It binds to loopback unless told
// otherwise (SECURITY.md); bound there, it also refuses requests addressed to another host
// name, so a web page cannot reach it through DNS rebinding.
//
//   /                  the web UI (src/http/ui.ts), and /ui/* its files
//   /api/...           the JSON API (api.ts)
//   /metrics           Prometheus text format (metrics.ts)
//   /jmx               Hadoop JMX JSON (jmx.ts)
//   /healthz           "ok"
//   /webhdfs/v1/...    WebHDFS (src/gateway/webhdfs), forwarded to its server in this thread
//
// The socket lives in a thread of its own (http-worker.ts): while this peer's event loop is
// busy moving data, that thread still answers, with the UI's files and with the last figures
// this thread gave it. This file is the peer's side: it answers the HTTP thread's asks.
import { workerEntryUrl } from "../util/worker-entry.ts";
import type { Logger } from "../util/log.ts";
import { Api } from "./api.ts";
import { ClusterData } from "./cluster-data.ts";
import { namenodeBeans, queryBeans } from "./jmx.ts";
import type { PeerMetrics } from "./metrics.ts";
import { HttpError, jsonError, statusOf } from "./respond.ts";
import { isLoopbackHost, routeOf } from "./routes.ts";
import type { AdminHttpSource } from "./source.ts";
import type { AskMessage, FromHttpThread, ToHttpThread } from "./worker-protocol.ts";
import { ConfigError, parseHostPort } from "../util/config.ts";
import { OVERLOADED_RETRY_AFTER_SECONDS } from "../protocol/errors.ts";

/** How long the HTTP thread may take to start listening. */
const START_TIMEOUT_MS = 10_000;
/** How long stop() waits for the HTTP thread to close its socket before ending it. */
const STOP_TIMEOUT_MS = 2_000;

export interface AdminHttp {
  url: string;
  /** The host it is bound to, and its port (the port given, or the one picked for port 0). */
  hostname: string;
  port: number;
  stop(): Promise<void>;
}

export interface AdminHttpInit {
  /** HOST:PORT to listen on (port 0: any free port). */
  address: string;
  source: AdminHttpSource;
  metrics: PeerMetrics;
  log: Logger;
  /** Where /webhdfs/ goes: a server of this thread on loopback and the key it checks (http-worker.ts, forward()). */
  proxy?: { url: string; key: string };
}

/** The HTTP thread's entry point, from source or compiled in (util/worker-entry.ts, scripts/build.ts). */
export function httpWorkerUrl(): string | URL {
  return workerEntryUrl("http/http-worker", new URL("./http-worker.ts", import.meta.url));
}

export async function startAdminHttp(init: AdminHttpInit): Promise<AdminHttp> {
  const { hostname, port } = parseHostPort(init.address);
  const { source, metrics, log } = init;
  const data = new ClusterData(source);
  metrics.bind(source, data);
  const api = new Api(source, data);

  async function jmx(url: URL): Promise<Response> {
    const snapshot = await data.snapshot();
    const self = source.peers().find((peer) => peer.id === source.self.id);
    const beans = namenodeBeans({ snapshot, self: { id: source.self.id, version: source.self.version, startedAtMs: source.self.startedAtMs, addresses: self?.addresses ?? [] }, isLeader: source.local.raft().isLeader });
    const answer = queryBeans(beans, url);
    // Indented, as a NameNode's /jmx is: people read it with curl.
    return new Response(JSON.stringify(answer.body, null, 2), { status: answer.status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
  }

  /** The answer to GET `url` of a route that needs this peer (routes.ts, kind "data"). */
  async function answerData(url: URL): Promise<Response> {
    const route = routeOf(url.pathname);
    switch (route?.name) {
      case "/metrics":
        return new Response(await metrics.metrics(), { headers: { "content-type": metrics.contentType, "cache-control": "no-store" } });
      case "/jmx":
        return jmx(url);
      case "/api/overview":
        return api.overview();
      case "/api/peers":
        return api.peers();
      case "/api/fs/list":
        return api.list(url);
      case "/api/fs/stat":
        return api.stat(url);
      case "/api/jobs":
        return api.jobs();
      case "/api/buckets":
        return api.buckets();
      case "/api/jobs/:id": {
        let id: string;
        try {
          id = decodeURIComponent(route.jobId!);
        } catch {
          throw new HttpError(400, "the job id has a malformed %-escape");
        }
        return api.job(id);
      }
      default:
        throw new HttpError(404, `there is no ${url.pathname.slice(0, 200)} here`);
    }
  }

  async function answer(message: AskMessage): Promise<void> {
    let response: Response;
    try {
      response = await answerData(new URL(message.url, "http://peer"));
    } catch (err) {
      const status = statusOf(err);
      if (status === 500) log.warn("admin http request failed", { url: message.url.slice(0, 200), err });
      // 503 (no leader, an overloaded master): the client may ask again, and Retry-After says when.
      response = jsonError(status, sentence(err), status === 503 ? { "retry-after": String(OVERLOADED_RETRY_AFTER_SECONDS) } : {});
    }
    const reply: ToHttpThread = { type: "answer", id: message.id, status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
    // An answer that comes after stop() has no thread left to take it.
    if (!stopping) worker.postMessage(reply);
  }

  const worker = new Worker(httpWorkerUrl());
  let stopping = false;
  let listening: ((port: number) => void) | undefined;
  let failed: ((message: string) => void) | undefined;
  let stopped: (() => void) | undefined;
  worker.onmessage = (event: MessageEvent<FromHttpThread>) => {
    const message = event.data;
    switch (message.type) {
      case "ask":
        void answer(message);
        return;
      case "observed":
        metrics.observeHttpRequest(message.route, message.status, message.durationMs);
        return;
      case "listening":
        listening?.(message.port);
        return;
      case "failed":
        failed?.(message.message);
        return;
      case "stopped":
        stopped?.();
        return;
    }
  };
  worker.addEventListener("error", (event) => log.error("the admin http thread failed", { err: (event as ErrorEvent).message }));

  let boundPort: number;
  try {
    boundPort = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ConfigError(`admin HTTP did not start listening on ${init.address} within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      listening = (port) => {
        clearTimeout(timer);
        resolve(port);
      };
      failed = (message) => {
        clearTimeout(timer);
        reject(new ConfigError(`admin HTTP cannot listen on ${init.address}: ${message}`));
      };
      const start: ToHttpThread = { type: "start", hostname, port, loopbackOnly: isLoopbackHost(hostname), ...(init.proxy ? { proxy: init.proxy } : {}) };
      worker.postMessage(start);
    });
  } catch (err) {
    worker.terminate();
    throw err;
  }
  metrics.startProbes();
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${boundPort}`;
  log.info("admin http listening", { url });
  const stop = async (): Promise<void> => {
    metrics.stopProbes();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
      stopped = () => {
        clearTimeout(timer);
        resolve();
      };
      const message: ToHttpThread = { type: "stop" };
      worker.postMessage(message);
    });
    stopping = true;
    worker.terminate();
  };
  let stopOnce: Promise<void> | undefined;
  return { url, hostname, port: boundPort, stop: () => (stopOnce ??= stop()) };
}

/** The first line of an error's message, as the one sentence an error body holds. */
function sentence(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0]!.slice(0, 500) || "the request failed";
}
