// The file system end to end (issue 4), TestDFSIO-style: three peers as three processes of
// dist/tessera on loopback (racks /r1, /r1, /r2) and a client process (this one), printed beside
// limits measured in the same run on the same machine.
//
//   bun run bench/dfsio.ts [--size-mib N] [--files N] [--seconds N] [--repeat N]
//                          [--chunk-mib N] [--meta-connections N] [--binary PATH]
//
// It measures, in one run:
//   1. references: raw disk write (8 MiB writes, then one fsync) and read of the same file;
//      raw TCP over loopback (Bun.listen / Bun.connect, one stream, to a child process); and,
//      as an extra, one encrypted libp2p stream (Tessera's transport) to the same child;
//   2. data: write and read throughput of --files files of --size-mib MiB (default one file
//      of 1 GiB, 64 MiB chunks) at replication 1 and 3: remote (this process, a client that
//      is not a peer, talking to the leader) and local (a client inside a fourth peer, a
//      Bun process of this file running startPeer, that writes the file itself, so placement
//      puts the first replica of every chunk on it, and then reads it from its own disk);
//   3. metadata: create+close of empty files, mkdir and stat, with 1 and 16 concurrent
//      workers, pointed at the leader; then create and stat with 16 workers through a
//      follower, which forwards every request to the leader.
// Data and metadata phases run --repeat times and the medians are reported. Each phase also
// reports the CPU the peers, this client and the rest of the machine used. It prints figures
// and always exits 0: a slow or shared machine gives smaller numbers, not a failure.
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { crc32 } from "node:zlib";
import type { Subprocess } from "bun";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import type { Stream } from "@libp2p/interface";
import { connect, type ClusterClient } from "../src/client/cluster.ts";
import type { StatView } from "../src/client/fs.ts";
import { createClientHost, createHost } from "../src/net/host.ts";
import { sendData } from "../src/net/frames.ts";
import { decodeSwarmKey } from "../src/net/swarm-key.ts";
import { startPeer, type Peer as EmbeddedPeer } from "../src/peer/peer.ts";
import { setLogLevel } from "../src/util/log.ts";

const MiB = 1024 * 1024;
const SIZE_MIB_DEFAULT = 1024;
const FILES_DEFAULT = 1;
const SECONDS_DEFAULT = 5;
const REPEAT_DEFAULT = 3;
const CHUNK_MIB_DEFAULT = 64;
// 16 metadata workers share this many client connections (libp2p hosts) to the entry peer:
// the meta protocol admits 64 inbound streams per connection, so 4 each is far from the limit.
const META_CONNECTIONS_DEFAULT = 4;
const META_WORKERS = [1, 16];
const META_WARMUP_MS = 500;
// The raw disk reference writes in pieces of this size (issue 4: 4–8 MiB), then fsyncs once.
const DISK_WRITE_BYTES = 8 * MiB;
const TCP_WRITE_BYTES = 1 * MiB;
const RACKS = ["/r1", "/r1", "/r2"];
const LOCAL_PEER_RACK = "/r1";
const PHASE_TIMEOUT_MS = 600_000;
const CLUSTER_FORM_TIMEOUT_MS = 60_000;
const PEER_START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ, the unit of /proc/<pid>/stat times.
// libp2p refuses more than 5 inbound connections per second from one IP address
// (connectionManager.inboundConnectionThreshold), and everything here comes from 127.0.0.1.
const CONNECT_INTERVAL_MS = 300;
const SINK_PROTOCOL = "/tessera-bench/sink/1";
// A fixed key for the transport reference: the bench measures speed, not secrecy.
const SINK_SWARM_KEY = new Uint8Array(32).fill(7);

const REFERENCE_MOOSEFS = "MooseFS 3.0 (C, FUSE), 3 chunk servers, this machine: 34 MB/s writes at 3 copies, 466 MB/s at 1, reads about 200 MB/s, 1,818 creates/s, 6,497 stats/s; disk 1,072 MB/s with fsync";
const MOOSEFS = { write3: 34, write1: 466, read: 200, creates: 1_818, stats: 6_497 };
const GOAL = { write3MBps: 200, remoteReadMBps: 600, localReadMBps: 1_500, creates16: 5_000 };

