// The leader's half of the retry cache (src/master/rpc/at-most-once.ts) over a namespace
// standing in for the Raft group: the one proposal a handler makes while serving a call
// carries the call and the leader's clock, nothing else does, and a proposal that turns out to
// be a retry tells the caller, whose answer is then built from the first outcome alone.
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { decodeLogCommand, encodeLogCommand } from "../../src/master/state/log-command.ts";
import { answerFromOutcome, atMostOnceCall, CallScopes, valueOf, type AnswerContext } from "../../src/master/rpc/at-most-once.ts";
import { metaRequest } from "../../src/protocol/meta.ts";
import { LogCommand } from "../../src/protocol/pb/log.ts";
import type { RaftNode } from "../../src/raft/node.ts";
import type { MembershipService } from "../../src/membership/service.ts";
import { RequestError } from "../../src/protocol/errors.ts";

const CALL = { clientId: "12D3KooWPeerA/abc", callId: 41 };

/** A Raft node of one: a proposal is applied at once to the namespace; `proposed` keeps the bytes. */
function fakeRaft(ns: Namespace) {
  const proposed: Uint8Array[] = [];
  let index = 0;
  const node = {
    isLeader: true,
    barriers: 0,
    async propose(data: Uint8Array) {
      proposed.push(data);
      return ns.apply({ index: ++index, term: 1, type: "normal", data });
    },
    async readBarrier() {
      this.barriers += 1;
    },
  };
  return { node, raft: node as unknown as RaftNode, proposed };
}

