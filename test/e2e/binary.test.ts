// End to end: real processes of the compiled binary on loopback, and the CLI as a user runs it.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, PeerProcesses, peersOf, runCli, type StartedPeer } from "../support/processes.ts";
import { waitFor } from "../support/wait.ts";
import { tempDir } from "../support/temp.ts";
import { encodeSwarmKey, generateSwarmKey } from "../../src/net/swarm-key.ts";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
// Short timeouts keep the test fast; the defaults are tested in-process.
const TIMINGS = ["--heartbeat-ms", "300", "--suspect-after-ms", "1000", "--dead-after-ms", "3000"];
const DEAD_AFTER_MS = 3_000;

let processes: PeerProcesses;
let root: { path: string; remove(): void };

beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("e2e");
});
afterAll(async () => {
  await processes.stopAll();
  root.remove();
});

const stateIn = async (observer: StartedPeer, id: string) => (await peersOf(observer)).find((peer) => peer.id === id)?.state;

describe("the compiled binary", () => {
  it("runs a 3-peer cluster: join, list, kill -9, dead, restart with the same id, clean stop", async () => {
    const dir = (name: string) => join(root.path, name);
    const seed = await processes.start(["--data-dir", dir("a"), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", "/r1", ...TIMINGS]);
    const swarmKey = join(dir("a"), "swarm.key");
    expect(existsSync(swarmKey)).toBe(true);
    const join1 = ["--join", seed.addresses[0]!, "--swarm-key", swarmKey];
    const b = await processes.start(["--data-dir", dir("b"), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", "/r2", ...join1, ...TIMINGS]);
    let c = await processes.start(["--data-dir", dir("c"), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", "/r2", ...join1, ...TIMINGS]);
    const ids = [seed.id, b.id, c.id].sort();

    // The client command, as a user types it, sees all three alive.
    const listing = await waitFor(
      "the CLI to list 3 alive peers",
      async () => {
        const result = await runCli(["cluster", "peers", "--json", ...join1]);
        if (result.code !== 0) throw new Error(result.stderr);
        const peers = (JSON.parse(result.stdout) as { peers: Array<{ id: string; state: string; rack: string }> }).peers;
        return peers.filter((peer) => peer.state === "alive").length === 3 ? peers : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(listing.map((peer) => peer.id).sort()).toEqual(ids);
    expect(listing.find((peer) => peer.id === b.id)!.rack).toBe("/r2");

    // kill -9: both others mark it dead within the dead timeout plus 2 s.
    const killedAt = performance.now();
    processes.kill9(c);
    await waitFor("c dead on a and b", async () => (await stateIn(seed, c.id)) === "dead" && (await stateIn(b, c.id)) === "dead", { timeoutMs: DEAD_AFTER_MS + 2_000 });
    expect(performance.now() - killedAt).toBeLessThan(DEAD_AFTER_MS + 2_000);

    // Restarted from its data dir with no --join and no --listen, it remembers the cluster and
    // its port, and keeps its id.
    const cId = c.id;
    const cAddress = c.addresses[0];
    c = await processes.start(["--data-dir", dir("c"), "--http", "127.0.0.1:0", ...TIMINGS]);
    expect(c.id).toBe(cId);
    expect(c.addresses).toContain(cAddress);
    await waitFor(
      "c alive again in every table",
      async () => {
        for (const observer of [seed, b, c]) {
          const peers = await peersOf(observer);
          if (peers.filter((peer) => peer.state === "alive").length !== 3) return false;
        }
        return true;
      },
      { timeoutMs: 10_000 },
    );

    // SIGTERM stops a peer cleanly: exit 0 and its data-dir lock released.
    b.process.kill("SIGTERM");
    expect(await b.process.exited).toBe(0);
    expect(existsSync(join(dir("b"), "LOCK"))).toBe(false);
  }, 60_000);

  it("a peer with another swarm key is refused with a clear reason and a non-zero exit", async () => {
    const seed = await processes.start(["--data-dir", join(root.path, "s"), "--listen", LOOPBACK, "--http", "127.0.0.1:0"]);
    const foreignKey = join(root.path, "foreign.key");
    writeFileSync(foreignKey, encodeSwarmKey(generateSwarmKey()));
    const result = await runCli(["node", "start", "--data-dir", join(root.path, "f"), "--listen", LOOPBACK, "--join", seed.addresses[0]!, "--swarm-key", foreignKey], { TESSERA_LOG: "silent" });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/refused this peer's swarm key/);
    expect((await peersOf(seed)).map((peer) => peer.id)).toEqual([seed.id]);
  }, 30_000);
});

describe("CLI bad input", () => {
  const oneLineError = (result: { code: number; stderr: string }, pattern: RegExp) => {
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
  };

  it("rejects an unknown flag", async () => {
    oneLineError(await runCli(["node", "start", "--no-such-flag"]), /unknown option '--no-such-flag'/);
  });

  it("rejects an unknown command", async () => {
    oneLineError(await runCli(["frobnicate"]), /unknown command 'frobnicate'/);
  });

  it("rejects a bad multiaddr", async () => {
    oneLineError(await runCli(["node", "start", "--data-dir", join(root.path, "bad"), "--join", "not-an-address"]), /"not-an-address" is not a valid multiaddr/);
    oneLineError(await runCli(["cluster", "peers", "--join", "/ip4/999.1.1.1/tcp/1", "--swarm-key", "/nonexistent"]), /not a valid multiaddr|cannot read the swarm key/);
  });

  it("rejects a missing or malformed swarm key file", async () => {
    oneLineError(await runCli(["cluster", "peers", "--join", "/ip4/127.0.0.1/tcp/1", "--swarm-key", join(root.path, "missing.key")]), /cannot read the swarm key file/);
    const bad = join(root.path, "bad.key");
    writeFileSync(bad, "hello\n");
    oneLineError(await runCli(["cluster", "peers", "--join", "/ip4/127.0.0.1/tcp/1", "--swarm-key", bad]), /is not a swarm key file/);
  });

  it("says where the cluster is missing", async () => {
    oneLineError(await runCli(["cluster", "peers"], { TESSERA_JOIN: "", TESSERA_SWARM_KEY: "" }), /no cluster to talk to/);
  });

  it("says when nobody listens at the address", async () => {
    const key = join(root.path, "ok.key");
    writeFileSync(key, encodeSwarmKey(generateSwarmKey()));
    oneLineError(await runCli(["cluster", "peers", "--join", "/ip4/127.0.0.1/tcp/1", "--swarm-key", key]), /no peer is listening at/);
  });
});
