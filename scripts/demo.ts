// The main job, for now: a local 3-peer cluster in one process, joined through gossip, and
// its peer table printed. Later issues grow it into a file system and a MapReduce run.
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
} finally {
  await Promise.allSettled(peers.map((peer) => peer.stop()));
  rmSync(root, { recursive: true, force: true });
}
