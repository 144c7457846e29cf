// bench/s3: the S3 gateway beside the file system's own client, in the same run.
//
//   bun run bench/s3.ts [--size-mib 1024] [--seconds 5] [--object-kib 4] [--binary PATH]
//
// A cluster of three peers of dist/tessera on loopback and `tessera gateway s3` as a separate
// client process (as `weed s3` or `juicefs gateway` run). Figures:
//   1. a file of --size-mib: `tessera fs put` and `fs get` (the references), then the same bytes
//      through the gateway with @aws-sdk/client-s3 at its defaults (CRC32 checksums on): one
//      PutObject of a stream, lib-storage's Upload in 8 MiB parts 4 at a time, and a GetObject
//      streamed to a file; the ratio to the reference (goal: at least 0.8× each), the gateway's
//      CPU per GiB and its peak RSS;
//   2. objects of --object-kib with 16 and 64 concurrent clients for --seconds each: the file
//      system's own client putting files of that size (the reference), then PUT and GET of the
//      objects through the gateway, ops/s with p50 and p99, and the gateway's CPU per operation,
//      beside SeaweedFS's published 1 KB figures (15,708 writes/s and 47,019 reads/s at
//      concurrency 16 on a laptop SSD; a different machine, so a bearing, not a race).
// The bench never fails on a slow machine: it prints what it measured.
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { GetObjectCommand, PutObjectCommand, S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import {
  MiB,
  binaryArg,
  binaryText,
  clusterText,
  int,
  makeTempDir,
  ms,
  numberArg,
  out,
  pattern,
  percentile,
  processCpuSeconds,
  runBench,
  startCluster,
  track,
  drainStderr,
  readLines,
  connectPaced,
  watchRss,
  withTimeout,
} from "./support.ts";

const RACKS = ["/r1", "/r1", "/r2"];
const SIZE_MIB_DEFAULT = 1024;
const SECONDS_DEFAULT = 5;
const OBJECT_KIB_DEFAULT = 4;
const CONCURRENCIES = [16, 64];
const PART_BYTES = 8 * MiB;
const PARTS_IN_FLIGHT = 4;
const GATEWAY_START_TIMEOUT_MS = 20_000;
const PHASE_TIMEOUT_MS = 600_000;
const GOAL_RATIO = 0.8;
const SEAWEEDFS = { puts: 15_708, gets: 47_019 };
const BUCKET = "bench";
const GiB = 1024 * MiB;

interface Timed {
  seconds: number;
  gatewayCpuSeconds: number;
}

async function main(): Promise<void> {
  const sizeBytes = numberArg("size-mib", SIZE_MIB_DEFAULT, 1) * MiB;
  const seconds = numberArg("seconds", SECONDS_DEFAULT, 0.1);
  const objectBytes = Math.floor(numberArg("object-kib", OBJECT_KIB_DEFAULT, 0) * 1024);
  const binary = binaryArg(import.meta.dir);
  if (!binary) return;
  const root = makeTempDir("s3-bench");
  out(`s3: a ${sizeBytes / MiB} MiB object; ${objectBytes} B objects for ${seconds} s at each of ${CONCURRENCIES.join(" and ")} clients; data dirs in ${root}`);
  out(binaryText(binary));

  const cluster = await startCluster(binary, root, RACKS);
  out(clusterText(cluster, RACKS));
  const env = { ...process.env, TESSERA_JOIN: cluster.peers.map((peer) => peer.address).join(","), TESSERA_SWARM_KEY: cluster.swarmKeyPath, TESSERA_LOG: "warn" };
  const cli = async (args: string[]) => {
    const child = Bun.spawn([binary, ...args], { env, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`tessera ${args.join(" ")} failed: ${stderr.trim()}`);
    return stdout;
  };

  // The gateway: a client process of the cluster, on a port of its own choosing.
  const gateway = track(Bun.spawn([binary, "gateway", "s3", "--listen", "127.0.0.1:0", "--json", "--join", cluster.leader.address, "--swarm-key", cluster.swarmKeyPath], { env: { ...env, MIMALLOC_PURGE_DELAY: "-1" }, stdout: "pipe", stderr: "pipe" }));
  const gatewayStderr = drainStderr(gateway.stderr);
  const gatewayLines = readLines(gateway.stdout);
  const first = await withTimeout("the gateway to start", GATEWAY_START_TIMEOUT_MS, gatewayLines.next());
  if (first.done) throw new Error(`the gateway exited: ${gatewayStderr.join("").trim().slice(-300)}`);
  const endpoint = (JSON.parse(first.value) as { s3: string }).s3.replace(/\/$/, "");
  const made = JSON.parse(await cli(["s3", "keys", "create", "--name", "bench", "--json"])) as { accessKeyId: string; secret: string };
  const key = { accessKeyId: made.accessKeyId, secretAccessKey: made.secret };
  const client = (maxSockets: number) =>
    new S3Client({
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: key,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets }) },
    });
  const s3 = client(PARTS_IN_FLIGHT * 2);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const gatewayCpu = () => processCpuSeconds(gateway.pid);
  const timed = async (body: () => Promise<unknown>): Promise<Timed> => {
    const cpuBefore = gatewayCpu();
    const started = performance.now();
    await withTimeout("a phase", PHASE_TIMEOUT_MS, body());
    return { seconds: (performance.now() - started) / 1000, gatewayCpuSeconds: gatewayCpu() - cpuBefore };
  };
  out();

  // 1. the large object
  const local = join(root, "object.bin");
  const data = pattern(sizeBytes, 0x53);
  writeFileSync(local, data);
  const expectedCrc = crc32(data);
  const mbps = (t: Timed) => sizeBytes / 1e6 / t.seconds;
  const line = (label: string, t: Timed, reference?: Timed, note = "") =>
    out(`  ${label.padEnd(52)} ${int(mbps(t)).padStart(6)} MB/s  ${t.seconds.toFixed(2)} s${reference ? `  ${(mbps(t) / mbps(reference)).toFixed(2)}× the reference (${mbps(t) / mbps(reference) >= GOAL_RATIO ? "goal met" : "goal missed"})` : ""}${note}`);
  const gatewayNote = (t: Timed, rssBytes: number) => `  gateway ${(t.gatewayCpuSeconds / (sizeBytes / GiB)).toFixed(2)} CPU-s/GiB, peak RSS ${int(rssBytes / MiB)} MiB`;
  out(`${sizeBytes / MiB} MiB object, replication 3 (the cluster's default) for both`);
  const refPut = await timed(() => cli(["fs", "put", local, "/reference.bin"]));
  line("reference: tessera fs put", refPut);
  const refGetPath = join(root, "reference-get.bin");
  const refGet = await timed(() => cli(["fs", "get", "/reference.bin", refGetPath]));
  line("reference: tessera fs get", refGet, undefined, crc32(readFileSync(refGetPath)) === expectedCrc ? "" : "  WRONG BYTES");

  let rss = watchRss(gateway.pid);
  const put = await timed(() => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "object.bin", Body: createReadStream(local), ContentLength: sizeBytes })));
  line("S3 PutObject of a stream (SDK defaults)", put, refPut, gatewayNote(put, rss.stop()));
  rss = watchRss(gateway.pid);
  const upload = await timed(() => new Upload({ client: s3, params: { Bucket: BUCKET, Key: "multipart.bin", Body: createReadStream(local) }, partSize: PART_BYTES, queueSize: PARTS_IN_FLIGHT }).done());
  line(`S3 Upload, ${PART_BYTES / MiB} MiB parts ${PARTS_IN_FLIGHT} at a time`, upload, refPut, gatewayNote(upload, rss.stop()));
  const getPath = join(root, "s3-get.bin");
  rss = watchRss(gateway.pid);
  const get = await timed(async () => {
    const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "object.bin" }));
    await pipeline(answer.Body as Readable, createWriteStream(getPath));
  });
  line("S3 GetObject streamed to a file", get, refGet, `${gatewayNote(get, rss.stop())}${crc32(readFileSync(getPath)) === expectedCrc ? "" : "  WRONG BYTES"}`);
  out();

  // 2. small objects
  out(`${objectBytes} B objects: ops/s (p50, p99 ms), gateway CPU per op; SeaweedFS publishes ${int(SEAWEEDFS.puts)} PUT/s and ${int(SEAWEEDFS.gets)} GET/s of 1 KB at 16 (laptop SSD)`);
  const body = pattern(objectBytes, 7);
  const native = await connectPaced(cluster.leader.address, cluster.swarmKey);
  await native.fs.mkdir("/native", { parents: true });
  for (const concurrency of CONCURRENCIES) {
    // The reference: the file system's own client in this process, the same concurrency.
    const nativePaths: string[] = [];
    const nativePut = await closedLoop(concurrency, seconds, gatewayCpu, async (worker, i) => {
      const path = `/native/c${concurrency}-w${worker}-o${i}`;
      await native.fs.put(body, path);
      nativePaths.push(path);
    });
    out(`  ${String(concurrency).padStart(2)} clients  fs.put (reference, FileSystemClient in this process) ${runText(nativePut).replace(/  gateway .*CPU-ms\/op/, "")}`);
    const many = client(concurrency);
    const written: string[] = [];
    const putRun = await closedLoop(concurrency, seconds, gatewayCpu, async (worker, i) => {
      const objectKey = `small/c${concurrency}/w${worker}/o${i}`;
      await many.send(new PutObjectCommand({ Bucket: BUCKET, Key: objectKey, Body: body }));
      written.push(objectKey);
    });
    out(`  ${String(concurrency).padStart(2)} clients  PUT ${runText(putRun)}  (${(putRun.opsPerSecond / nativePut.opsPerSecond).toFixed(2)}× fs.put, ${(putRun.opsPerSecond / SEAWEEDFS.puts).toFixed(2)}× SeaweedFS's published rate)`);
    const nativeGet = await closedLoop(concurrency, seconds, gatewayCpu, async (worker, i) => {
      const bytes = await native.fs.readFile(nativePaths[(worker * 7919 + i) % nativePaths.length]!);
      if (bytes.byteLength !== objectBytes) throw new Error(`a read answered ${bytes.byteLength} bytes, not ${objectBytes}`);
    });
    out(`  ${String(concurrency).padStart(2)} clients  fs.readFile (reference) ${runText(nativeGet).replace(/  gateway .*CPU-ms\/op/, "")}`);
    const getRun = await closedLoop(concurrency, seconds, gatewayCpu, async (worker, i) => {
      const objectKey = written[(worker * 7919 + i) % written.length]!;
      const answer = await many.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey }));
      const bytes = await answer.Body!.transformToByteArray();
      if (bytes.byteLength !== objectBytes) throw new Error(`GET ${objectKey} answered ${bytes.byteLength} bytes, not ${objectBytes}`);
    });
    out(`  ${String(concurrency).padStart(2)} clients  GET ${runText(getRun)}  (${(getRun.opsPerSecond / nativeGet.opsPerSecond).toFixed(2)}× fs.readFile, ${(getRun.opsPerSecond / SEAWEEDFS.gets).toFixed(2)}× SeaweedFS's published rate)`);
    many.destroy();
  }
  s3.destroy();
}

