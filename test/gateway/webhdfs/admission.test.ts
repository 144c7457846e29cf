// WebHDFS's admission (src/gateway/webhdfs/server.ts): past its bounds a request is answered at
// once with RetriableException, 503 and Retry-After, in Hadoop's RemoteException shape, and the
// requests under way are served as usual.
import { describe, it, expect } from "vitest";
import type { FileSystemClient, StatView } from "../../../src/client/fs.ts";
import { startWebHdfsServer } from "../../../src/gateway/webhdfs/server.ts";
import { PROXY_KEY_HEADER } from "../../../src/util/internal-proxy.ts";
import { createLogger } from "../../../src/util/log.ts";
import { waitFor } from "../../support/wait.ts";

const folder: StatView = { path: "/d", kind: "dir", size: 0, replication: 0, chunkSize: 0, mtimeMs: 5, state: "closed", chunks: [], attributes: {}, owner: "alice", group: "staff", permission: 0o750, accessTimeMs: 0, fileId: 9 };

describe("WebHDFS under more requests than it serves at once", () => {
  it("refuses the excess with RetriableException, 503 and Retry-After, and serves the request under way", async () => {
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    let statsStarted = 0;
    const fs = {
      withUser: () =>
        ({
          async stat() {
            statsStarted += 1;
            await blocked;
            return folder;
          },
        }) as unknown as FileSystemClient,
    } as unknown as FileSystemClient;
    const server = await startWebHdfsServer({
      fs,
      peers: { selfId: "self", live: () => [] },
      auth: { authenticate: async () => "bob", signRedirect: async () => ({ signature: "s" }), verifyRedirect: async () => "bob" },
      log: createLogger("webhdfs-admission-test"),
      admission: { inFlightMax: 1, queueMax: 0, queueTimeoutMs: 1_000 },
    });
    try {
      const ask = () => fetch(`${server.url}/webhdfs/v1/d?op=GETFILESTATUS&user.name=bob`, { headers: { [PROXY_KEY_HEADER]: server.key } });
      const first = ask();
      await waitFor("the first request under way", () => statsStarted === 1, { timeoutMs: 5_000, intervalMs: 5 });
      const refused = await ask();
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      const body = (await refused.json()) as { RemoteException: { exception: string; javaClassName: string; message: string } };
      expect(body.RemoteException.exception).toBe("RetriableException");
      expect(body.RemoteException.javaClassName).toBe("org.apache.hadoop.ipc.RetriableException");
      expect(body.RemoteException.message).toBe("this peer's WebHDFS server is overloaded (1 requests under way and 0 waiting); it refused this request: retry after a short backoff");
      expect(statsStarted).toBe(1);
      unblock();
      expect((await first).status).toBe(200);
      expect(server.admission.stats).toMatchObject({ inFlight: 0, refusedQueueFull: 1 });
    } finally {
      unblock();
      await server.stop();
    }
  });
});