// ---- arguments ----

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function numberArg(name: string, fallback: number, min: number): number {
  const text = arg(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number of at least ${min}, not "${text}"`);
    process.exit(2);
  }
  return value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withTimeout<T>(what: string, ms: number, body: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([body, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- statistics and formatting ----

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  return percentile([...values].filter(Number.isFinite).sort((a, b) => a - b), 0.5);
}

const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—");
const ms = (value: number) => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(2)) : "—");
const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : "—");
const goal = (met: boolean) => (met ? "goal met" : "goal missed");
const out = (line = "") => process.stdout.write(line + "\n");

/** A repeatable pseudo-random buffer (xorshift32): incompressible, cheap to make. */
function pattern(sizeBytes: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(sizeBytes / 4) * 4);
  const words = new Uint32Array(bytes.buffer);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return bytes.subarray(0, sizeBytes);
}

// ---- CPU accounting: who used the two cores during a phase ----

function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND; // utime + stime
  } catch {
    return NaN; // gone, or not Linux
  }
}

function machineBusySeconds(): number {
  try {
    const values = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = values[3]! + values[4]!; // idle + iowait
    return (values.reduce((sum, value) => sum + value, 0) - idle) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

interface CpuUse {
  peers: number;
  client: number;
  rest: number;
}

/** CPU seconds used while `body` ran: the peers (pids), this process, everything else. */
async function measuringCpu<T>(pids: () => number[], body: () => Promise<T>): Promise<{ value: T; cpu: CpuUse }> {
  const peersBefore = pids().map(processCpuSeconds);
  const selfBefore = selfCpuSeconds();
  const busyBefore = machineBusySeconds();
  const value = await body();
  const peers = pids().map(processCpuSeconds).reduce((sum, seconds, i) => sum + seconds - (peersBefore[i] ?? seconds), 0);
  const client = selfCpuSeconds() - selfBefore;
  return { value, cpu: { peers, client, rest: Math.max(0, machineBusySeconds() - busyBefore - peers - client) } };
}

const cpuText = (cpu: CpuUse) => `CPU s: peers ${cpu.peers.toFixed(1)}, client ${cpu.client.toFixed(1)}, rest of machine ${cpu.rest.toFixed(1)}`;

// ---- cleanup: every child process and temp folder, at the end, on error and on SIGINT ----

const children = new Set<Subprocess>();
const tempDirs = new Set<string>();
const openClients = new Set<ClusterClient>();

function track<T extends Subprocess>(child: T): T {
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

function makeTempDir(prefix: string): string {
  const path = mkdtempSync(join(tmpdir(), `tessera-dfsio-${prefix}-`));
  tempDirs.add(path);
  return path;
}

let cleanedUp = false;
async function cleanup(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  await Promise.all([...openClients].map((client) => withTimeout("closing a client", 3_000, client.close()).catch(() => {})));
  const running = [...children];
  for (const child of running) child.kill("SIGTERM");
  const timer = setTimeout(() => running.forEach((child) => child.kill("SIGKILL")), STOP_GRACE_MS);
  await Promise.all(running.map((child) => child.exited));
  clearTimeout(timer);
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function cleanupNow(): void {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

// ---- child processes: line-oriented JSON over stdin/stdout ----

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

interface Child {
  process: Subprocess<"pipe", "pipe", "pipe">;
  lines: AsyncGenerator<string>;
  stderrTail: string[];
}

function spawnChild(args: string[]): Child {
  const child = track(Bun.spawn([process.execPath, import.meta.path, ...args], { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, TESSERA_LOG: process.env.TESSERA_LOG ?? "warn" } }));
  const stderrTail = drainStderr(child.stderr);
  return { process: child, lines: readLines(child.stdout), stderrTail };
}

function drainStderr(stream: ReadableStream<Uint8Array>): string[] {
  const tail: string[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    for await (const piece of stream) {
      tail.push(decoder.decode(piece, { stream: true }));
      if (tail.length > 50) tail.shift();
    }
  })().catch(() => {});
  return tail;
}

async function ask<T>(child: Child, message: object, timeoutMs = PHASE_TIMEOUT_MS): Promise<T> {
  child.process.stdin.write(JSON.stringify(message) + "\n");
  await child.process.stdin.flush();
  const next = await withTimeout("a child's answer", timeoutMs, child.lines.next());
  if (next.done) throw new Error(`the child exited: ${child.stderrTail.join("").trim().slice(-500)}`);
  const answer = JSON.parse(next.value) as T & { error?: string };
  if (answer.error) throw new Error(answer.error);
  return answer;
}

function reply(message: object): void {
  process.stdout.write(JSON.stringify(message) + "\n");
}

// ---- child role: the sink of the transport references ----

async function runSink(): Promise<void> {
  setLogLevel("warn");
  let tcpReceived = 0;
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, data) {
        tcpReceived += data.length;
        // One byte back per GiB-sized run is not needed: the sender asks for the count.
        void socket;
      },
    },
  });
  const host = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: SINK_SWARM_KEY, listenAddrs: ["/ip4/127.0.0.1/tcp/0"] });
  await host.handle(SINK_PROTOCOL, async (stream: Stream) => {
    let received = 0;
    for await (const piece of stream) received += piece.byteLength;
    stream.send(new Uint8Array([received % 251]));
    await stream.close();
  });
  reply({ tcpPort: server.port, id: host.peerId.toString(), addrs: host.getMultiaddrs().map(String) });
  for await (const line of readLines(Bun.stdin.stream())) {
    const message = JSON.parse(line) as { waitTcpBytes?: number };
    if (message.waitTcpBytes !== undefined) {
      while (tcpReceived < message.waitTcpBytes) await sleep(1);
      tcpReceived = 0;
      reply({ ok: true });
    }
  }
  server.stop(true);
  await host.stop();
  process.exit(0);
}

// ---- child role: a fourth peer with the bench client inside it (the local-read case) ----

interface LocalResult {
  seconds: number;
  chunks: number;
  chunksWithLocalReplica: number;
  localBytes: number;
  remoteBytes: number;
  crcOk: boolean;
}

async function runLocalPeer(): Promise<void> {
  setLogLevel("warn");
  const peer: EmbeddedPeer = await startPeer({
    dataDir: arg("data-dir")!,
    rack: LOCAL_PEER_RACK,
    join: [arg("join")!],
    swarmKey: decodeSwarmKey(readFileSync(arg("swarm-key")!, "utf8")),
    listen: ["/ip4/127.0.0.1/tcp/0"],
    http: false,
  });
  let data: Uint8Array = new Uint8Array(0);
  let expectedCrc = 0;
  reply({ id: peer.id, pid: process.pid });
  for await (const line of readLines(Bun.stdin.stream())) {
    const message = JSON.parse(line) as { op: string; paths: string[]; sizeBytes: number; replication: number; chunkSizeBytes: number; seed: number };
    try {
      if (message.op === "prepare") {
        data = pattern(message.sizeBytes, message.seed);
        expectedCrc = crc32(data);
        reply({ ok: true });
      } else if (message.op === "write") {
        const started = performance.now();
        const stats = await Promise.all(message.paths.map((path) => peer.fs.put(data, path, { replication: message.replication, chunkSizeBytes: message.chunkSizeBytes })));
        const seconds = (performance.now() - started) / 1000;
        const chunks = stats.flatMap((stat) => stat.chunks);
        reply({ seconds, chunks: chunks.length, chunksWithLocalReplica: chunks.filter((chunk) => chunk.replicas.some((replica) => replica.peer === peer.id)).length });
      } else if (message.op === "read") {
        const before = { ...peer.fs.readCounters };
        const started = performance.now();
        const crcs = await Promise.all(message.paths.map((path) => readCrc(peer.fs.createReadStream(path))));
        const seconds = (performance.now() - started) / 1000;
        reply({
          seconds,
          crcOk: crcs.every((crc) => crc === expectedCrc),
          localBytes: peer.fs.readCounters.localBytes - before.localBytes,
          remoteBytes: peer.fs.readCounters.remoteBytes - before.remoteBytes,
        });
      } else if (message.op === "rm") {
        for (const path of message.paths) await peer.fs.rm(path);
        reply({ ok: true });
      }
    } catch (err) {
      reply({ error: (err as Error).message });
    }
  }
  await peer.stop();
  process.exit(0);
}

/** Reads a stream to the end, returning the CRC-32 of everything read. */
async function readCrc(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let crc = 0;
  for await (const piece of stream) crc = crc32(piece, crc);
  return crc;
}

// ---- peers: processes of dist/tessera ----

interface PeerProcess {
  name: string;
  id: string;
  address: string;
  dataDir: string;
  child: Subprocess<"ignore", "pipe", "pipe">;
  stderrTail: string[];
}

async function startPeerProcess(binary: string, name: string, dataDir: string, extra: string[]): Promise<PeerProcess> {
  const child = track(
    Bun.spawn([binary, "node", "start", "--json", "--data-dir", dataDir, "--listen", "/ip4/127.0.0.1/tcp/0", "--http", "127.0.0.1:0", ...extra], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, TESSERA_LOG: process.env.TESSERA_LOG ?? "warn" },
    }),
  );
  const stderrTail = drainStderr(child.stderr);
  const lines = readLines(child.stdout);
  const first = await withTimeout(`peer ${name} to start`, PEER_START_TIMEOUT_MS, lines.next());
  if (first.done) throw new Error(`peer ${name} exited before starting: ${stderrTail.join("").trim().slice(-500)}`);
  void (async () => {
    for await (const _ of lines) {
      // keep the pipe drained
    }
  })().catch(() => {});
  const summary = JSON.parse(first.value) as { id: string; addresses: string[] };
  const address = summary.addresses.find((a) => a.includes("/127.0.0.1/")) ?? summary.addresses[0]!;
  return { name, id: summary.id, address, dataDir, child, stderrTail };
}

/** Peers that exited, with how and the end of their stderr: a failed phase says why. */
function deadPeers(peers: PeerProcess[]): string | undefined {
  const dead = peers.filter((peer) => peer.child.exitCode !== null || peer.child.signalCode !== null);
  if (dead.length === 0) return undefined;
  return dead.map((peer) => `${peer.name} (pid ${peer.child.pid}) exited ${peer.child.signalCode ? `by ${peer.child.signalCode}` : `with code ${peer.child.exitCode}`}${peer.stderrTail.length ? `: ${peer.stderrTail.join("").trim().slice(-300)}` : ""}`).join("; ");
}

const lastConnectMs = new Map<string, number>();
async function connectPaced(address: string, swarmKey: Uint8Array): Promise<ClusterClient> {
  const waitMs = (lastConnectMs.get(address) ?? -Infinity) + CONNECT_INTERVAL_MS - performance.now();
  lastConnectMs.set(address, performance.now() + Math.max(0, waitMs));
  if (waitMs > 0) await sleep(waitMs);
  const client = await connect({ join: [address], swarmKey });
  openClients.add(client);
  return client;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---- references ----

interface Runs {
  values: number[];
  notes: string[];
}

const runs = new Map<string, Runs>();
function record(name: string, value: number, note = ""): void {
  const entry = runs.get(name) ?? { values: [], notes: [] };
  entry.values.push(value);
  if (note) entry.notes.push(note);
  runs.set(name, entry);
}
const med = (name: string) => median(runs.get(name)?.values ?? []);

function rawDiskWrite(path: string, data: Uint8Array): number {
  const started = performance.now();
  const fd = openSync(path, "w");
  try {
    for (let at = 0; at < data.length; at += DISK_WRITE_BYTES) {
      const piece = data.subarray(at, Math.min(at + DISK_WRITE_BYTES, data.length));
      let written = 0;
      while (written < piece.length) written += writeSync(fd, piece, written, piece.length - written);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return data.length / 1e6 / ((performance.now() - started) / 1000);
}

function rawDiskRead(path: string): number {
  const started = performance.now();
  const fd = openSync(path, "r");
  const buffer = new Uint8Array(DISK_WRITE_BYTES);
  let total = 0;
  try {
    for (;;) {
      const got = readSync(fd, buffer, 0, buffer.length, null);
      if (got === 0) break;
      total += got;
    }
  } finally {
    closeSync(fd);
  }
  return total / 1e6 / ((performance.now() - started) / 1000);
}

async function rawTcp(sink: Child, port: number, data: Uint8Array): Promise<number> {
  const drained = { wake: () => {} };
  const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, drain: () => drained.wake() } });
  const started = performance.now();
  for (let at = 0; at < data.length; at += TCP_WRITE_BYTES) {
    const piece = data.subarray(at, Math.min(at + TCP_WRITE_BYTES, data.length));
    let offset = 0;
    while (offset < piece.length) {
      offset += socket.write(piece.subarray(offset));
      if (offset < piece.length) await new Promise<void>((resolve) => (drained.wake = resolve));
    }
  }
  await ask(sink, { waitTcpBytes: data.length });
  const seconds = (performance.now() - started) / 1000;
  socket.end();
  return data.length / 1e6 / seconds;
}

async function encryptedStream(sinkId: string, sinkAddrs: string[], data: Uint8Array): Promise<number> {
  const host = await createClientHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: SINK_SWARM_KEY, listenAddrs: [] });
  try {
    const peer = peerIdFromString(sinkId);
    await host.peerStore.merge(peer, { multiaddrs: sinkAddrs.map((a) => multiaddr(a)) });
    const stream = await host.dialProtocol(peer, SINK_PROTOCOL);
    const answer = (async () => {
      for await (const piece of stream) return piece;
      return undefined;
    })();
    const started = performance.now();
    for (let at = 0; at < data.length; at += TCP_WRITE_BYTES) await sendData(stream, data.subarray(at, Math.min(at + TCP_WRITE_BYTES, data.length)), 60_000);
    await stream.close();
    await answer;
    return data.length / 1e6 / ((performance.now() - started) / 1000);
  } finally {
    await host.stop();
  }
}

// ---- metadata load ----

interface MetaResult {
  ops: number;
  seconds: number;
  latenciesMs: number[];
  errors: number;
  firstError?: string;
  cpu: CpuUse;
}

async function metaLoad(clients: ClusterClient[], workers: number, seconds: number, pids: () => number[], op: (client: ClusterClient, worker: number, n: number) => Promise<void>): Promise<MetaResult> {
  const startMs = performance.now();
  const fromMs = startMs + META_WARMUP_MS;
  const toMs = fromMs + seconds * 1000;
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let cpuBefore: { peers: number[]; self: number; busy: number } | undefined;
  const snapshot = () => ({ peers: pids().map(processCpuSeconds), self: selfCpuSeconds(), busy: machineBusySeconds() });
  const timer = setTimeout(() => (cpuBefore = snapshot()), META_WARMUP_MS);
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const client = clients[worker % clients.length]!;
      for (let n = 0; performance.now() < toMs; n++) {
        const sentMs = performance.now();
        try {
          await op(client, worker, n);
        } catch (err) {
          errors += 1;
          firstError ??= (err as Error).message;
          continue;
        }
        const doneMs = performance.now();
        if (sentMs >= fromMs && doneMs <= toMs) latenciesMs.push(doneMs - sentMs);
      }
    }),
  );
  clearTimeout(timer);
  const after = snapshot();
  const before = cpuBefore ?? after;
  const peers = after.peers.reduce((sum, value, i) => sum + value - (before.peers[i] ?? value), 0);
  const client = after.self - before.self;
  latenciesMs.sort((a, b) => a - b);
  return { ops: latenciesMs.length, seconds, latenciesMs, errors, firstError, cpu: { peers, client, rest: Math.max(0, after.busy - before.busy - peers - client) } };
}

// ---- the run ----

async function main(): Promise<void> {
  setLogLevel("warn");
  const sizeBytes = numberArg("size-mib", SIZE_MIB_DEFAULT, 1) * MiB;
  const files = Math.floor(numberArg("files", FILES_DEFAULT, 1));
  const seconds = numberArg("seconds", SECONDS_DEFAULT, 0.1);
  const repeat = Math.floor(numberArg("repeat", REPEAT_DEFAULT, 1));
  const chunkSizeBytes = numberArg("chunk-mib", CHUNK_MIB_DEFAULT, 1) * MiB;
  const metaConnections = Math.floor(numberArg("meta-connections", META_CONNECTIONS_DEFAULT, 1));
  const binary = resolve(arg("binary") ?? resolve(import.meta.dir, "../dist/tessera"));
  if (!existsSync(binary)) {
    out(`no binary at ${binary}: build it with \`bun run scripts/build.ts\` (or pass --binary PATH)`);
    return;
  }
  const totalBytes = sizeBytes * files;
  const root = makeTempDir("run");
  out(`dfsio: ${files} file(s) of ${sizeBytes / MiB} MiB, ${chunkSizeBytes / MiB} MiB chunks, ${repeat} run(s) of each data phase; metadata ${seconds} s per phase; data dirs in ${root}`);
  out(`binary ${binary} (built ${statSync(binary).mtime.toISOString()}), Bun ${Bun.version}`);
  out();

  // One pattern for every file: distinct files, the same bytes (nothing here deduplicates).
  const data = pattern(sizeBytes, 0x5eed);
  const expectedCrc = crc32(data);

  // 1. references
  out("references (same machine, same run)");
  const sink = spawnChild(["--role", "sink"]);
  const sinkInfo = JSON.parse((await withTimeout("the sink to start", PEER_START_TIMEOUT_MS, sink.lines.next())).value as string) as { tcpPort: number; id: string; addrs: string[] };
  const diskFile = join(root, "raw-disk.bin");
  for (let run = 0; run < repeat; run++) {
    record("disk write", rawDiskWrite(diskFile, data));
    record("disk read", rawDiskRead(diskFile));
    record("tcp", await rawTcp(sink, sinkInfo.tcpPort, data).catch(() => NaN));
    record("libp2p", await encryptedStream(sinkInfo.id, sinkInfo.addrs, data).catch(() => NaN));
  }
  rmSync(diskFile, { force: true });
  sink.process.stdin.end();
  const refLine = (label: string, name: string) => out(`  ${label.padEnd(62)} ${int(med(name)).padStart(7)} MB/s   runs: ${runs.get(name)!.values.map(int).join(", ")}`);
  refLine(`raw disk write, ${DISK_WRITE_BYTES / MiB} MiB writes then fsync, ${sizeBytes / MiB} MiB`, "disk write");
  refLine("raw disk read of the same file (page cache warm)", "disk read");
  refLine("raw TCP over loopback, Bun.listen/Bun.connect, one stream", "tcp");
  refLine("(extra) one encrypted libp2p stream, Tessera's transport", "libp2p");
  out();

  // 2. the cluster
  const peers: PeerProcess[] = [];
  peers.push(await startPeerProcess(binary, "p1", join(root, "p1"), ["--rack", RACKS[0]!]));
  const swarmKeyPath = join(root, "p1", "swarm.key");
  const swarmKey = decodeSwarmKey(readFileSync(swarmKeyPath, "utf8"));
  for (let i = 1; i < RACKS.length; i++) {
    peers.push(await startPeerProcess(binary, `p${i + 1}`, join(root, `p${i + 1}`), ["--rack", RACKS[i]!, "--join", peers[0]!.address, "--swarm-key", swarmKeyPath]));
  }
  const control = await connectPaced(peers[0]!.address, swarmKey);
  const leaderId = await waitFor("3 alive peers and 3 voters with a leader", CLUSTER_FORM_TIMEOUT_MS, async () => {
    const [table, status] = await Promise.all([control.peers(), control.status()]);
    const alive = table.filter((peer) => peer.state === "alive").length;
    return alive === RACKS.length && status.voters.length === RACKS.length && status.leader ? status.leader : undefined;
  });
  const leader = peers.find((peer) => peer.id === leaderId)!;
  const follower = peers.find((peer) => peer.id !== leaderId)!;
  let localPeerId = "";
  const nameOf = (id: string) => peers.find((peer) => peer.id === id)?.name ?? (id === localPeerId ? "local" : id.slice(-6));
  out(`cluster: ${peers.map((peer, i) => `${peer.name} ${RACKS[i]} pid ${peer.child.pid}`).join(", ")}; leader ${leader.name}`);
  const peerPids = () => peers.map((peer) => peer.child.pid);
  const leaderClient = await connectPaced(leader.address, swarmKey);
  const termAtStart = (await leaderClient.status()).term;
  for (const folder of ["/dfsio/data", "/dfsio/local", "/dfsio/meta"]) await leaderClient.fs.mkdir(folder, { parents: true });
  out();

  // 3. data, remote: this process is a client with no store, its entry peer the leader.
  out(`data, remote client (this process, not a peer; metadata to the leader, data straight to the chunk servers)`);
  for (let run = 0; run < repeat; run++) {
    for (const replication of [1, 3]) {
      const paths = Array.from({ length: files }, (_, i) => `/dfsio/data/r${run}-rep${replication}-f${i}`);
      try {
        const written = await measuringCpu(peerPids, async () => {
          const started = performance.now();
          const stats = await withTimeout("the write", PHASE_TIMEOUT_MS, Promise.all(paths.map((path) => leaderClient.fs.put(data, path, { replication, chunkSizeBytes }))));
          return { seconds: (performance.now() - started) / 1000, stats };
        });
        const writeMBps = totalBytes / 1e6 / written.value.seconds;
        record(`remote write ${replication}`, writeMBps);
        out(`  run ${run + 1} write, replication ${replication}: ${int(writeMBps).padStart(5)} MB/s  ${written.value.seconds.toFixed(2)} s  ${cpuText(written.cpu)}  ${placementText(written.value.stats, replication, nameOf)}`);
        const read = await measuringCpu(peerPids, async () => {
          const before = leaderClient.fs.readCounters.remoteBytes;
          const started = performance.now();
          const crcs = await withTimeout("the read", PHASE_TIMEOUT_MS, Promise.all(paths.map((path) => readCrc(leaderClient.fs.createReadStream(path)))));
          return { seconds: (performance.now() - started) / 1000, ok: crcs.every((crc) => crc === expectedCrc), remoteBytes: leaderClient.fs.readCounters.remoteBytes - before };
        });
        const readMBps = totalBytes / 1e6 / read.value.seconds;
        record(`remote read ${replication}`, read.value.ok ? readMBps : NaN);
        out(`  run ${run + 1} read,  replication ${replication}: ${int(readMBps).padStart(5)} MB/s  ${read.value.seconds.toFixed(2)} s  ${cpuText(read.cpu)}  ${read.value.ok ? "bytes verified (CRC-32)" : "WRONG BYTES"}, ${int(read.value.remoteBytes / MiB)} MiB over the network`);
      } catch (err) {
        out(`  run ${run + 1} replication ${replication}: FAILED: ${(err as Error).message}`);
        const dead = deadPeers(peers);
        if (dead) throw new Error(`a peer of the cluster is gone, so the run stops here: ${dead}`);
      }
      for (const path of paths) await leaderClient.fs.rm(path).catch(() => {});
    }
  }
  out();

  // 4. metadata, pointed at the leader; then once through a follower.
  const deadBeforeMeta = deadPeers(peers);
  if (deadBeforeMeta) throw new Error(`a peer of the cluster is gone, so the run stops here: ${deadBeforeMeta}`);
  out(`metadata: ${seconds} s per phase after ${META_WARMUP_MS} ms of warm-up; 1 worker on one connection, 16 workers over ${metaConnections} client connections (libp2p hosts) in this process`);
  const leaderClients = [leaderClient];
  while (leaderClients.length < metaConnections) leaderClients.push(await connectPaced(leader.address, swarmKey));
  const followerClients: ClusterClient[] = [];
  while (followerClients.length < metaConnections) followerClients.push(await connectPaced(follower.address, swarmKey));
  const createdPaths = new Map<string, string[][]>(); // per phase label, per worker
  const metaPhase = async (label: string, op: "create" | "mkdir" | "stat", workers: number, clients: ClusterClient[], run: number, through: string) => {
    const base = `/dfsio/meta/${through}-r${run}-${op}-${workers}`;
    if (op !== "stat") await Promise.all(Array.from({ length: workers }, (_, w) => clients[0]!.fs.mkdir(`${base}/w${w}`, { parents: true })));
    const created: string[][] = Array.from({ length: workers }, () => []);
    // stat reads files made by the create phase with the same worker count (or the folder).
    const toStat = createdPaths.get(`${through}-r${run}-${workers}`) ?? createdPaths.get(`leader-r${run}-${workers}`) ?? [];
    const result = await metaLoad(clients, workers, seconds, peerPids, async (client, w, n) => {
      if (op === "create") {
        const path = `${base}/w${w}/f${n}`;
        await client.fs.put(new Uint8Array(0), path);
        created[w]!.push(path);
      } else if (op === "mkdir") {
        await client.fs.mkdir(`${base}/w${w}/d${n}`);
      } else {
        const mine = toStat[w] ?? [];
        await client.fs.stat(mine.length > 0 ? mine[n % mine.length]! : "/dfsio/meta");
      }
    });
    if (op === "create") createdPaths.set(`${through}-r${run}-${workers}`, created);
    const opsPerSecond = result.ops / result.seconds;
    const name = `${through} ${op} ${workers}`;
    record(name, opsPerSecond);
    record(`${name} p50`, percentile(result.latenciesMs, 0.5));
    record(`${name} p99`, percentile(result.latenciesMs, 0.99));
    out(`  run ${run + 1} ${label.padEnd(34)} ${int(opsPerSecond).padStart(6)} ops/s  p50 ${ms(percentile(result.latenciesMs, 0.5)).padStart(6)} ms  p99 ${ms(percentile(result.latenciesMs, 0.99)).padStart(6)} ms  ${cpuText(result.cpu)}${result.errors ? `  ${result.errors} errors (${result.firstError})` : ""}`);
  };
  for (let run = 0; run < repeat; run++) {
    for (const op of ["create", "mkdir", "stat"] as const) {
      for (const workers of META_WORKERS) {
        const label = `${op === "create" ? "create+close" : op}, ${workers} worker${workers > 1 ? "s" : ""}, leader`;
        await metaPhase(label, op, workers, workers === 1 ? [leaderClient] : leaderClients, run, "leader").catch((err) => out(`  run ${run + 1} ${label}: FAILED: ${(err as Error).message}`));
      }
    }
  }
  for (const op of ["create", "stat"] as const) {
    const label = `${op === "create" ? "create+close" : op}, 16 workers, follower`;
    await metaPhase(label, op, 16, followerClients, 0, "follower").catch((err) => out(`  ${label}: FAILED: ${(err as Error).message}`));
  }
  const termAtEnd = (await leaderClient.status()).term;
  if (termAtEnd !== termAtStart) out(`  NOTE: the Raft term moved from ${termAtStart} to ${termAtEnd} during the run (an election happened)`);
  for (const client of [...leaderClients.slice(1), ...followerClients]) {
    await client.close().catch(() => {});
    openClients.delete(client);
  }
  out();

  // 5. data, local: a fourth peer (a Bun process of this file running startPeer) writes the
  // files itself, so placement puts the first replica of every chunk on it, then reads them.
  out(`data, local client: a 4th peer (rack ${LOCAL_PEER_RACK}, startPeer in a Bun process of this file) writes from inside itself and reads from its own disk`);
  try {
    const local = spawnChild(["--role", "local-peer", "--data-dir", join(root, "local"), "--join", leader.address, "--swarm-key", swarmKeyPath]);
    const hello = JSON.parse((await withTimeout("the local peer to start", PEER_START_TIMEOUT_MS, local.lines.next())).value as string) as { id: string; pid: number };
    localPeerId = hello.id;
    await waitFor("the local peer alive in the leader's table", CLUSTER_FORM_TIMEOUT_MS, async () => ((await leaderClient.peers()).some((peer) => peer.id === hello.id && peer.state === "alive") ? true : undefined));
    await ask(local, { op: "prepare", sizeBytes, seed: 0x5eed });
    const deadBeforeLocal = deadPeers(peers);
    if (deadBeforeLocal) throw new Error(`a peer of the cluster is gone: ${deadBeforeLocal}`);
    const allPids = () => [...peerPids(), hello.pid];
    for (let run = 0; run < repeat; run++) {
      for (const replication of [1, 3]) {
        const paths = Array.from({ length: files }, (_, i) => `/dfsio/local/r${run}-rep${replication}-f${i}`);
        try {
          const written = await measuringCpu(allPids, () => ask<LocalResult>(local, { op: "write", paths, replication, chunkSizeBytes }));
          const writeMBps = totalBytes / 1e6 / written.value.seconds;
          record(`local write ${replication}`, writeMBps);
          out(`  run ${run + 1} write, replication ${replication}: ${int(writeMBps).padStart(5)} MB/s  ${written.value.seconds.toFixed(2)} s  ${cpuText(written.cpu)}  local replica on ${written.value.chunksWithLocalReplica}/${written.value.chunks} chunks`);
          const read = await measuringCpu(allPids, () => ask<LocalResult>(local, { op: "read", paths }));
          const readMBps = totalBytes / 1e6 / read.value.seconds;
          record(`local read ${replication}`, read.value.crcOk ? readMBps : NaN);
          out(`  run ${run + 1} read,  replication ${replication}: ${int(readMBps).padStart(5)} MB/s  ${read.value.seconds.toFixed(2)} s  ${cpuText(read.cpu)}  ${read.value.crcOk ? "bytes verified (CRC-32)" : "WRONG BYTES"}, ${int(read.value.localBytes / MiB)} MiB local, ${int(read.value.remoteBytes / MiB)} MiB over the network`);
        } catch (err) {
          out(`  run ${run + 1} replication ${replication}: FAILED: ${(err as Error).message}`);
        }
        await ask(local, { op: "rm", paths }).catch(() => {});
      }
    }
    local.process.stdin.end();
  } catch (err) {
    out(`  local section FAILED: ${(err as Error).message}`);
  }
  out();

  printSummary(sizeBytes, files);
}