describe("a call served at most once on the leader", () => {
  it("the handler's one proposal carries the call and the leader's clock; others, and proposals outside a call, do not", async () => {
    const ns = Namespace.open();
    const { raft, proposed } = fakeRaft(ns);
    const scopes = new CallScopes(() => 1_700_000_000_000);
    const proposer = scopes.proposerOf(raft);
    const served = await scopes.run(CALL, async () => {
      await Promise.resolve();
      const first = await proposer.propose(encodeLogCommand({ mkdir: { path: "/a", parents: false, mtimeMs: 1 } }), 1_000);
      await proposer.propose(encodeLogCommand({ mkdir: { path: "/b", parents: false, mtimeMs: 1 } }), 1_000);
      return first;
    });
    expect(served).toEqual({ value: { created: 1 } });
    await proposer.propose(encodeLogCommand({ mkdir: { path: "/c", parents: false, mtimeMs: 1 } }), 1_000);
    const calls = proposed.map((data) => LogCommand.decode(data).call);
    expect(calls).toEqual([{ clientId: CALL.clientId, callId: CALL.callId, nowMs: 1_700_000_000_000 }, undefined, undefined]);
    // The tagged bytes are the command with the call: the command itself is unchanged.
    expect(decodeLogCommand(proposed[0]!)).toEqual({ mkdir: { path: "/a", parents: false, mtimeMs: 1 }, call: { clientId: CALL.clientId, callId: CALL.callId, nowMs: 1_700_000_000_000 } });
    expect(ns.recordedCall(CALL.clientId, CALL.callId)).toEqual({ kind: "mkdir", ok: true, value: { created: 1 } });
    // The node's other members are the node's.
    expect(proposer.isLeader).toBe(true);
    await proposer.readBarrier(1_000);
    expect((raft as unknown as { barriers: number }).barriers).toBe(1);
  });

  it("a timer a handler leaves behind proposes untagged once the call is answered", async () => {
    const ns = Namespace.open();
    const { raft, proposed } = fakeRaft(ns);
    const scopes = new CallScopes(() => 5);
    const proposer = scopes.proposerOf(raft);
    let later: Promise<unknown> | undefined;
    let fire!: () => void;
    const fired = new Promise<void>((resolve) => (fire = resolve));
    await scopes.run(CALL, async () => {
      // Registered inside the call's async context, run after it.
      later = fired.then(() => proposer.propose(encodeLogCommand({ mkdir: { path: "/late", parents: false, mtimeMs: 1 } }), 1_000));
      return undefined;
    });
    fire();
    await later;
    expect(proposed.map((data) => LogCommand.decode(data).call)).toEqual([undefined]);
  });

  it("a proposal that turns out to be a retry is reported, with the first value", async () => {
    const ns = Namespace.open();
    const { raft } = fakeRaft(ns);
    const scopes = new CallScopes(() => 5);
    const proposer = scopes.proposerOf(raft);
    const create = encodeLogCommand({ create: { path: "/f", replication: 3, chunkSizeBytes: 1 << 20, clientId: CALL.clientId, leaseExpiryMs: 60_000, mtimeMs: 1 } });
    const first = await scopes.run(CALL, () => proposer.propose(create, 1_000));
    expect(first).toEqual({ value: { fileId: 2, mtimeMs: 1 } });
    // The same call proposed again (its first attempt timed out on the client, say): not run again.
    const seen: unknown[] = [];
    const again = await scopes.run(CALL, async () => {
      const result = await proposer.propose(create, 1_000);
      seen.push(result);
      return result;
    });
    expect(seen).toEqual([{ fileId: 2, mtimeMs: 1 }]);
    expect(again.replayed?.value).toEqual({ fileId: 2, mtimeMs: 1 });
    expect(ns.counts().files).toBe(1);
    // A refusal comes back as the first refusal.
    const mkdirMissing = encodeLogCommand({ mkdir: { path: "/no/dir", parents: false, mtimeMs: 1 } });
    const call = { ...CALL, callId: 42 };
    const refusal = await scopes.run(call, () => proposer.propose(mkdirMissing, 1_000)).catch((err: RequestError) => `${err.code} ${err.message}`);
    expect(await scopes.run(call, () => proposer.propose(mkdirMissing, 1_000)).catch((err: RequestError) => `${err.code} ${err.message}`)).toBe(refusal);
    expect(() => valueOf(ns.recordedCall(call.clientId, call.callId)!)).toThrow(RequestError);
  });

  it("the answer from a recorded outcome is the one its handler gave: a new chunk keeps the pipeline it was given", async () => {
    const ns = Namespace.open();
    ns.applyCommand({ create: { path: "/f", replication: 2, chunkSizeBytes: 1 << 20, clientId: CALL.clientId, leaseExpiryMs: 60_000, mtimeMs: 1 } }, 1);
    const chunk = ns.applyCommand({ addChunk: { fileId: 2, clientId: CALL.clientId, replicas: ["peerB", "peerC"], version: 1 }, call: { ...CALL, nowMs: 5 } }, 2);
    expect(chunk).toMatchObject({ chunkId: "0000000000000001", replicas: ["peerB", "peerC"] });
    const heartbeat = (rack: string, address: string) => ({ heartbeat: { rack, addresses: [address] } });
    const records: Record<string, unknown> = { peerB: heartbeat("/r1", "/ip4/10.0.0.2/tcp/1"), peerC: heartbeat("/r2", "/ip4/10.0.0.3/tcp/1") };
    const ctx: AnswerContext = { namespace: ns, membership: { table: { get: (id: string) => records[id] } } as unknown as MembershipService, stat: async () => ({}) as never };
    const request = metaRequest("addChunk", { path: "/f", fileId: 2, clientId: CALL.clientId, writerPeer: "", excludePeers: [] }, CALL);
    expect(atMostOnceCall("addChunk", request)).toEqual(CALL);
    expect(atMostOnceCall("stat", metaRequest("stat", { path: "/f" }, CALL))).toBeUndefined();
    expect(atMostOnceCall("addChunk", metaRequest("addChunk", request.addChunk!))).toBeUndefined();
    const answer = await answerFromOutcome("addChunk", request.addChunk!, valueOf(ns.recordedCall(CALL.clientId, CALL.callId)!), ctx);
    expect(answer).toEqual({
      chunkId: "0000000000000001",
      index: 0,
      version: 1,
      sizeBytes: 0,
      committed: false,
      replicas: [
        { peer: "peerB", rack: "/r1", addresses: ["/ip4/10.0.0.2/tcp/1"], tier: "" },
        { peer: "peerC", rack: "/r2", addresses: ["/ip4/10.0.0.3/tcp/1"], tier: "" },
      ],
    });
  });

  it("a retried concat, setAttributes or deleteSetting is answered from its record as its handler answered", async () => {
    const ns = Namespace.open();
    let index = 0;
    const apply = (command: Parameters<Namespace["applyCommand"]>[0]) => ns.applyCommand(command, ++index);
    apply({ mkdir: { path: "/b", parents: false, mtimeMs: 1 } });
    for (const path of ["/b/p1", "/b/p2"]) apply({ create: { path, replication: 2, chunkSizeBytes: 1 << 20, clientId: CALL.clientId, mtimeMs: 1, closed: true, leaseExpiryMs: 0 } });
    const concat = { sources: ["/b/p1", "/b/p2"], destination: "/b/obj", attributes: [{ name: "s3.etag", value: '"e-2"' }], replace: false, parents: false };
    const result = apply({ concat: { ...concat, mtimeMs: 7 }, call: { ...CALL, nowMs: 7 } });
    const ctx: AnswerContext = { namespace: ns, membership: {} as MembershipService, stat: async () => ({}) as never };
    expect(atMostOnceCall("concat", metaRequest("concat", concat, CALL))).toEqual(CALL);
    const answer = await answerFromOutcome("concat", concat, valueOf(ns.recordedCall(CALL.clientId, CALL.callId)!), ctx);
    expect(answer).toMatchObject({ path: "/b/obj", sizeBytes: 0, replication: 2, chunkSizeBytes: 1 << 20, mtimeMs: 7, chunks: [], fileId: (result as { fileId: number }).fileId, attributes: { entries: concat.attributes } });
    for (const [kind, body] of [["setAttributes", { path: "/b/obj", attributes: [] }], ["deleteSetting", { key: "s3/key/A" }]] as const) {
      expect(atMostOnceCall(kind, metaRequest(kind, body as never, { ...CALL, callId: 50 }))).toEqual({ ...CALL, callId: 50 });
      expect(await answerFromOutcome(kind, body as never, {}, ctx)).toEqual({});
    }
  });
});

