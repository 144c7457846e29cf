// Repair throughput: how fast the leader's replicator restores the replication after a peer
// is lost (GFS §4.3 restored 440 MB/s across its cluster; the goal here is >= 100 MB/s on
// this machine), printed beside the write throughput of the same run.
//
//   bun run bench/heal.ts [--total-mib 512] [--chunk-mib 16] [--peers 5]
//
// Real peer processes of dist/tessera (built if missing) on two racks; this process is a
// client. It writes a file at replication 3, kills -9 a peer that is neither the leader nor
// the entry peer, and times from the peer's dead verdict to fsck HEALTHY; the bytes restored
// are the replicas the replicator copied (report.repairedBytes). Prints figures and always
// exits 0: a loaded machine gives smaller numbers, not a failure.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { connect } from "../src/client/cluster.ts";
import { decodeSwarmKey } from "../src/net/swarm-key.ts";
import { ensureBinary, PeerProcesses, type StartedPeer } from "../test/support/processes.ts";
import { tempDir } from "../test/support/temp.ts";

const MiB = 1024 * 1024;
const DEAD_AFTER_MS = 3_000;
const TIMEOUT_MS = 300_000;

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

async function until<T>(probe: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  const deadline = performance.now() + TIMEOUT_MS;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // Not yet.
    }
    if (performance.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function main(): Promise<void> {
  const totalBytes = arg("total-mib", 512) * MiB;
  const chunkBytes = arg("chunk-mib", 16) * MiB;
  const peerCount = arg("peers", 5);
  await ensureBinary();
  const processes = new PeerProcesses();
  const root = tempDir("bench-heal");
  const env = { TESSERA_LOG: "warn" };
  const timings = ["--heartbeat-ms", "500", "--suspect-after-ms", "1500", "--dead-after-ms", String(DEAD_AFTER_MS)];
  try {
    const dir = (i: number) => join(root.path, `peer-${i}`);
    const racks = Array.from({ length: peerCount }, (_, i) => (i < Math.ceil(peerCount / 2) ? "/r1" : "/r2"));
    const first = await processes.start(["--data-dir", dir(0), "--listen", "/ip4/127.0.0.1/tcp/0", "--http", "127.0.0.1:0", "--rack", racks[0]!, ...timings], env);
    const swarmKeyPath = join(dir(0), "swarm.key");
    const peers: StartedPeer[] = [first];
    for (let i = 1; i < peerCount; i++) {
      peers.push(await processes.start(["--data-dir", dir(i), "--listen", "/ip4/127.0.0.1/tcp/0", "--http", "127.0.0.1:0", "--rack", racks[i]!, "--join", first.addresses[0]!, "--swarm-key", swarmKeyPath, ...timings], env));
    }
    const client = await connect({ join: [first.addresses[0]!], swarmKey: decodeSwarmKey(readFileSync(swarmKeyPath, "utf8")) });
    try {
      await until(async () => ((await client.admin.report()).livePeers === peerCount ? true : undefined), 300);

      const data = randomBytes(totalBytes);
      const writeStarted = performance.now();
      await client.fs.put(data, "/bench-heal.bin", { chunkSizeBytes: chunkBytes, replication: 3 });
      const writeSeconds = (performance.now() - writeStarted) / 1000;

      const leader = (await client.status()).leader;
      const victim = peers.find((peer) => peer !== first && peer.id !== leader)!;
      const lostChunks = (await client.fs.stat("/bench-heal.bin")).chunks.filter((chunk) => chunk.replicas.some((r) => r.peer === victim.id));
      const before = await client.admin.report();
      processes.kill9(victim);
      const killedAt = performance.now();
      await until(async () => ((await client.admin.report()).deadPeers === 1 ? true : undefined), 50);
      const deadAt = performance.now();
      await until(async () => ((await client.admin.fsck("/")).status === "HEALTHY" ? true : undefined), 100);
      const healedAt = performance.now();
      const after = await client.admin.report();
      const repairedBytes = after.repairedBytes - before.repairedBytes;
      const repairSeconds = (healedAt - deadAt) / 1000;
      const lostBytes = lostChunks.reduce((sum, chunk) => sum + chunk.size, 0);

      const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
      console.log(`peers ${peerCount} on 2 racks, file ${mb(totalBytes)} MB in ${chunkBytes / MiB} MiB chunks at replication 3`);
      console.log(`write (replication 3)      ${(totalBytes / 1e6 / writeSeconds).toFixed(1)} MB/s of file data (${(writeSeconds).toFixed(2)} s)`);
      console.log(`lost with the killed peer  ${lostChunks.length} chunk replicas, ${mb(lostBytes)} MB`);
      console.log(`dead verdict after         ${((deadAt - killedAt) / 1000).toFixed(2)} s (dead timeout ${DEAD_AFTER_MS / 1000} s)`);
      console.log(`repair                     ${mb(repairedBytes)} MB restored in ${repairSeconds.toFixed(2)} s = ${(repairedBytes / 1e6 / repairSeconds).toFixed(1)} MB/s (goal >= 100 MB/s; GFS: 440 MB/s)`);
      console.log(`healthy again after kill   ${((healedAt - killedAt) / 1000).toFixed(2)} s`);
    } finally {
      await client.close();
    }
  } catch (err) {
    console.log(`bench/heal did not finish: ${(err as Error).message}`);
  } finally {
    await processes.stopAll();
    root.remove();
  }
}

await main();
process.exit(0);
