// The tiered cache over object storage end to end (issue 16, "What must be shown"): --size-mib
// MiB (default 1024) of text in an s3rver bucket (in this process), mounted into a cluster of
// three dist/tessera peers with MEM and HDD tiers, read every way the issue names, in one run:
//
//   1. directly from the bucket through @aws-sdk/client-s3 (the reference);
//   2. cold through Tessera (each chunk fetched from the bucket by a peer, cached, served);
//   3. warm through Tessera from the MEM tier;
//   4. warm from the HDD tier (a second data set of the same size, read meanwhile, pushed the
//      first one's copies down: the share by tier is printed before the read);
//   5. word count (examples/wordcount.ts) over the mount, cold then warm, checked against the
//      counts the generator kept;
//   6. a training-style read: every file once per epoch in a random order, --epochs epochs
//      (default 3) from cold, with the hit rate of each epoch (the issue's claim: above 90% on
//      the second);
//   7. warm local read from inside a peer: a fourth peer started in this process reads the data
//      (cold: its own store is the fill peer's) and reads it again from its own disk.
//
//   MIMALLOC_PURGE_DELAY=-1 bun run bench/cache.ts [--size-mib 1024] [--files 16] [--epochs 3]
//        [--parallel 1] [--mem-mib N] [--hdd-mib N] [--no-tiers] [--skip-jobs]
//
// The tiers of each peer: MEM holds half a data set (--mem-mib), HDD a whole one (--hdd-mib),
// in folders of the temp dir (a MEM tier belongs on tmpfs; the temp dir may not
// be one: the figure says what this machine's temp dir gives). --no-tiers starts the peers
// without --tier (the data dir is the one tier; phases 3 and 4 then read the same place).
// The client here is not a peer: its reads go through the peers' cache service. Every byte
// read is checked (SHA-256 per file); a mismatch prints WRONG. A phase that fails says so in
// one line and the next one runs. It prints figures and ratios and exits 0 on a slow or
// loaded machine. The hit rate of an epoch is the tiers' own (hits / (hits + misses) over
// the peers, `cache stat`); without tiers, the share of bytes already cached when each file
// was read (stat just before; block reports lag a little, so this one reads low).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { connect, type ClusterClient } from "../src/client/cluster.ts";
import type { FileSystemClient } from "../src/client/fs.ts";
import { decodeSwarmKey } from "../src/net/swarm-key.ts";
import { startPeer } from "../src/peer/peer.ts";
import { setLogLevel } from "../src/util/log.ts";
import { cacheShare, cacheStat, tierSplit } from "../cmd/cache-format.ts";
import { ensureBinary, PeerProcesses, type StartedPeer } from "../test/support/processes.ts";
import { tempDir } from "../test/support/temp.ts";
import { createBucket, putObject, startS3rver } from "../test/support/under-s3.ts";
import { cpuText, measuringCpu, mib, numberArg, out, pct, waitFor } from "./support.ts";

const MiB = 1024 * 1024;
const ROOT = resolve(import.meta.dir, "..");
const WORDCOUNT_MODULE = join(ROOT, "examples/wordcount.ts");
const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
const TIMINGS = ["--heartbeat-ms", "500", "--suspect-after-ms", "2000", "--dead-after-ms", "4000"];
const CLUSTER_FORM_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = 3_600_000;
/** The issue's claim for the training-style read. */
const SECOND_EPOCH_HIT_RATE_CLAIM = 0.9;
/** Words of the generated text, and the generator's seed. */
const VOCABULARY = Array.from({ length: 2_000 }, (_, i) => `w${i.toString(36)}`);
const SEED = 0x5eed_cace;