describe("issue 15's commands on the leader", () => {
  it("the leader writes the request's user and its groups into the command; a retried setOwner, setPermission, setTimes or truncate gets its first outcome", async () => {
    const { FsService } = await import("../../src/master/rpc/fs-service.ts");
    const { Callers } = await import("../../src/master/rpc/callers.ts");
    const ns = Namespace.open();
    const { raft, proposed } = fakeRaft(ns);
    const scopes = new CallScopes(() => 7);
    const callers = new Callers({ namespace: ns, osGroups: async (user) => (user === "alice" ? ["staff"] : []) });
    const fs = new FsService({ raft: scopes.proposerOf(raft), namespace: ns, membership: {} as never, locations: {} as never, log: {} as never, callers, nowMs: () => 1_000 });
    await raft.propose(encodeLogCommand({ setSetting: { key: "permissions/superuser", value: new TextEncoder().encode("hdfs") } }), 1_000);
    await fs.handlers.mkdir({ path: "/home/alice", parents: true }, { user: "hdfs" });
    await fs.handlers.setOwner({ path: "/home/alice", owner: "alice", group: "staff" }, { user: "hdfs" });
    await fs.handlers.create({ path: "/home/alice/f", replication: 1, chunkSizeBytes: 0, clientId: "12D3KooWPeerA/abc", closed: true }, { user: "alice" });
    const create = LogCommand.decode(proposed[proposed.length - 1]!);
    expect(create.caller).toEqual({ user: "alice", groups: ["staff"] });
    // No bits asked for: 666 less the umask (022), decided by the leader.
    expect(create.create?.permission).toBe(0o644);
    expect((await fs.handlers.stat({ path: "/home/alice/f" }, { user: "alice" })).owner).toBe("alice");
    const cases: [string, () => Promise<unknown>, () => unknown][] = [
      ["setPermission", () => fs.handlers.setPermission({ path: "/home/alice/f", permission: 0o600 }, { user: "alice" }), () => ns.stat("/home/alice/f").permission],
      ["setTimes", () => fs.handlers.setTimes({ path: "/home/alice/f", accessTimeMs: 5 }, { user: "alice" }), () => ns.stat("/home/alice/f").accessTimeMs],
      ["setOwner", () => fs.handlers.setOwner({ path: "/home/alice/f", owner: "", group: "alice" }, { user: "hdfs" }), () => ns.stat("/home/alice/f").group],
      ["truncate", () => fs.handlers.truncate({ path: "/home/alice/f", lengthBytes: 0 }, { user: "alice" }), () => ns.stat("/home/alice/f").sizeBytes],
    ];
    let callId = 100;
    for (const [kind, run, state] of cases) {
      const call = { clientId: CALL.clientId, callId: ++callId };
      expect(atMostOnceCall(kind as never, { ...metaRequest(kind as never, {} as never, call) })).toEqual(call);
      const first = await scopes.run(call, run);
      expect(first.replayed, kind).toBeUndefined();
      const after = state();
      const again = await scopes.run(call, run);
      expect(again.replayed, kind).toBeDefined();
      expect(state(), kind).toEqual(after);
      expect(await answerFromOutcome(kind as never, {} as never, again.replayed!.value, {} as AnswerContext)).toEqual({});
    }
    // A refusal is the first outcome too: bob may not chmod alice's file, and its retry says so again.
    const call = { clientId: CALL.clientId, callId: 200 };
    const refused = await scopes.run(call, () => fs.handlers.setPermission({ path: "/home/alice/f", permission: 0o777 }, { user: "bob" })).catch((err: { code: string }) => err.code);
    expect(refused).toBe("PERMISSION_DENIED");
    expect(() => valueOf(ns.recordedCall(call.clientId, call.callId)!)).toThrow("Permission denied. user=bob is not the owner");
  });
});
