// Overload (issue 18, item 5) with real processes of the compiled binary: three peers, and a
// burst of metadata requests at the leader far over what it serves at once (32 client streams of
// 256 requests in flight each, 8,192 at once, against the master's 256 in flight and 512
// waiting). Every refused request is refused with OVERLOADED and a sentence saying so; a client
// that retries (the ordinary ClusterClient) gets its write through; no peer is seen suspect or
// dead meanwhile and the Raft term and leader are the same after as before.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { peerIdFromString } from "@libp2p/peer-id";
import { ensureBinary, PeerProcesses, type StartedPeer } from "../support/processes.ts";
import { waitFor } from "../support/wait.ts";
import { parsePrometheusText } from "../support/prometheus.ts";
import { tempDir } from "../support/temp.ts";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { metaChannel } from "../../src/client/meta-call.ts";
import { metaRequest } from "../../src/protocol/meta.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";
import { MUX_INFLIGHT_MAX } from "../../src/net/mux-rpc.ts";
import { META_ADMISSION_LIMITS } from "../../src/master/rpc/meta-service.ts";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
// Client processes' connections, and multiplexed streams on each: the burst must outrun the
// leader by a wide margin on any machine (8,192 creates at once against 256 served and 512
// waiting; 2,048 were all served in time on a quiet machine, so nothing was refused).
const CONNECTIONS = 8;
const STREAMS = 32;
const BURST = STREAMS * MUX_INFLIGHT_MAX;

let processes: PeerProcesses;
let root: { path: string; remove(): void };
const clients: ClusterClient[] = [];
beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("overload");
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await processes.stopAll();
  root.remove();
});

describe("a peer under more requests than it can serve", () => {
  it("refuses the excess with OVERLOADED, serves a retrying client, and no peer is suspected nor the leader changed", async () => {
    expect(BURST).toBeGreaterThan(META_ADMISSION_LIMITS.inFlightMax + META_ADMISSION_LIMITS.queueMax);
    const dir = (i: number) => join(root.path, `p${i}`);
    const seed = await processes.start(["--data-dir", dir(0), "--listen", LOOPBACK, "--http", "127.0.0.1:0"]);
    const swarmKeyFile = join(dir(0), "swarm.key");
    const peers: StartedPeer[] = [seed];
    for (let i = 1; i < 3; i++) peers.push(await processes.start(["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--join", seed.addresses[0]!, "--swarm-key", swarmKeyFile]));
    const swarmKey = decodeSwarmKey(readFileSync(swarmKeyFile, "utf8"));
    const control = await connect({ join: [seed.addresses[0]!], swarmKey });
    clients.push(control);
    const before = await waitFor(
      "3 alive peers and 3 voters with a leader",
      async () => {
        const [table, status] = await Promise.all([control.peers(), control.status()]);
        return table.filter((peer) => peer.state === "alive").length === 3 && status.voters.length === 3 && status.leader ? status : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const leader = peers.find((peer) => peer.id === before.leader)!;
    await control.fs.mkdir("/burst");

    // Monitors of every peer's table, through its own peers protocol, sampled during the burst.
    const monitors: ClusterClient[] = [];
    for (const peer of peers) monitors.push(await connect({ join: [peer.addresses[0]!], swarmKey }));
    clients.push(...monitors);
    const notAlive: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await Promise.all(
          monitors.map(async (monitor, i) => {
            const table = await monitor.peers().catch(() => []);
            for (const entry of table) if (entry.state !== "alive") notAlive.push(`p${i} saw ${entry.id.slice(-6)} ${entry.state}`);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    // The burst: STREAMS streams over CONNECTIONS connections, each stream with MUX_INFLIGHT_MAX
    // creates at once, every one sent once.
    const loaders: ClusterClient[] = [];
    for (let i = 0; i < CONNECTIONS; i++) loaders.push(await connect({ join: [leader.addresses[0]!], swarmKey }));
    clients.push(...loaders);
    const channels = Array.from({ length: STREAMS }, (_, i) => metaChannel(loaders[i % CONNECTIONS]!.host, peerIdFromString(leader.id)));
    const outcomes = { ok: 0, refused: 0, other: [] as string[] };
    const refusals = new Set<string>();
    const burst = Promise.all(
      Array.from({ length: BURST }, async (_, n) => {
        const loader = loaders[(n % STREAMS) % CONNECTIONS]!;
        const request = metaRequest("create", { path: `/burst/f${n}`, replication: 0, chunkSizeBytes: 0, clientId: loader.calls.clientId, closed: true } as never, loader.calls.next());
        try {
          const response = await channels[n % STREAMS]!.call(request, 20_000);
          if (!response.error) outcomes.ok += 1;
          else if (response.error.code === "OVERLOADED") {
            outcomes.refused += 1;
            refusals.add(response.error.message);
          } else outcomes.other.push(`${response.error.code}: ${response.error.message}`);
        } catch (err) {
          outcomes.other.push(`no answer: ${(err as Error).message}`);
        }
      }),
    );
    // Meanwhile an ordinary client (retries with backoff on OVERLOADED) gets its write through.
    const retrying = await connect({ join: [leader.addresses[0]!], swarmKey });
    clients.push(retrying);
    await retrying.fs.put(new TextEncoder().encode("through the storm"), "/burst/retrying-client");
    await burst;
    sampling = false;
    await sampler;
    for (const channel of channels) channel.close();

    expect(outcomes.other).toEqual([]);
    expect(outcomes.ok + outcomes.refused).toBe(BURST);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);
    // One clear sentence: which service, which bound, what to do.
    for (const message of refusals) expect(message).toMatch(/^this peer's metadata service is overloaded \((\d+ requests under way and \d+ waiting|this request waited \d+ ms for one of \d+ slots|its event loop ran \d+ ms late \d+ ms ago)\); it refused this request: retry after a short backoff$/);
    expect(new TextDecoder().decode(await control.fs.readFile("/burst/retrying-client"))).toBe("through the storm");
    // The leader's /metrics counts them: at least the burst's refusals (the monitors and the
    // retrying client may have been refused too) and its acknowledged creates.
    const metrics = parsePrometheusText(await (await fetch(`${leader.http}/metrics`)).text());
    const admission = (outcome: string) => metrics.samples.filter((sample) => sample.name === "tessera_admission_requests_total" && sample.labels.service === "meta" && sample.labels.outcome.startsWith(outcome)).reduce((sum, sample) => sum + sample.value, 0);
    expect(admission("refused_")).toBeGreaterThanOrEqual(outcomes.refused);
    expect(admission("admitted")).toBeGreaterThanOrEqual(outcomes.ok);
    expect(metrics.samples.filter((sample) => sample.name === "tessera_admission_queued").map((sample) => sample.labels.service).sort()).toEqual(["meta", "webhdfs"]);

    expect(notAlive).toEqual([]);
    const after = await control.status();
    expect({ term: after.term, leader: after.leader }).toEqual({ term: before.term, leader: before.leader });
    const listing = await control.fs.list("/burst");
    expect(listing.length).toBe(outcomes.ok + 1);
  }, 60_000);
});
