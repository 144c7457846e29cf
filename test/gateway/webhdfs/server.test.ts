// The WebHDFS server's routing, without a cluster: the key only the admin HTTP thread knows,
// ops by name and method, data requests told apart and verified, the table
// extended by name (the token ops' hook), and every failure as Hadoop's RemoteException.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import type { FileSystemClient, StatView } from "../../../src/client/fs.ts";
import { FsError } from "../../../src/client/fs-error.ts";
import { WebHdfsError } from "../../../src/gateway/webhdfs/errors.ts";
import { startWebHdfsServer, type WebHdfsServer } from "../../../src/gateway/webhdfs/server.ts";
import { CLIENT_ADDRESS_HEADER, PROXY_KEY_HEADER } from "../../../src/util/internal-proxy.ts";
import { createLogger } from "../../../src/util/log.ts";

const folder: StatView = { path: "/d", kind: "dir", size: 0, replication: 0, chunkSize: 0, mtimeMs: 5, state: "closed", chunks: [], attributes: {}, owner: "alice", group: "staff", permission: 0o750, accessTimeMs: 0, fileId: 9 };

/** A client that knows one folder, /d, and records who asked. */
function fakeFs(users: string[]): FileSystemClient {
  const client = (user: string) =>
    ({
      async stat(path: string) {
        users.push(user);
        if (path === "/d") return folder;
        throw new FsError("NOT_FOUND", `${path} does not exist.`);
      },
      async statAndOpen(path: string) {
        users.push(user);
        if (path === "/d") return { stat: folder, reader: undefined };
        throw new FsError("NOT_FOUND", `${path} does not exist.`);
      },
    }) as unknown as FileSystemClient;
  return { withUser: client } as unknown as FileSystemClient;
}

let server: WebHdfsServer;
const users: string[] = [];

beforeAll(async () => {
  server = await startWebHdfsServer({
    fs: fakeFs(users),
    peers: { selfId: "self", live: () => [{ id: "self", httpAddress: "127.0.0.1:1", freeBytes: 1e12 }] },
    auth: {
      async authenticate(params) {
        const user = params.get("user.name");
        if (!user) throw new WebHdfsError("SecurityException", "Authentication required.");
        return user;
      },
      async signRedirect() {
        return { signature: "s" };
      },
      async verifyRedirect(_op, _path, params) {
        if (params.get("signature") !== "s") throw new WebHdfsError("InvalidToken", "bad signature");
        return "signed-user";
      },
    },
    log: createLogger("webhdfs-test"),
    extraOps: { GETDELEGATIONTOKEN: { method: "GET", run: async (_fs, params) => new Response(JSON.stringify({ Token: { urlString: `t-${params.get("renewer")}` } })) } },
  });
});

afterAll(async () => {
  await server.stop();
});

function ask(target: string, init: RequestInit & { key?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set(PROXY_KEY_HEADER, init.key ?? server.key);
  headers.set(CLIENT_ADDRESS_HEADER, "10.1.2.3");
  return fetch(`${server.url}${target}`, { ...init, headers, redirect: "manual" });
}

async function exception(response: Response): Promise<[number, string]> {
  return [response.status, ((await response.json()) as { RemoteException: { exception: string } }).RemoteException.exception];
}

describe("the WebHDFS server", () => {
  it("answers only requests carrying the admin HTTP thread's key", async () => {
    expect((await ask("/webhdfs/v1/d?op=GETFILESTATUS&user.name=bob", { key: "wrong" })).status).toBe(403);
    expect((await fetch(`${server.url}/webhdfs/v1/d?op=GETFILESTATUS&user.name=bob`)).status).toBe(403);
  });

  it("runs an op as the user authenticated, with Hadoop's JSON", async () => {
    const response = await ask("/webhdfs/v1/d?OP=getfilestatus&user.name=bob");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ FileStatus: { accessTime: 0, blockSize: 0, childrenNum: -1, fileId: 9, group: "staff", length: 0, modificationTime: 5, owner: "alice", pathSuffix: "", permission: "750", replication: 0, storagePolicy: 0, type: "DIRECTORY" } });
    expect(users.at(-1)).toBe("bob");
  });

  it("turns failures into RemoteExceptions: not found, unauthenticated, unknown, unsupported, wrong method", async () => {
    expect(await exception(await ask("/webhdfs/v1/nothing?op=GETFILESTATUS&user.name=bob"))).toEqual([404, "FileNotFoundException"]);
    expect(await exception(await ask("/webhdfs/v1/d?op=GETFILESTATUS"))).toEqual([401, "SecurityException"]);
    expect(await exception(await ask("/webhdfs/v1/d?op=FROB&user.name=bob"))).toEqual([400, "IllegalArgumentException"]);
    expect(await exception(await ask("/webhdfs/v1/d?op=SETACL&user.name=bob", { method: "PUT" }))).toEqual([400, "UnsupportedOperationException"]);
    expect(await exception(await ask("/webhdfs/v1/d?op=MKDIRS&user.name=bob"))).toEqual([400, "IllegalArgumentException"]);
    expect(await exception(await ask("/webhdfs/v2/d?op=GETFILESTATUS&user.name=bob"))).toEqual([400, "IllegalArgumentException"]);
  });

  it("tells data requests apart by data=true and verifies them instead of authenticating", async () => {
    // A folder is no file to OPEN: the op ran, as the user the signature named.
    expect(await exception(await ask("/webhdfs/v1/d?op=OPEN&data=true&user.name=bob&signature=s"))).toEqual([404, "FileNotFoundException"]);
    expect(users.at(-1)).toBe("signed-user");
    expect(await exception(await ask("/webhdfs/v1/d?op=OPEN&data=true&user.name=bob&signature=forged"))).toEqual([403, "InvalidToken"]);
    // Only the four data ops have a data endpoint.
    expect(await exception(await ask("/webhdfs/v1/d?op=GETFILESTATUS&data=true&signature=s"))).toEqual([400, "IllegalArgumentException"]);
  });

  it("serves ops added to the table by name (the token ops' hook)", async () => {
    const response = await ask("/webhdfs/v1/?op=GETDELEGATIONTOKEN&user.name=bob&renewer=yarn");
    expect(await response.json()).toEqual({ Token: { urlString: "t-yarn" } });
  });

});
