// The admin HTTP server's paths, known to both of its halves: the HTTP thread (http-worker.ts)
// answers the static ones itself and asks the peer's thread (server.ts) for the rest.

export type RouteKind =
  /** Answered by the HTTP thread alone: the UI's files, the health check. */
  | "static"
  /** Needs the peer: cluster figures, this peer's counters, the namespace. */
  | "data"
  /** Forwarded as it is, every method, both bodies streamed, never cached: WebHDFS (src/gateway/webhdfs). */
  | "proxy";

export interface Route {
  /** The route's name (a label of tessera_http_request_duration_seconds: bounded, never the raw path). */
  name: string;
  kind: RouteKind;
  /** The job id of /api/jobs/ID, still %-encoded. */
  jobId?: string;
}

const DATA_ROUTES = new Set(["/metrics", "/jmx", "/api/overview", "/api/peers", "/api/fs/list", "/api/fs/stat", "/api/jobs", "/api/buckets"]);
/** WebHDFS's REST API (`/webhdfs/v1/<path>?op=...`), served by the peer's thread through the proxy. */
export const WEBHDFS_PREFIX = "/webhdfs/";
const JOB_PATH = /^\/api\/jobs\/([^/]+)$/;

/** The route of a path, or undefined for a path served nowhere (404). */
export function routeOf(pathname: string): Route | undefined {
  if (pathname === "/" || pathname.startsWith("/ui/")) return { name: "ui", kind: "static" };
  if (pathname === "/healthz") return { name: "/healthz", kind: "static" };
  if (pathname.startsWith(WEBHDFS_PREFIX)) return { name: "/webhdfs", kind: "proxy" };
  if (DATA_ROUTES.has(pathname)) return { name: pathname, kind: "data" };
  const job = JOB_PATH.exec(pathname);
  if (job) return { name: "/api/jobs/:id", kind: "data", jobId: job[1]! };
  return undefined;
}

/** Host names a loopback-bound server answers to (anything else may be DNS rebinding). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === "::1";
}

/** A Host header naming a loopback address or localhost, with or without a port. */
export function isLoopbackHostHeader(host: string | null): boolean {
  if (!host) return false;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d*$/, "");
  return isLoopbackHost(name.toLowerCase());
}