interface LoopRun {
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  gatewayCpuMsPerOp: number;
}

/** `concurrency` workers each doing one operation after another for `seconds`. */
async function closedLoop(concurrency: number, seconds: number, gatewayCpu: () => number, op: (worker: number, i: number) => Promise<void>): Promise<LoopRun> {
  const latenciesMs: number[] = [];
  let errors = 0;
  const cpuBefore = gatewayCpu();
  const started = performance.now();
  const endMs = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < endMs; i++) {
        const opStarted = performance.now();
        try {
          await op(worker, i);
          latenciesMs.push(performance.now() - opStarted);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  latenciesMs.sort((a, b) => a - b);
  const ops = latenciesMs.length;
  return { opsPerSecond: ops / elapsedSeconds, p50Ms: percentile(latenciesMs, 0.5), p99Ms: percentile(latenciesMs, 0.99), errors, gatewayCpuMsPerOp: ops ? ((gatewayCpu() - cpuBefore) * 1000) / ops : NaN };
}

const runText = (run: LoopRun) => `${int(run.opsPerSecond).padStart(6)} ops/s  p50 ${ms(run.p50Ms)} ms  p99 ${ms(run.p99Ms)} ms  gateway ${ms(run.gatewayCpuMsPerOp)} CPU-ms/op${run.errors ? `  ${run.errors} errors` : ""}`;

await runBench(main);
