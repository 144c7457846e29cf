// The main job: a local 3-peer cluster in one process, joined through gossip; the masters it
// elects; a generated text written into the file system and where its chunks landed; then
// word count (examples/wordcount.ts) run on it as a MapReduce job, and the top words, checked
// against a count made here without Tessera.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolve } from "node:path";
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

  // A generated text, 24 MiB: words drawn with Zipf-like frequencies, so the counts are
  // uneven as in real prose. Written from peer 2 in 2 MiB chunks at replication 3.
  const vocabulary = (
    "the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can out up into do any your what some them other than then now only its time two may over also new like these about first could after people very made such way our well most even back good much where many"
  ).split(" ");
  let state = 42;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  let size = 0;
  while (size < 24 * 1024 * 1024) {
    const words = Array.from({ length: 4 + Math.floor(random() * 14) }, () => vocabulary[Math.floor(vocabulary.length * random() ** 2.5)]!);
    const line = words.join(" ");
    lines.push(line);
    size += line.length + 1;
  }
  const text = new TextEncoder().encode(`${lines.join("\n")}\n`);
  const writeStarted = performance.now();
  await peers[1]!.fs.mkdir("/demo");
  const stat = await peers[1]!.fs.put(text, "/demo/words.txt", { chunkSizeBytes: 2 * 1024 * 1024 });
  console.log(`wrote /demo/words.txt: ${formatBytes(stat.size)} in ${stat.chunks.length} chunks, replication ${stat.replication}, ${Math.round(performance.now() - writeStarted)} ms`);
  const byId = new Map(peers.map((peer, index) => [peer.id, `peer ${index + 1} ${peer.rack}`]));
  process.stdout.write(formatTable(["#", "CHUNK", "SIZE", "REPLICAS"], stat.chunks.slice(0, 4).map((chunk) => [String(chunk.index), chunk.id, formatBytes(chunk.size), chunk.replicas.map((r) => byId.get(r.peer) ?? r.peer).join(", ")])));
  console.log(`(${stat.chunks.length - 4} more chunks)`);

  // Word count as a MapReduce job, submitted through peer 3: one map per chunk, run where
  // the chunk is, 3 reducers.
  console.log("\nrunning examples/wordcount.ts on /demo ...");
  const job = await peers[2]!.jobs.submit(resolve(import.meta.dir, "../examples/wordcount.ts"), { inputs: ["/demo"], output: "/demo-out/wordcount", reducers: 3 });
  let lastReport = "";
  const done = await peers[2]!.jobs.wait(job.id, {
    intervalMs: 200,
    onProgress: (view) => {
      const report = `  maps ${view.mapsDone}/${view.mapTasks}, reduces ${view.reducesDone}/${view.reducers}`;
      if (report !== lastReport) console.log(`${report}  (${(view.elapsedMs / 1000).toFixed(1)} s)`);
      lastReport = report;
    },
  });
  if (done.state !== "succeeded") throw new Error(`the job ${done.state}: ${done.error ?? ""}`);
  const c = done.counters;
  console.log(`job ${done.id} succeeded in ${(done.elapsedMs / 1000).toFixed(1)} s: ${c.mapTasks} maps (${c.nodeLocalMaps} node-local), ${c.mapInputRecords} lines read, ${formatBytes(c.shuffleBytes)} shuffled, ${c.reduceOutputRecords} distinct words`);
  const counts = new Map<string, number>();
  for (const entry of await peers[0]!.fs.list("/demo-out/wordcount")) {
    if (!/part-r-\d+$/.test(entry.path)) continue;
    for (const line of new TextDecoder().decode(await peers[0]!.fs.readFile(entry.path)).split("\n")) {
      if (!line) continue;
      const tab = line.lastIndexOf("\t");
      counts.set(line.slice(0, tab), Number(line.slice(tab + 1)));
    }
  }
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10);
  console.log("\nthe top words:\n");
  process.stdout.write(formatTable(["WORD", "COUNT"], top.map(([word, count]) => [word, count.toLocaleString("en-US")])));
  // The same count, made here without Tessera: the job must agree word for word.
  const local = new Map<string, number>();
  for (const line of lines) for (const word of line.split(" ")) local.set(word, (local.get(word) ?? 0) + 1);
  const agrees = local.size === counts.size && [...local].every(([word, count]) => counts.get(word) === count);
  console.log(`\nchecked against a count made without Tessera: ${agrees ? "identical" : "DIFFERENT"}`);
  if (!agrees) process.exitCode = 1;
} finally {
  await Promise.allSettled(peers.map((peer) => peer.stop()));
  rmSync(root, { recursive: true, force: true });
}