const flag = (name: string) => process.argv.includes(`--${name}`);
const sizeBytes = numberArg("size-mib", 1024, 1) * MiB;
const files = numberArg("files", 16, 1);
const epochs = numberArg("epochs", 3, 1);
// One read at a time by default (the figures of record); --parallel N reads N files at once from
// the one client.
const parallel = numberArg("parallel", 1, 1);
const fileBytes = Math.floor(sizeBytes / files);
// Per peer: MEM half a data set (the three hold one and a half: the first set fits, the second
// pushes part of it down), HDD a whole one (the three hold both, with room); at least a chunk.
const memTierMiB = numberArg("mem-mib", Math.max(64, Math.ceil((0.5 * sizeBytes) / MiB)), 1);
const hddTierMiB = numberArg("hdd-mib", Math.max(256, Math.ceil(sizeBytes / MiB)), 1);
const tiers = !flag("no-tiers");

const secs = (value: number) => `${value.toFixed(2)} s`;
const mbps = (bytes: number, seconds: number) => (seconds > 0 ? `${(bytes / 1e6 / seconds).toFixed(1)} MB/s` : "—");
const times = (a: number, b: number) => (a > 0 && b > 0 ? `${(a / b).toFixed(1)}×` : "—");

/** A xorshift32 generator: the text and the epochs' orders are the same every run. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

/** `sizeBytes` of lines of words (Zipf-ish: small indexes more often), counting each word into `counts`. */
function text(sizeBytes: number, next: () => number, counts?: Map<string, number>): Uint8Array {
  const outBytes = new Uint8Array(sizeBytes);
  const encoder = new TextEncoder();
  let at = 0;
  while (at < sizeBytes) {
    const words: string[] = [];
    for (let i = 0; i < 12; i++) words.push(VOCABULARY[Math.floor(VOCABULARY.length * next() * next())]!);
    const lineBytes = encoder.encode(`${words.join(" ")}\n`);
    if (at + lineBytes.length > sizeBytes) {
      // The last line is padded with spaces to the exact size and ends with a newline.
      outBytes.fill(0x20, at, sizeBytes - 1);
      outBytes[sizeBytes - 1] = 0x0a;
      break;
    }
    outBytes.set(lineBytes, at);
    at += lineBytes.length;
    if (counts) for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return outBytes;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const name = (set: string, i: number) => `${set}/part-${String(i).padStart(4, "0")}.txt`;

/** Runs `work` over 0..count-1, `parallel` at a time. */
async function bounded(count: number, work: (i: number) => Promise<void>, order: readonly number[] = Array.from({ length: count }, (_, i) => i)): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < order.length) await work(order[next++]!);
  }));
}

async function readAll(fs: FileSystemClient, path: string): Promise<Uint8Array> {
  return fs.readFile(path);
}

interface ReadResult {
  seconds: number;
  bytes: number;
  wrong: string[];
}

