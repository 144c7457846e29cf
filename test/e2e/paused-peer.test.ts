// A peer the leader declared dead comes back with its chunks (real processes, SIGSTOP and
// SIGCONT): the leader forgot its replicas, and the peer's reporter, which did not see the
// leader change, must still send a full block report, or those replicas stay unknown until
// the next election. With 3 peers at replication 3 there is nowhere to copy the lost replicas
// to, so fsck is HEALTHY again only when the leader has heard of them. Found by the chaos run
// (seed 1351671349): fsck stayed UNDER_REPLICATED and MISSING for a minute after the heal.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, PeerProcesses, runCli, type StartedPeer } from "../support/processes.ts";
import { waitFor } from "../support/wait.ts";
import { tempDir } from "../support/temp.ts";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
const DEAD_AFTER_MS = 4_000;
const TIMINGS = ["--heartbeat-ms", "500", "--suspect-after-ms", "2000", "--dead-after-ms", String(DEAD_AFTER_MS)];

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let paused: StartedPeer | undefined;
beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("paused-peer-e2e");
});
afterAll(async () => {
  paused?.process.kill("SIGCONT");
  await processes.stopAll();
  root.remove();
});

async function json<T>(args: string[], env: Record<string, string>): Promise<T> {
  const result = await runCli([...args, "--json"], env);
  if (result.code !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as T;
}

interface Status {
  leader: string;
  term: number;
}
interface Fsck {
  status: string;
  underReplicated: number;
}
interface Report {
  peers: Array<{ peer: string; state: string; chunks: number }>;
}

describe("a peer declared dead that comes back", () => {
  it("has its replicas known to the same leader again: fsck HEALTHY without an election", async () => {
    const dir = (i: number) => join(root.path, `peer-${i}`);
    const first = await processes.start(["--data-dir", dir(0), "--listen", LOOPBACK, "--http", "127.0.0.1:0", ...TIMINGS]);
    const swarmKey = join(dir(0), "swarm.key");
    const peers: StartedPeer[] = [first];
    for (let i = 1; i < 3; i++) peers.push(await processes.start(["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--join", first.addresses[0]!, "--swarm-key", swarmKey, ...TIMINGS]));
    const env = { TESSERA_JOIN: peers.map((peer) => peer.addresses[0]!).join(","), TESSERA_SWARM_KEY: swarmKey, TESSERA_LOG: "warn" };
    await waitFor("3 peers alive on the leader", async () => (await json<Report>(["report"], env).catch(() => ({ peers: [] }))).peers.filter((peer) => peer.state === "alive").length === 3, { timeoutMs: 30_000, intervalMs: 250 });

    const source = join(root.path, "data.bin");
    writeFileSync(source, randomBytes(3 * 64 * 1024));
    const put = await runCli(["fs", "put", source, "/data.bin", "--replication", "3", "--chunk-size", "64KiB"], env);
    expect(put.code, put.stderr).toBe(0);
    expect((await json<Fsck>(["fsck", "/"], env)).status).toBe("HEALTHY");

    const before = await json<Status>(["cluster", "status"], env);
    paused = peers.find((peer) => peer.id !== before.leader)!;
    const others = peers.filter((peer) => peer !== paused);
    const envOthers = { ...env, TESSERA_JOIN: others.map((peer) => peer.addresses[0]!).join(",") };
    paused.process.kill("SIGSTOP");
    await waitFor("the leader to declare the paused peer dead and fsck to miss its replicas", async () => {
      const report = await json<Report>(["report"], envOthers).catch(() => undefined);
      if (report?.peers.find((peer) => peer.peer === paused!.id)?.state !== "dead") return false;
      return (await json<Fsck>(["fsck", "/"], envOthers)).status === "UNDER_REPLICATED";
    }, { timeoutMs: DEAD_AFTER_MS + 20_000, intervalMs: 250 });

    paused.process.kill("SIGCONT");
    paused = undefined;
    // The reporter's keepalive (3 s) hears REPORT_FULL_NEEDED, and its full report follows.
    await waitFor("fsck HEALTHY again", async () => (await json<Fsck>(["fsck", "/"], env).catch(() => undefined))?.status === "HEALTHY", { timeoutMs: 20_000, intervalMs: 250 });
    const after = await json<Status>(["cluster", "status"], env);
    // The same leader: a new one would have asked every peer for a full report anyway.
    expect(after).toMatchObject({ leader: before.leader, term: before.term });
    const report = await json<Report>(["report"], env);
    expect(report.peers.map((peer) => peer.chunks)).toEqual([3, 3, 3]);
  }, 120_000);
});
