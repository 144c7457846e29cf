// Throughput of the chunk data path: pipelined writes at replication 3 and 1, remote reads
// and local reads, beside raw disk write+fsync and one raw encrypted libp2p stream measured in
// the same run on the same machine.
//
//   bun run bench/pipeline.ts [--total-mib 1024] [--chunk-mib 64] [--parallel 1] [--packet-kib 512] [--window 16]
//
// Three chunk servers run as separate Bun processes (this file with --role server), each with
// a DiskChunkStore in its own temporary folder and a DataService; this process is the client
// (a host with no store). Goals of the file system: replication-3 writes >= 200 MB/s, remote
// reads >= 600 MB/s, local reads >= 1.5 GB/s. The bench prints figures and always exits 0: a
// slow or loaded machine gives smaller numbers, not a failure.
import { spawn, type Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import type { Stream } from "@libp2p/interface";
import { createClientHost, createHost, type TesseraHost } from "../src/net/host.ts";
import { DataService } from "../src/chunk/transfer/data-service.ts";
import { DiskChunkStore } from "../src/chunk/store/disk-store.ts";
import { writeChunk } from "../src/chunk/transfer/write-pipeline.ts";
import { openChunkRead, openChunkReadLocal } from "../src/chunk/transfer/read-protocol.ts";
import { sendData } from "../src/net/frames.ts";
import { createLogger, setLogLevel } from "../src/util/log.ts";

const SINK_PROTOCOL = "/tessera-bench/sink/1";
// A fixed key: the bench measures speed, not secrecy.
const BENCH_SWARM_KEY = new Uint8Array(32).fill(7);
const SERVERS = 3;
const WRITE_BYTES = 1024 * 1024;
const SECTION_TIMEOUT_MS = 600_000;
const MiB = 1024 * 1024;

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

// Kernel time and minor page faults: fresh memory per byte shows up here, not as user time.
function kernelUsage(): { sysSeconds: number; pageFaults: number } {
  const usage = process.resourceUsage();
  return { sysSeconds: usage.systemCPUTime / 1e6, pageFaults: usage.minorPageFault };
}

// ---- chunk server (child process) ----

async function runServer(): Promise<void> {
  setLogLevel("warn");
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-chunks-"));
  const host = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: BENCH_SWARM_KEY, listenAddrs: ["/ip4/127.0.0.1/tcp/0"] });
  const store = await DiskChunkStore.open(join(dir, "chunks"));
  const service = new DataService({ host, store, log: createLogger("bench-server") });
  await service.start();
  // The raw-stream baseline: count bytes, answer one byte at the end.
  await host.handle(SINK_PROTOCOL, async (stream: Stream) => {
    let received = 0;
    for await (const piece of stream) received += piece.byteLength;
    stream.send(new Uint8Array([received % 251]));
    await stream.close();
  });
  // Peers learn each other's addresses from the parent (membership would in a real cluster).
  const lines = readLines(Bun.stdin.stream());
  process.stdout.write(JSON.stringify({ id: host.peerId.toString(), addrs: host.getMultiaddrs().map(String), root: join(dir, "chunks") }) + "\n");
  for await (const line of lines) {
    const message = JSON.parse(line) as { peers?: Array<{ id: string; addrs: string[] }>; cpu?: boolean };
    if (message.peers) {
      for (const peer of message.peers) if (peer.id !== host.peerId.toString()) await host.peerStore.merge(peerIdFromString(peer.id), { multiaddrs: peer.addrs.map((a) => multiaddr(a)) });
      process.stdout.write(JSON.stringify({ ok: true }) + "\n");
    }
    if (message.cpu) process.stdout.write(JSON.stringify({ cpuSeconds: cpuSeconds(), ...kernelUsage() }) + "\n");
  }
  await service.stop();
  await host.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const piece of stream) {
    buffered += decoder.decode(piece, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
}

// ---- client (parent) ----

interface Server {
  process: Subprocess<"pipe", "pipe", "inherit">;
  lines: AsyncGenerator<string>;
  id: string;
  addrs: string[];
  root: string;
}

async function startServer(): Promise<Server> {
  // BENCH_PIPELINE_SERVER_FLAGS passes Bun flags to the servers, e.g. "--cpu-prof-md".
  const serverFlags = (process.env.BENCH_PIPELINE_SERVER_FLAGS ?? "").split(" ").filter((flag) => flag.length > 0);
  const child = spawn({ cmd: [process.execPath, ...serverFlags, import.meta.path, "--role", "server"], stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const lines = readLines(child.stdout);
  const first = await lines.next();
  const info = JSON.parse(first.value as string) as { id: string; addrs: string[]; root: string };
  return { process: child, lines, ...info };
}

async function ask(server: Server, message: object): Promise<Record<string, unknown>> {
  server.process.stdin.write(JSON.stringify(message) + "\n");
  await server.process.stdin.flush();
  return JSON.parse((await server.lines.next()).value as string) as Record<string, unknown>;
}

function pattern(sizeBytes: number): Uint8Array {
  const out = new Uint8Array(sizeBytes);
  const words = new Uint32Array(out.buffer);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return out;
}

function chunkIdOf(run: number, index: number): string {
  return (run * 0x10000 + index).toString(16).padStart(16, "0");
}

interface Figure {
  name: string;
  bytes: number;
  seconds: number;
  clientCpuSeconds: number;
  serverCpuSeconds?: number;
  clientSysSeconds: number;
  serverSysSeconds: number;
  clientPageFaults: number;
  serverPageFaults: number;
  note?: string;
}

const figures: Figure[] = [];

// --only raw-disk,raw-stream,rep3,rep1,remote,remote3,local: run only these sections (the
// reads need the replication-3 write, which always runs when a read is asked for).
const ONLY = (() => {
  const index = process.argv.indexOf("--only");
  return index >= 0 ? new Set(process.argv[index + 1]!.split(",")) : undefined;
})();
function wanted(section: string): boolean {
  return ONLY === undefined || ONLY.has(section);
}

async function measure(name: string, bytes: number, servers: Server[], body: () => Promise<void>, note?: string): Promise<void> {
  const serverBefore = await Promise.all(servers.map((server) => ask(server, { cpu: true })));
  const cpuBefore = cpuSeconds();
  const kernelBefore = kernelUsage();
  const started = performance.now();
  try {
    await Promise.race([body(), new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${SECTION_TIMEOUT_MS} ms`)), SECTION_TIMEOUT_MS).unref())]);
  } catch (err) {
    process.stdout.write(`${name.padEnd(44)} FAILED: ${(err as Error).message}\n`);
    return;
  }
  const seconds = (performance.now() - started) / 1000;
  const clientCpuSeconds = cpuSeconds() - cpuBefore;
  const kernelAfter = kernelUsage();
  const serverAfter = await Promise.all(servers.map((server) => ask(server, { cpu: true })));
  const serverDelta = (key: string) => serverAfter.reduce((sum, after, i) => sum + Number(after[key]) - Number(serverBefore[i]![key]), 0);
  const figure: Figure = {
    name, bytes, seconds, clientCpuSeconds, serverCpuSeconds: servers.length > 0 ? serverDelta("cpuSeconds") : undefined,
    clientSysSeconds: kernelAfter.sysSeconds - kernelBefore.sysSeconds, serverSysSeconds: serverDelta("sysSeconds"),
    clientPageFaults: kernelAfter.pageFaults - kernelBefore.pageFaults, serverPageFaults: serverDelta("pageFaults"), note,
  };
  figures.push(figure);
  print(figure);
}

function print(figure: Figure): void {
  const mbps = figure.bytes / 1e6 / figure.seconds;
  const gib = figure.bytes / 2 ** 30;
  const cpu = `client ${(figure.clientCpuSeconds / gib).toFixed(2)}${figure.serverCpuSeconds !== undefined ? ` + servers ${(figure.serverCpuSeconds / gib).toFixed(2)}` : ""} CPU s/GiB`;
  // Of that CPU, kernel time and minor page faults per GiB (client / servers summed).
  const kernel = `sys ${(figure.clientSysSeconds / gib).toFixed(2)} / ${(figure.serverSysSeconds / gib).toFixed(2)}, faults/GiB ${Math.round(figure.clientPageFaults / gib)} / ${Math.round(figure.serverPageFaults / gib)}`;
  process.stdout.write(`${figure.name.padEnd(44)} ${mbps.toFixed(0).padStart(6)} MB/s  ${figure.seconds.toFixed(2).padStart(6)} s  ${cpu}  [${kernel}]${figure.note ? `  (${figure.note})` : ""}\n`);
}

async function rawDisk(totalBytes: number, chunkBytes: number, buffer: Uint8Array): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-raw-"));
  try {
    for (let index = 0; index * chunkBytes < totalBytes; index++) {
      const handle = await open(join(dir, `raw-${index}`), "w");
      for (let offset = 0; offset < chunkBytes; offset += WRITE_BYTES) await handle.write(buffer, offset, WRITE_BYTES, offset);
      await handle.datasync();
      await handle.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rawStream(host: TesseraHost, server: Server, totalBytes: number, buffer: Uint8Array): Promise<void> {
  const stream = await host.dialProtocol(peerIdFromString(server.id), SINK_PROTOCOL);
  const answer = (async () => {
    for await (const piece of stream) return piece;
    return undefined;
  })();
  for (let sent = 0; sent < totalBytes; sent += WRITE_BYTES) await sendData(stream, buffer.subarray(sent % buffer.length, (sent % buffer.length) + WRITE_BYTES), 60_000);
  await stream.close();
  await answer;
}

async function runClient(): Promise<void> {
  setLogLevel("warn");
  const totalBytes = arg("total-mib", 1024) * MiB;
  const chunkBytes = arg("chunk-mib", 64) * MiB;
  const parallel = arg("parallel", 1);
  const packetBytes = arg("packet-kib", 512) * 1024;
  const windowPackets = arg("window", 16);
  const chunks = Math.ceil(totalBytes / chunkBytes);
  process.stdout.write(`chunk data path: ${chunks} chunks of ${chunkBytes / MiB} MiB (${(chunks * chunkBytes) / MiB} MiB), ${SERVERS} chunk servers as separate processes, DiskChunkStore in ${tmpdir()}, packets ${packetBytes / 1024} KiB, window ${windowPackets}, ${parallel} chunk(s) at a time\n`);
  const servers: Server[] = [];
  let host: TesseraHost | undefined;
  try {
    for (let i = 0; i < SERVERS; i++) servers.push(await startServer());
    const peers = servers.map((server) => ({ id: server.id, addrs: server.addrs }));
    for (const server of servers) await ask(server, { peers });
    host = await createClientHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: BENCH_SWARM_KEY, listenAddrs: [] });
    for (const server of servers) await host.peerStore.merge(peerIdFromString(server.id), { multiaddrs: server.addrs.map((a) => multiaddr(a)) });
    const client = host;
    const data = pattern(chunkBytes);
    const bytes = chunks * chunkBytes;

    if (wanted("raw-disk")) await measure("raw disk: write + fdatasync, 1 MiB writes", bytes, [], () => rawDisk(bytes, chunkBytes, data));
    if (wanted("raw-stream")) await measure("raw libp2p stream (encrypted), 1 process->1", bytes, servers, () => rawStream(client, servers[0]!, bytes, data));
    const reads = wanted("remote") || wanted("remote3") || wanted("local");

    const runInParallel = async (work: (index: number) => Promise<void>): Promise<void> => {
      let next = 0;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < chunks) await work(next++);
        }),
      );
    };
    for (const [run, replication] of [[1, 3], [2, 1]] as const) {
      if (!wanted(`rep${replication}`) && !(replication === 3 && reads)) continue;
      await measure(`pipelined write, replication ${replication}`, bytes, servers, () =>
        runInParallel(async (index) => {
          // Rotate the pipeline order so every server is first, middle and last in turn.
          const targets = Array.from({ length: replication }, (_, k) => servers[(index + k) % SERVERS]!.id);
          const result = await writeChunk(client, { chunkId: chunkIdOf(run, index), version: 1, targets, data, expectedSizeBytes: chunkBytes, packetBytes, windowPackets });
          if (result.replicas.length !== replication || result.sizeBytes !== chunkBytes) throw new Error("short write");
        }),
      );
    }
    if (wanted("remote")) await measure("remote read (verified), 1 chunk at a time", bytes, servers, () =>
      runInParallel(async (index) => {
        const read = await openChunkRead(client, servers[index % SERVERS]!.id, { chunkId: chunkIdOf(1, index), version: 1, offsetBytes: 0, lengthBytes: chunkBytes });
        let received = 0;
        for await (const piece of read) received += piece.length;
        if (received !== chunkBytes) throw new Error(`short read: ${received}`);
      }),
    );
    const savedParallel = parallel;
    if (wanted("remote3")) await measure(`remote read (verified), ${SERVERS} servers at once`, bytes, servers, async () => {
      let next = 0;
      await Promise.all(
        servers.map(async (server, s) => {
          while (next < chunks) {
            const index = next++;
            const read = await openChunkRead(client, servers[(index + s) % SERVERS]!.id, { chunkId: chunkIdOf(1, index), version: 1, offsetBytes: 0, lengthBytes: chunkBytes });
            for await (const _ of read) {
              // count nothing: the verifier already checked every block
            }
          }
          void server;
        }),
      );
    });
    void savedParallel;
    // The local fast path, as a reader on the server's own peer would use it: this process
    // opens server 0's store folder (read only) and reads the replicas it holds.
    const local = await DiskChunkStore.open(servers[0]!.root);
    const held: number[] = [];
    for (let index = 0; index < chunks; index++) if (local.stat(chunkIdOf(1, index))) held.push(index);
    if (wanted("local")) await measure("local read (verified), page cache warm", held.length * chunkBytes, [], async () => {
      for (const index of held) {
        const read = await openChunkReadLocal(local, { chunkId: chunkIdOf(1, index), version: 1, offsetBytes: 0, lengthBytes: chunkBytes });
        for await (const _ of read) {
          // verified as it streams
        }
      }
    });
    await local.close();
    process.stdout.write("goals: replication-3 write >= 200 MB/s, remote read >= 600 MB/s, local read >= 1500 MB/s\n");
  } catch (err) {
    process.stdout.write(`bench setup failed: ${(err as Error).message}\n`);
  } finally {
    await host?.stop();
    for (const server of servers) {
      server.process.stdin.end();
      const exited = await Promise.race([server.process.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000))]);
      if (!exited) server.process.kill();
    }
  }
  process.exit(0);
}

if (process.argv.includes("--role")) await runServer();
else await runClient();