async function timedReads(what: string, pids: () => number[], read: (i: number) => Promise<Uint8Array>, hashes: string[], order?: readonly number[]): Promise<ReadResult> {
  const wrong: string[] = [];
  let bytes = 0;
  const started = performance.now();
  try {
    const { cpu } = await measuringCpu(pids, () =>
      bounded(
        hashes.length,
        async (i) => {
          const got = await read(i);
          bytes += got.length;
          if (sha256(got) !== hashes[i]) wrong.push(String(i));
        },
        order,
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    out(`  ${what.padEnd(40)} ${secs(seconds).padStart(9)}  ${mbps(bytes, seconds).padStart(12)}  ${wrong.length === 0 ? "bytes exact" : `WRONG bytes in files ${wrong.join(",")}`}  (${cpuText(cpu)})`);
    return { seconds, bytes, wrong };
  } catch (err) {
    // A failed phase is a line of the report, not the end of the run.
    out(`  ${what.padEnd(40)} FAILED: ${(err as Error).message}`);
    return { seconds: Number.NaN, bytes, wrong };
  }
}

/** How the set's bytes are cached now, over its files: "MEM 80%, HDD 20%". */
async function shareText(fs: FileSystemClient, set: string): Promise<string> {
  const total = { totalBytes: 0, cachedBytes: 0, byTier: {} as Record<string, number> };
  for (let i = 0; i < files; i++) {
    const share = cacheShare(await fs.stat(`/bench/${name(set, i)}`));
    total.totalBytes += share.totalBytes;
    total.cachedBytes += share.cachedBytes;
    for (const [tier, bytes] of Object.entries(share.byTier)) total.byTier[tier] = (total.byTier[tier] ?? 0) + bytes;
  }
  return `${pct(total.cachedBytes / Math.max(1, total.totalBytes))} cached: ${tierSplit(total)}`;
}

/** Heartbeats bring the tiers' counters to the report (every 500 ms here): this long without change means they are in. */
const COUNTERS_SETTLED_MS = 1_500;
const COUNTERS_SETTLE_TIMEOUT_MS = 15_000;

/** The tiers' hits and misses over the peers, once the heartbeats have brought the last reads' in. */
async function hitsAndMisses(client: ClusterClient): Promise<{ hits: number; misses: number }> {
  const read = async () => {
    const stat = cacheStat(await client.admin.report());
    return { hits: stat.hits, misses: stat.misses };
  };
  let last = await read();
  let sameSince = performance.now();
  const deadline = performance.now() + COUNTERS_SETTLE_TIMEOUT_MS;
  while (performance.now() - sameSince < COUNTERS_SETTLED_MS && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await read();
    if (now.hits !== last.hits || now.misses !== last.misses) {
      last = now;
      sameSince = performance.now();
    }
  }
  return last;
}

/** Word count over `input`, timed from submit to success; answers whether its counts equal `expected`. */
async function wordCount(client: ClusterClient, input: string, output: string, expected: Map<string, number>): Promise<{ seconds: number; exact: boolean; state: string }> {
  const started = performance.now();
  const submitted = await client.jobs.submit(WORDCOUNT_MODULE, { inputs: [input], output, reducers: 3 });
  const done = await client.jobs.wait(submitted.id, { timeoutMs: JOB_TIMEOUT_MS, intervalMs: 200 });
  const seconds = (performance.now() - started) / 1000;
  if (done.state !== "succeeded") return { seconds, exact: false, state: `${done.state}${done.error ? `: ${done.error}` : ""}` };
  const got = new Map<string, number>();
  for (const entry of await client.fs.list(output)) {
    if (!/\/part-r-\d{5}$/.test(entry.path)) continue;
    for (const line of new TextDecoder().decode(await client.fs.readFile(entry.path)).split("\n")) {
      const tab = line.lastIndexOf("\t");
      if (tab > 0) got.set(line.slice(0, tab), Number(line.slice(tab + 1)));
    }
  }
  const exact = got.size === expected.size && [...expected].every(([word, count]) => got.get(word) === count);
  return { seconds, exact, state: done.state };
}

async function main(): Promise<void> {
  setLogLevel("warn");
  await ensureBinary();
  const root = tempDir("bench-cache");
  // A MEM tier belongs on tmpfs: /dev/shm when the machine has it.
  const memRoot = tiers && existsSync("/dev/shm") ? tempDir("bench-cache-mem", "/dev/shm") : undefined;
  const processes = new PeerProcesses();
  const s3rver = await startS3rver();
  let client: ClusterClient | undefined;
  try {
    out(`bench/cache: ${mib(sizeBytes)} in ${files} files of ${mib(fileBytes)}, 3 peers${tiers ? `, tiers MEM ${memTierMiB} MiB + HDD ${hddTierMiB} MiB each` : ", no tiers (data dirs)"}, ${parallel} reads at once, Bun ${Bun.version}`);

    // The data: two sets of the same size; the generator counts the first's words.
    const counts = new Map<string, number>();
    const hashes: Record<"data" | "data2", string[]> = { data: [], data2: [] };
    const next = random(SEED);
    await createBucket(s3rver, "bench");
    const generated = performance.now();
    for (const set of ["data", "data2"] as const) {
      for (let i = 0; i < files; i++) {
        const body = text(fileBytes, next, set === "data" ? counts : undefined);
        hashes[set].push(sha256(body));
        await putObject(s3rver, "bench", name(set, i), body);
      }
    }
    out(`  generated and put into s3rver: ${mib(2 * files * fileBytes)} in ${secs((performance.now() - generated) / 1000)}`);

    // Three peers with tiers.
    const peers: StartedPeer[] = [];
    const dir = (i: number) => join(root.path, `peer-${i}`);
    const memDir = (i: number) => join(memRoot?.path ?? root.path, `mem-${i}`);
    const tierArgs = (i: number) => {
      if (!tiers) return [];
      mkdirSync(memDir(i), { recursive: true });
      mkdirSync(join(root.path, `hdd-${i}`), { recursive: true });
      return ["--tier", `MEM:${memDir(i)}:${memTierMiB}MiB`, "--tier", `HDD:${join(root.path, `hdd-${i}`)}:${hddTierMiB}MiB`];
    };
    out(`  MEM tiers in ${memRoot ? "/dev/shm (tmpfs)" : "the temp dir (no /dev/shm here)"}, HDD tiers in the temp dir`);
    const env = { TESSERA_LOG: "warn" };
    peers.push(await processes.start(["--data-dir", dir(0), "--listen", LOOPBACK, "--http", "127.0.0.1:0", ...TIMINGS, ...tierArgs(0)], env));
    const swarmKeyPath = join(dir(0), "swarm.key");
    for (let i = 1; i < 3; i++) peers.push(await processes.start(["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--join", peers[0]!.addresses[0]!, "--swarm-key", swarmKeyPath, ...TIMINGS, ...tierArgs(i)], env));
    const swarmKey = decodeSwarmKey(await Bun.file(swarmKeyPath).text());
    const cluster = await connect({ join: peers.map((peer) => peer.addresses[0]!), swarmKey });
    client = cluster;
    await waitFor("3 live peers", CLUSTER_FORM_TIMEOUT_MS, async () => ((await cluster.admin.report()).livePeers === 3 ? true : undefined));
    const pids = () => peers.map((peer) => peer.process.pid);
    await cluster.fs.mount("/bench", "s3://bench", {
      options: { endpoint: s3rver.endpoint, path_style: "true", access_key: s3rver.credentials.accessKeyId, secret_key: s3rver.credentials.secretAccessKey },
      syncIntervalMs: -1,
    });
    const fs = cluster.fs;
    out();
    out("reads of the first data set (all files, each checked):");

    const direct = await timedReads(
      "S3 direct (@aws-sdk/client-s3)",
      pids,
      async (i) => {
        const got = await s3rver.client.send(new GetObjectCommand({ Bucket: "bench", Key: name("data", i) }));
        return got.Body!.transformToByteArray();
      },
      hashes.data,
    );
    const cold = await timedReads("cold through Tessera", pids, (i) => readAll(fs, `/bench/${name("data", i)}`), hashes.data);
    out(`    now ${await shareText(fs, "data")}`);
    const warmMem = await timedReads("warm through Tessera (MEM)", pids, (i) => readAll(fs, `/bench/${name("data", i)}`), hashes.data);
    const coldSecond = await timedReads("cold, second data set", pids, (i) => readAll(fs, `/bench/${name("data2", i)}`), hashes.data2);
    out(`    first set now ${await shareText(fs, "data")}`);
    const warmDisk = await timedReads("warm through Tessera (after push-down)", pids, (i) => readAll(fs, `/bench/${name("data", i)}`), hashes.data);
    out();
    out(`  cold / S3 direct:        ${times(cold.seconds, direct.seconds)} the time`);
    out(`  S3 direct / warm (MEM):  ${times(direct.seconds, warmMem.seconds)} faster warm (the seed's claim: many times)`);
    out(`  S3 direct / warm (disk): ${times(direct.seconds, warmDisk.seconds)} faster warm`);
    out(`  (second set cold: ${mbps(coldSecond.bytes, coldSecond.seconds)})`);

    if (!flag("skip-jobs")) {
      out();
      out("word count over the mount (examples/wordcount.ts, 3 reducers):");
      await fs.free("/bench/data");
      try {
        const wcCold = await wordCount(cluster, "/bench/data", "/out/wc-cold", counts);
        out(`  cold  ${secs(wcCold.seconds).padStart(9)}  ${mbps(sizeBytes, wcCold.seconds).padStart(12)}  ${wcCold.exact ? "counts exact" : `WRONG (${wcCold.state})`}`);
        const wcWarm = await wordCount(cluster, "/bench/data", "/out/wc-warm", counts);
        out(`  warm  ${secs(wcWarm.seconds).padStart(9)}  ${mbps(sizeBytes, wcWarm.seconds).padStart(12)}  ${wcWarm.exact ? "counts exact" : `WRONG (${wcWarm.state})`}`);
        out(`  cold / warm: ${times(wcCold.seconds, wcWarm.seconds)}`);
      } catch (err) {
        out(`  FAILED: ${(err as Error).message}`);
      }
    }

    out();
    out(`training-style read: every file once per epoch in a random order, ${epochs} epochs from cold:`);
    await fs.free("/bench/data");
    const order = random(SEED ^ 0xe90c);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const shuffled = Array.from({ length: files }, (_, i) => i);
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(order() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      // The bytes already cached when each file is read (its stat just before), and the tiers' own counters.
      let cachedBefore = 0;
      const countersBefore = await hitsAndMisses(cluster);
      const result = await timedReads(
        `epoch ${epoch}`,
        pids,
        async (i) => {
          cachedBefore += cacheShare(await fs.stat(`/bench/${name("data", i)}`)).cachedBytes;
          return readAll(fs, `/bench/${name("data", i)}`);
        },
        hashes.data,
        shuffled,
      );
      const countersAfter = await hitsAndMisses(cluster);
      const hits = countersAfter.hits - countersBefore.hits;
      const misses = countersAfter.misses - countersBefore.misses;
      const byteRate = cachedBefore / Math.max(1, result.bytes);
      const counted = hits + misses > 0;
      const hitRate = counted ? hits / (hits + misses) : byteRate;
      const claim = epoch === 2 ? ` (claim: above ${pct(SECOND_EPOCH_HIT_RATE_CLAIM)}: ${hitRate > SECOND_EPOCH_HIT_RATE_CLAIM ? "met" : "missed"})` : "";
      out(`    hit rate ${pct(hitRate)}${counted ? ` (tiers: ${hits} hits, ${misses} misses)` : " (no tiers: bytes cached before each read)"}${claim}; bytes cached before each read ${pct(byteRate)}`);
    }

    out();
    out("warm local read from inside a peer (a fourth peer in this process, its data dir as its cache):");
    await fs.free("/bench/data");
    const inside = await startPeer({ dataDir: join(root.path, "inside"), listen: [LOOPBACK], http: false, join: [peers[0]!.addresses[0]!], swarmKey }).catch((err: Error) => {
      out(`  FAILED to start the peer: ${err.message}`);
      return undefined;
    });
    if (inside) {
      try {
        await waitFor("4 live peers", CLUSTER_FORM_TIMEOUT_MS, async () => ((await cluster.admin.report()).livePeers === 4 ? true : undefined));
        const localCold = await timedReads("cold, filled into its own store", pids, (i) => readAll(inside.fs, `/bench/${name("data", i)}`), hashes.data);
        const localWarm = await timedReads("warm, from its own disk", pids, (i) => readAll(inside.fs, `/bench/${name("data", i)}`), hashes.data);
        out(`  read locally: ${mib(inside.fs.readCounters.localBytes)}, over the network: ${mib(inside.fs.readCounters.remoteBytes)}`);
        out(`  S3 direct / warm local: ${times(direct.seconds, localWarm.seconds)} faster; cold / warm local: ${times(localCold.seconds, localWarm.seconds)}`);
      } finally {
        await inside.stop();
      }
    }
  } finally {
    await client?.close();
    await processes.stopAll();
    await s3rver.remove();
    if (!flag("keep")) {
      root.remove();
      memRoot?.remove();
    }
    else out(`kept ${root.path}`);
  }
}

try {
  await main();
} catch (err) {
  out(`bench/cache could not run: ${(err as Error).message}`);
}
process.exit(0);
