// Issue 15, the permission model through the leader (docs/permissions.md): a peer names the
// superuser (its process's user) and the cluster's secret when it takes office; each request
// acts for its user, whose groups the leader resolves and writes into the command; a reader
// without READ gets the status and no chunks; settings are the superuser's. One in-process
// peer over real libp2p connections, clients acting for several users (withUser, as a gateway).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { defaultUser } from "../../src/client/user.ts";
import type { FileSystemClient } from "../../src/client/fs.ts";
import type { Peer } from "../../src/peer/peer.ts";

let cluster: TestPeers;
let peer: Peer;
let client: ClusterClient;
let admin: FileSystemClient;
const text = (value: string) => new TextEncoder().encode(value);
const bytes = (n: number) => new Uint8Array(n).map((_, i) => i % 251);

beforeAll(async () => {
  cluster = new TestPeers();
  peer = await cluster.start({ rack: "/r1" });
  await waitFor("a leader", () => peer.raft.isLeader, { timeoutMs: 5_000 });
  client = await connect({ join: [peer.multiaddrs[0]!], swarmKey: cluster.swarmKey });
  admin = client.fs;
  // Users' groups as an operator writes them (no OS account needed).
  await admin.setSetting("permissions/groups/alice", text("staff,users"));
  await admin.setSetting("permissions/groups/carol", text("staff"));
});

afterAll(async () => {
  await client?.close();
  await cluster.stopAll();
});

/** The code of the refusal `run` meets (it must meet one). */
async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  throw new Error("it succeeded");
}

describe("the permission model through the leader", () => {
  it("the leader named the superuser (its process's user) and the cluster's secret when it took office; the client's own user is it", async () => {
    expect(new TextDecoder().decode(await admin.getSetting("permissions/superuser"))).toBe(defaultUser());
    expect((await admin.getSetting("secret/cluster"))?.length).toBe(32);
    expect(client.user).toBe(defaultUser());
    expect(await admin.stat("/")).toMatchObject({ owner: defaultUser(), group: "supergroup", permission: 0o755 });
  });

  it("a user writes where it may, with the umask's bits, and its files carry owner, group and bits everywhere", async () => {
    await admin.mkdir("/home/alice", { parents: true });
    await admin.chown("/home/alice", "alice", "staff");
    const alice = admin.withUser("alice");
    const put = await alice.put(bytes(1000), "/home/alice/data", { replication: 1 });
    expect(put).toMatchObject({ owner: "alice", group: "staff", permission: 0o644 });
    expect(await alice.stat("/home/alice/data")).toMatchObject({ owner: "alice", group: "staff", permission: 0o644 });
    expect((await admin.list("/home/alice")).map((s) => [s.path, s.owner, s.permission])).toEqual([["/home/alice/data", "alice", 0o644]]);
    await alice.mkdir("/home/alice/private", { permission: 0o700 });
    expect(await admin.stat("/home/alice/private")).toMatchObject({ owner: "alice", group: "staff", permission: 0o700 });
    // bob may not write in alice's home, nor in the root.
    const bob = admin.withUser("bob");
    expect(await codeOf(() => bob.put(bytes(10), "/home/alice/bobs", { replication: 1 }))).toBe("PERMISSION_DENIED");
    expect(await codeOf(() => bob.mkdir("/bob"))).toBe("PERMISSION_DENIED");
    expect(await codeOf(() => bob.list("/home/alice/private"))).toBe("PERMISSION_DENIED");
    expect(await codeOf(() => bob.stat("/home/alice/private/x"))).toBe("PERMISSION_DENIED");
  });

  it("a reader without READ sees the status but no chunks: reading is refused; the owner's chmod lets the group in", async () => {
    const alice = admin.withUser("alice");
    await alice.put(bytes(5000), "/home/alice/secret", { replication: 1, permission: 0o600 });
    const carol = admin.withUser("carol");
    expect(await carol.stat("/home/alice/secret")).toMatchObject({ owner: "alice", size: 5000, permission: 0o600 });
    expect(await codeOf(() => carol.readFile("/home/alice/secret"))).toBe("PERMISSION_DENIED");
    expect(await codeOf(() => carol.chmod("/home/alice/secret", 0o644))).toBe("PERMISSION_DENIED");
    await alice.chmod("/home/alice/secret", 0o640);
    expect(await carol.readFile("/home/alice/secret")).toEqual(bytes(5000));
    expect(await codeOf(() => carol.truncate("/home/alice/secret", 0))).toBe("PERMISSION_DENIED");
    await alice.truncate("/home/alice/secret", 0);
    expect((await alice.stat("/home/alice/secret")).size).toBe(0);
  });

  it("settings, balance and decommission are the superuser's; a member of the supergroup is one", async () => {
    const bob = admin.withUser("bob");
    expect(await codeOf(() => bob.getSetting("secret/cluster"))).toBe("PERMISSION_DENIED");
    expect(await codeOf(() => bob.listSettings("permissions/"))).toBe("PERMISSION_DENIED");
    expect(await codeOf(() => bob.setSetting("permissions/superuser", text("bob")))).toBe("PERMISSION_DENIED");
    expect(await codeOf(() => bob.deleteSetting("secret/cluster"))).toBe("PERMISSION_DENIED");
    expect(await codeOf(() => client.call("balance", { budgetMs: 1_000 } as never, "bob"))).toBe("PERMISSION_DENIED");
    await admin.setSetting("permissions/groups/bob", text("supergroup"));
    expect((await bob.getSetting("secret/cluster"))?.length).toBe(32);
    await admin.deleteSetting("permissions/groups/bob");
    expect(await codeOf(() => bob.getSetting("secret/cluster"))).toBe("PERMISSION_DENIED");
  });

  it("setTimes and chown through the client", async () => {
    const alice = admin.withUser("alice");
    await alice.put(bytes(10), "/home/alice/t", { replication: 1 });
    await alice.setTimes("/home/alice/t", { mtimeMs: 1_000, accessTimeMs: 2_000 });
    expect(await alice.stat("/home/alice/t")).toMatchObject({ mtimeMs: 1_000, accessTimeMs: 2_000 });
    await alice.chown("/home/alice/t", undefined, "users");
    expect(await codeOf(() => alice.chown("/home/alice/t", "bob"))).toBe("PERMISSION_DENIED");
    await admin.chown("/home/alice/t", "bob");
    expect(await admin.stat("/home/alice/t")).toMatchObject({ owner: "bob", group: "users" });
  });
});
