// Admin HTTP: for now the peer table as JSON and a health check. Metrics, /jmx and the web
// UI come with issue 7. It binds to loopback unless told otherwise (SECURITY.md).
import type { MembershipService } from "../membership/service.ts";
import { peerViewFromRecord } from "../membership/view.ts";
import { parseHostPort } from "../peer/config.ts";
import type { Logger } from "../util/log.ts";

export interface AdminHttp {
  url: string;
  stop(): Promise<void>;
}

export async function startAdminHttp(init: { address: string; membership: MembershipService; log: Logger }): Promise<AdminHttp> {
  const { hostname, port } = parseHostPort(init.address);
  const server = Bun.serve({
    hostname,
    port,
    fetch(request) {
      const url = new URL(request.url);
      if (request.method !== "GET") return new Response("only GET is served here\n", { status: 405 });
      if (url.pathname === "/healthz") return new Response("ok\n");
      if (url.pathname === "/api/peers") {
        const now = performance.now();
        return Response.json({ peers: init.membership.table.list().map((record) => peerViewFromRecord(record, now)) });
      }
      return new Response("not found\n", { status: 404 });
    },
  });
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${server.port}`;
  init.log.info("admin http listening", { url });
  return {
    url,
    stop: async () => {
      await server.stop(true);
    },
  };
}