function placementText(stats: StatView[], replication: number, nameOf: (id: string) => string): string {
  const perPeer = new Map<string, number>();
  let short = 0;
  for (const stat of stats) {
    for (const chunk of stat.chunks) {
      if (new Set(chunk.replicas.map((r) => r.peer)).size < replication) short += 1;
      for (const replica of chunk.replicas) perPeer.set(nameOf(replica.peer), (perPeer.get(nameOf(replica.peer)) ?? 0) + 1);
    }
  }
  const list = [...perPeer].sort().map(([name, count]) => `${name} ${count}`).join(", ");
  return `replicas: ${list}${short ? `; ${short} chunks under-replicated` : ""}`;
}

function printSummary(sizeBytes: number, files: number): void {
  const disk = med("disk write");
  const diskRead = med("disk read");
  const tcp = med("tcp");
  const row = (label: string, value: string, versus: string, reference: string, goalText: string) =>
    out(`| ${label} | ${value} | ${versus} | ${reference} | ${goalText} |`);
  out(`summary: medians of the runs; ${files} × ${sizeBytes / MiB} MiB`);
  out(`reference of issue 4: ${REFERENCE_MOOSEFS}`);
  out();
  out("| figure | Tessera (median) | vs limit | MooseFS 3.0 | goal |");
  out("|---|---|---|---|---|");
  row("raw disk write + fsync", `${int(disk)} MB/s`, "", "1,072 MB/s", "");
  row("raw disk read (page cache)", `${int(diskRead)} MB/s`, "", "", "");
  row("raw TCP, loopback, 1 stream", `${int(tcp)} MB/s`, "", "", "");
  row("(extra) encrypted libp2p stream", `${int(med("libp2p"))} MB/s`, `${pct(med("libp2p") / tcp)} of TCP`, "", "");
  const w1 = med("remote write 1");
  const w3 = med("remote write 3");
  row("write, replication 1, remote client", `${int(w1)} MB/s`, `${pct(w1 / disk)} of disk, ${pct(w1 / tcp)} of TCP`, `${int(MOOSEFS.write1)} MB/s`, "");
  row("write, replication 3, remote client", `${int(w3)} MB/s`, `${pct(w3 / disk)} of disk, ${pct(w3 / tcp)} of TCP`, `${int(MOOSEFS.write3)} MB/s`, `>= ${GOAL.write3MBps} MB/s: ${goal(w3 >= GOAL.write3MBps)}`);
  for (const replication of [1, 3]) {
    const value = med(`remote read ${replication}`);
    row(`read, replication ${replication}, remote client`, `${int(value)} MB/s`, `${pct(value / tcp)} of TCP, ${pct(value / diskRead)} of disk read`, `~${MOOSEFS.read} MB/s`, `>= ${GOAL.remoteReadMBps} MB/s: ${goal(value >= GOAL.remoteReadMBps)}`);
  }
  const lw1 = med("local write 1");
  const lw3 = med("local write 3");
  row("write, replication 1, client inside a peer", `${int(lw1)} MB/s`, `${pct(lw1 / disk)} of disk`, "", "");
  row("write, replication 3, client inside a peer", `${int(lw3)} MB/s`, `${pct(lw3 / disk)} of disk, ${pct(lw3 / tcp)} of TCP`, "", `>= ${GOAL.write3MBps} MB/s: ${goal(lw3 >= GOAL.write3MBps)}`);
  for (const replication of [1, 3]) {
    const value = med(`local read ${replication}`);
    row(`read, replication ${replication}, local (peer holds a replica of every chunk)`, `${int(value)} MB/s`, `${pct(value / diskRead)} of disk read`, "", `>= ${GOAL.localReadMBps} MB/s: ${goal(value >= GOAL.localReadMBps)}`);
  }
  const metaRow = (through: string, op: string, workers: number, reference: string, goalText: string) => {
    const name = `${through} ${op} ${workers}`;
    if (!runs.has(name)) return;
    row(`${op === "create" ? "create+close" : op}, ${workers} worker${workers > 1 ? "s" : ""}, ${through}`, `${int(med(name))} ops/s`, `p50 ${ms(med(`${name} p50`))} ms, p99 ${ms(med(`${name} p99`))} ms`, reference, goalText);
  };
  for (const workers of META_WORKERS) {
    const creates = med(`leader create ${workers}`);
    metaRow("leader", "create", workers, `${int(MOOSEFS.creates)}/s`, workers === 16 ? `>= ${int(GOAL.creates16)}/s: ${goal(creates >= GOAL.creates16)}` : "");
  }
  for (const workers of META_WORKERS) metaRow("leader", "mkdir", workers, "", "");
  for (const workers of META_WORKERS) metaRow("leader", "stat", workers, `${int(MOOSEFS.stats)}/s`, "");
  metaRow("follower", "create", 16, "", "");
  metaRow("follower", "stat", 16, "", "");
}

// ---- entry ----

const role = arg("role");
if (role === "sink") await runSink();
else if (role === "local-peer") await runLocalPeer();
else {
  let interrupted = false;
  const onSignal = (signal: string) => {
    if (interrupted) return;
    interrupted = true;
    out(`\n${signal}: stopping every peer and removing the temporary folders`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("exit", cleanupNow);
  try {
    await main();
  } catch (err) {
    out(`bench stopped: ${(err as Error).message}`);
    if (runs.size > 0) printSummary(numberArg("size-mib", SIZE_MIB_DEFAULT, 1) * MiB, Math.floor(numberArg("files", FILES_DEFAULT, 1)));
  } finally {
    await cleanup();
  }
  process.exit(0);
}
