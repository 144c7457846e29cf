// WebHDFS's token ops (src/gateway/webhdfs/token-ops.ts) over a stand-in client: Hadoop's JSON
// shapes, the masters' refusals as RemoteExceptions, and the bounds on their parameters.
import { describe, expect, it } from "vitest";
import { TOKEN_OPS } from "../../../src/gateway/webhdfs/token-ops.ts";
import { RequestError } from "../../../src/protocol/errors.ts";
import type { FileSystemClient } from "../../../src/client/fs.ts";

function fakeFs(calls: string[]) {
  return {
    async issueDelegationToken(options: { renewer?: string }) {
      calls.push(`issue ${options.renewer ?? ""}`);
      return { token: "payload.mac", user: "alice", renewer: options.renewer || "alice", expiryMs: 42 };
    },
    async renewDelegationToken(token: string) {
      calls.push(`renew ${token}`);
      if (token !== "payload.mac") throw new RequestError("PERMISSION_DENIED", "bob may not renew this token: only its renewer, alice, may");
      return 1_234;
    },
    async cancelDelegationToken(token: string) {
      calls.push(`cancel ${token}`);
    },
  } as unknown as FileSystemClient;
}

async function body(response: Response): Promise<unknown> {
  return response.json();
}

describe("WebHDFS token ops", () => {
  it("GETDELEGATIONTOKEN answers {Token: {urlString}}, RENEW {long}, CANCEL an empty 200", async () => {
    const calls: string[] = [];
    const fs = fakeFs(calls);
    expect(TOKEN_OPS.GETDELEGATIONTOKEN.method).toBe("GET");
    const got = await TOKEN_OPS.GETDELEGATIONTOKEN.run(fs, new URLSearchParams({ renewer: "yarn" }));
    expect([got.status, await body(got)]).toEqual([200, { Token: { urlString: "payload.mac" } }]);
    const renewed = await TOKEN_OPS.RENEWDELEGATIONTOKEN.run(fs, new URLSearchParams({ token: "payload.mac" }));
    expect([renewed.status, await body(renewed)]).toEqual([200, { long: 1_234 }]);
    const cancelled = await TOKEN_OPS.CANCELDELEGATIONTOKEN.run(fs, new URLSearchParams({ token: "payload.mac" }));
    expect([cancelled.status, await cancelled.text()]).toEqual([200, ""]);
    expect(calls).toEqual(["issue yarn", "renew payload.mac", "cancel payload.mac"]);
  });

  it("refusals are RemoteExceptions: the masters' (403), a missing or oversized token (400), a token got with a token (403)", async () => {
    const calls: string[] = [];
    const fs = fakeFs(calls);
    const denied = await TOKEN_OPS.RENEWDELEGATIONTOKEN.run(fs, new URLSearchParams({ token: "other.mac" }));
    expect([denied.status, await body(denied)]).toEqual([403, { RemoteException: { exception: "AccessControlException", javaClassName: "org.apache.hadoop.security.AccessControlException", message: "bob may not renew this token: only its renewer, alice, may" } }]);
    for (const params of [{}, { token: "" }, { token: "x".repeat(2_000) }] as Record<string, string>[]) {
      const response = await TOKEN_OPS.CANCELDELEGATIONTOKEN.run(fs, new URLSearchParams(params));
      expect(response.status).toBe(400);
      expect(((await body(response)) as { RemoteException: { exception: string } }).RemoteException.exception).toBe("IllegalArgumentException");
    }
    const chained = await TOKEN_OPS.GETDELEGATIONTOKEN.run(fs, new URLSearchParams({ delegation: "payload.mac" }));
    expect(chained.status).toBe(403);
    const badRenewer = await TOKEN_OPS.GETDELEGATIONTOKEN.run(fs, new URLSearchParams({ renewer: "a b" }));
    expect(badRenewer.status).toBe(400);
    expect(calls).toEqual(["renew other.mac"]);
  });
});
