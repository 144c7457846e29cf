// A slow disk under the leader's Raft log must not cost an election. While the leader's Ready
// loop waits on an fsync (a disk busy with chunk data, a file I/O pool taken by other syncs),
// the heartbeats that fall due meanwhile leave anyway once the loop has been stuck for a tick
// (RaftCore.takeEarlyMessages, sent by RaftNode.schedule): before, they waited behind the
// write, and a write longer than the election timeout (500-1,000 ms) had the followers elect
// a new leader for nothing (seen in bench/dfsio's phases that write gigabytes on three peers
// sharing one disk). A log that hangs for good is another matter: past a bound the leader goes
// silent, so the others elect one that can write (as a full disk does at once).
import { afterEach, describe, expect, it } from "vitest";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";
import { createHost, type PeerHost } from "../../src/net/host.ts";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { RaftNode } from "../../src/raft/node.ts";
import type { WalFile } from "../../src/raft/wal.ts";
import { MasterStateMachine, encodeLogCommand } from "../../src/master/state/state-machine.ts";
import { createLogger, setLogLevel } from "../../src/util/log.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

setLogLevel((process.env.TEST_LOG as "debug") ?? "error");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Three election timeouts of the defaults at their longest (10 ticks of 50 ms, up to twice that). */
const SLOW_SYNC_MS = 3_000;

/** Longer than the driver lets heartbeats out of a stuck loop (STUCK_HEARTBEATS_MAX_MS, 5 s): a disk that hangs. */
const HUNG_SYNC_MS = 8_000;

/** A real segment file whose fdatasync takes `delayMs` longer while `slow` is set. */
class SlowDisk {
  slow = false;
  slowSyncs = 0;
  delayMs = SLOW_SYNC_MS;
  open = async (path: string): Promise<WalFile> => {
    const real: FileHandle = await open(path, "a");
    const disk = this;
    return {
      write: real.write.bind(real) as WalFile["write"],
      truncate: real.truncate.bind(real),
      close: real.close.bind(real),
      async datasync() {
        if (disk.slow) {
          disk.slowSyncs++;
          await new Promise((resolve) => setTimeout(resolve, disk.delayMs));
        }
        return real.datasync();
      },
    };
  };
}

interface Member {
  id: string;
  host: PeerHost;
  raft: RaftNode;
  disk: SlowDisk;
}

/** Three voters following the first member, each with a SlowDisk under its log. */
async function threeMembers(): Promise<Member[]> {
  const swarmKey = generateSwarmKey();
  const dir = tempDir("raft-slow-disk");
  cleanups.push(() => dir.remove());
  const start = async (name: string, bootstrap: boolean): Promise<Member> => {
    const host = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey, listenAddrs: ["/ip4/127.0.0.1/tcp/0"] });
    cleanups.push(() => host.stop());
    const machine = new MasterStateMachine({ dbPath: join(dir.path, `${name}.db`) });
    const disk = new SlowDisk();
    const id = host.peerId.toString();
    const raft = await RaftNode.start({ id, dir: join(dir.path, name), host, stateMachine: machine, log: createLogger(`raft-${name}`), storage: { openSegment: disk.open }, ...(bootstrap ? { bootstrap: { voters: [id], learners: [] } } : {}) });
    cleanups.push(async () => {
      await raft.stop();
      machine.close();
    });
    return { id, host, raft, disk };
  };
  const first = await start("a", true);
  await waitFor("the first member to lead", () => first.raft.isLeader, { timeoutMs: 10_000 });
  const members = [first];
  for (const name of ["b", "c"]) {
    const member = await start(name, false);
    // Every member reaches every other (membership would tell them each other's addresses).
    for (const earlier of members) await earlier.host.dial(multiaddr(member.host.getMultiaddrs()[0]!.toString()));
    await first.raft.proposeConfChange({ type: "addVoter", nodeId: member.id }, 10_000);
    members.push(member);
  }
  await waitFor("three voters following one leader", () => members.every((member) => member.raft.confState().voters.length === 3 && member.raft.leader === first.id), { timeoutMs: 10_000 });
  return members;
}

describe("a slow disk under the leader's log", () => {
  it("keeps the leader and the term through an fsync three election timeouts long, and commits once it is done", async () => {
    const members = await threeMembers();
    const first = members[0]!;
    const term = first.raft.term;
    const changesBefore = members.map((member) => member.raft.leaderChangeCount);

    first.disk.slow = true;
    const started = performance.now();
    await first.raft.propose(encodeLogCommand({ setSetting: { key: "k", value: new TextEncoder().encode("v") } }), 20_000);
    const waitedMs = performance.now() - started;
    first.disk.slow = false;

    // The proposal waited out the slow sync (so the test did test it), and nobody campaigned meanwhile.
    expect(first.disk.slowSyncs).toBeGreaterThanOrEqual(1);
    expect(waitedMs).toBeGreaterThanOrEqual(SLOW_SYNC_MS - 100);
    expect(first.raft.isLeader).toBe(true);
    expect(members.map((member) => member.raft.term)).toEqual([term, term, term]);
    expect(members.map((member) => member.raft.leaderChangeCount)).toEqual(changesBefore);
  }, 60_000);

  it("gives the lead up when its log hangs longer than that: its silence lets the others elect a leader that can write", async () => {
    const members = await threeMembers();
    const first = members[0]!;
    const term = first.raft.term;
    first.disk.delayMs = HUNG_SYNC_MS;
    first.disk.slow = true;
    const proposal = first.raft.propose(encodeLogCommand({ setSetting: { key: "k", value: new TextEncoder().encode("v") } }), 20_000).catch((err: unknown) => err);
    const other = await waitFor("another member to lead while the first one's sync hangs", () => members.slice(1).find((member) => member.raft.isLeader), { timeoutMs: HUNG_SYNC_MS + 2_000 });
    expect(other.raft.term).toBeGreaterThan(term);
    first.disk.slow = false;
    await proposal;
    // The new leader commits without the first member's disk.
    await other.raft.propose(encodeLogCommand({ setSetting: { key: "k2", value: new TextEncoder().encode("v2") } }), 10_000);
  }, 60_000);
});
