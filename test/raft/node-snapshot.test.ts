// Snapshots through the driver (RaftNode) with the master's state machine on disk and real
// libp2p hosts: a snapshot is written beside the Ready loop and recorded as a file; a restart
// does not read its bytes (the namespace already holds the state); a new member that needs it
// receives it on /tessera/raft/snapshot/1 and restores its namespace from it.
import { afterEach, describe, expect, it } from "vitest";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";
import { createHost, type PeerHost } from "../../src/net/host.ts";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { RaftNode } from "../../src/raft/node.ts";
import { MasterStateMachine, encodeLogCommand } from "../../src/master/state/state-machine.ts";
import { createLogger, setLogLevel } from "../../src/util/log.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

setLogLevel((process.env.TEST_LOG as "debug") ?? "error");
const SNAPSHOT_EVERY = 50;
const swarmKey = generateSwarmKey();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Member {
  id: string;
  stop(): Promise<void>;
  host: PeerHost;
  raft: RaftNode;
  machine: MasterStateMachine;
  restored: string[];
  dir: string;
}

async function hostOf(): Promise<PeerHost> {
  const host = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey, listenAddrs: ["/ip4/127.0.0.1/tcp/0"] });
  cleanups.push(() => host.stop());
  return host;
}

/** A member whose state machine records every restore from a file. */
async function start(host: PeerHost, dir: string, bootstrap: boolean): Promise<Member> {
  const machine = new MasterStateMachine({ dbPath: join(dir, "namespace.db") });
  const restored: string[] = [];
  const restoreFromFile = machine.restoreFromFile.bind(machine);
  machine.restoreFromFile = (path: string) => {
    restored.push(path);
    restoreFromFile(path);
  };
  const id = host.peerId.toString();
  const raft = await RaftNode.start({ id, dir: join(dir, "raft"), host, stateMachine: machine, log: createLogger(`raft-${id.slice(-4)}`), snapshotEveryEntries: SNAPSHOT_EVERY, ...(bootstrap ? { bootstrap: { voters: [id], learners: [] } } : {}) });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await raft.stop();
    machine.close();
  };
  cleanups.push(stop);
  return { id, stop, host, raft, machine, restored, dir };
}

const setting = (i: number) => encodeLogCommand({ setSetting: { key: `k${i}`, value: new TextEncoder().encode(`v${i}`) } });
const snapshotsIn = (dir: string) => readdirSync(join(dir, "raft")).filter((name) => name.startsWith("snap-") && !name.startsWith("snap-0000000000000000-"));

async function leaderWithSnapshot(): Promise<{ leader: Member; dir: string }> {
  const dir = tempDir("node-snap");
  cleanups.push(() => dir.remove());
  const leader = await start(await hostOf(), dir.path, true);
  await waitFor("the first member to lead", () => leader.raft.isLeader, { timeoutMs: 10_000 });
  for (let i = 0; i < 3 * SNAPSHOT_EVERY; i++) await leader.raft.propose(setting(i), 5_000);
  // The log is compacted up to a snapshot before the last (the driver keeps a tail behind the
  // newest): snapshot, then more entries, then the next snapshot compacts.
  let more = 0;
  await waitFor("the log to be compacted behind a snapshot", async () => {
    if (leader.raft.status().firstIndex > 1) return true;
    await leader.raft.propose(setting(10_000 + more++), 5_000);
    return false;
  }, { timeoutMs: 20_000 });
  return { leader, dir: dir.path };
}

describe("RaftNode snapshots as files", () => {
  it("a snapshot is written beside the Ready loop and recorded as a metadata file and a data file", async () => {
    const { leader, dir } = await leaderWithSnapshot();
    // Under load a newer snapshot may be in the middle of being written beside the one it
    // replaces: the directory settles to one metadata file.
    const names = await waitFor("one snapshot in the folder", () => {
      const now = snapshotsIn(dir);
      return now.filter((name) => name.endsWith(".snap")).length === 1 ? now : undefined;
    }, { timeoutMs: 10_000 });
    const [index] = /snap-(\d+)-/.exec(names[0]!)!.slice(1).map(Number);
    expect(index).toBeGreaterThanOrEqual(SNAPSHOT_EVERY);
    expect(leader.restored).toEqual([]);
    // The leader kept serving: one more proposal after the snapshot.
    await leader.raft.propose(setting(999), 5_000);
    expect(new TextDecoder().decode(leader.machine.getSetting("k999"))).toBe("v999");
  });

  it("a restart does not read the snapshot's bytes: the namespace holds the state already", async () => {
    const { leader, dir } = await leaderWithSnapshot();
    const host = leader.host;
    await leader.stop();
    // Garbage of the same size: any read of the data (a restore, a hash) would show it.
    const data = join(dir, "raft", snapshotsIn(dir).find((name) => name.endsWith(".data"))!);
    writeFileSync(data, new Uint8Array(Bun.file(data).size).fill(0xab));
    const again = await start(host, dir, false);
    await waitFor("the restarted member to lead", () => again.raft.isLeader, { timeoutMs: 10_000 });
    expect(again.restored).toEqual([]);
    for (const i of [0, 3 * SNAPSHOT_EVERY - 1]) expect(new TextDecoder().decode(again.machine.getSetting(`k${i}`))).toBe(`v${i}`);
    await again.raft.propose(setting(1000), 5_000);
    expect(again.machine.getSetting("k1000")).toBeDefined();
  });

  it("a new member behind the compacted log receives the snapshot as a file and restores its namespace from it", async () => {
    const { leader } = await leaderWithSnapshot();
    const dir = tempDir("node-snap-new");
    cleanups.push(() => dir.remove());
    const host = await hostOf();
    await leader.host.dial(multiaddr(host.getMultiaddrs()[0]!.toString()));
    const follower = await start(host, dir.path, false);
    await leader.raft.proposeConfChange({ type: "addLearner", nodeId: follower.id }, 5_000);
    await waitFor("the new member to hold every setting", () => follower.machine.getSetting(`k${3 * SNAPSHOT_EVERY - 1}`) !== undefined, { timeoutMs: 20_000 });
    expect(follower.restored.length).toBe(1);
    // The follower installs as soon as it has verified the file; the leader counts it on the verdict.
    await waitFor("the leader to count the snapshot sent", () => leader.raft.stats().transport.snapshots.sent === 1, { timeoutMs: 5_000 });
    expect(follower.raft.stats().transport.snapshots.received).toBe(1);
    // The snapshot may predate the leader's last entries: the log brings the rest.
    await waitFor("the new member to hold as many settings as the leader", () => follower.machine.settingCount === leader.machine.settingCount, { timeoutMs: 10_000 });
    // And it follows the log from there.
    await leader.raft.propose(setting(2000), 5_000);
    await waitFor("the new member to apply what follows", () => follower.machine.getSetting("k2000") !== undefined, { timeoutMs: 10_000 });
  });
});
