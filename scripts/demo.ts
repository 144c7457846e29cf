// The main job, for now: a local 3-peer cluster in one process, joined through gossip; the
// masters it elects; a generated text file written into the file system, where its chunks
// landed, and the file read back intact. Issue 6 grows it into a MapReduce run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPeer, generateSwarmKey, type Peer } from "../src/index.ts";
import { formatBytes, formatTable } from "../cmd/format.ts";
import { setLogLevel } from "../src/util/log.ts";

if (!process.env.TESSERA_LOG) setLogLevel("warn");
const DEMO_TIMEOUT_MS = 15_000;
const root = mkdtempSync(join(tmpdir(), "tessera-demo-"));
const peers: Peer[] = [];
try {
  const swarmKey = generateSwarmKey();
  const common = { listen: ["/ip4/127.0.0.1/tcp/0"], http: false as const, swarmKey };
  const seed = await startPeer({ ...common, dataDir: join(root, "peer-1"), rack: "/rack-a" });
  peers.push(seed);
  console.log(`peer 1 created the cluster: ${seed.multiaddrs[0]}`);
  for (const [index, rack] of [[2, "/rack-a"], [3, "/rack-b"]] as const) {
    const peer = await startPeer({ ...common, dataDir: join(root, `peer-${index}`), rack, join: [seed.multiaddrs[0]!] });
    peers.push(peer);
    console.log(`peer ${index} joined through peer 1`);
  }

  const started = performance.now();
  const everyoneSeesEveryone = () => peers.every((peer) => peer.peers().filter((view) => view.state === "alive").length === peers.length);
  while (!everyoneSeesEveryone()) {
    if (performance.now() - started > DEMO_TIMEOUT_MS) throw new Error("the peers did not all see each other in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.log(`\nall ${peers.length} peers see each other alive after ${Math.round(performance.now() - started)} ms; peer 3's table:\n`);
  const rows = peers[2]!.peers().map((view) => [view.id, view.state, view.rack, view.addresses[0] ?? "", formatBytes(view.freeBytes), view.roles.join(",")]);
  process.stdout.write(formatTable(["PEER", "STATE", "RACK", "ADDRESS", "FREE", "ROLES"], rows));

  while (seed.clusterStatus().voters.length < peers.length) {
    if (performance.now() - started > DEMO_TIMEOUT_MS) throw new Error("the masters were not all elected in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const status = seed.clusterStatus();
  console.log(`
the masters: leader ${status.leader.slice(-8)}, term ${status.term}, voters ${status.voters.map((v) => v.slice(-8)).join(", ")}
`);

  // A generated text, 12 MiB, written from peer 2 in 2 MiB chunks at replication 3.
  const words = ["tessera", "chunk", "master", "replica", "rack", "gossip", "raft", "pipeline", "lease", "map", "reduce", "shuffle"];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < 12 * 1024 * 1024; i++) {
    const line = Array.from({ length: 12 }, (_, k) => words[(i * 7 + k * 13 + (i >> 3)) % words.length]).join(" ");
    lines.push(line);
    size += line.length + 1;
  }
  const text = new TextEncoder().encode(`${lines.join("\n")}\n`);
  const writeStarted = performance.now();
  await peers[1]!.fs.mkdir("/demo");
  const stat = await peers[1]!.fs.put(text, "/demo/words.txt", { chunkSizeBytes: 2 * 1024 * 1024 });
  console.log(`wrote /demo/words.txt: ${formatBytes(stat.size)} in ${stat.chunks.length} chunks, replication ${stat.replication}, ${Math.round(performance.now() - writeStarted)} ms`);
  const byId = new Map(peers.map((peer, index) => [peer.id, `peer ${index + 1} ${peer.rack}`]));
  process.stdout.write(formatTable(["#", "CHUNK", "SIZE", "REPLICAS"], stat.chunks.map((chunk) => [String(chunk.index), chunk.id, formatBytes(chunk.size), chunk.replicas.map((r) => byId.get(r.peer) ?? r.peer).join(", ")])));
  const back = await peers[2]!.fs.readFile("/demo/words.txt");
  const same = Bun.hash(back) === Bun.hash(text);
  console.log(`
read back from peer 3: ${formatBytes(back.length)}, ${same ? "identical" : "DIFFERENT"} (${formatBytes(peers[2]!.fs.readCounters.localBytes)} from its own disk, ${formatBytes(peers[2]!.fs.readCounters.remoteBytes)} over the network)`);
  if (!same) process.exitCode = 1;
} finally {
  await Promise.allSettled(peers.map((peer) => peer.stop()));
  rmSync(root, { recursive: true, force: true });
}
