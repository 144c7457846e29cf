// The file system end to end (issue 4), TestDFSIO-style: three peers as three processes of
// dist/tessera on loopback (racks /r1, /r1, /r2) and a client process (this one), printed beside
// limits measured in the same run on the same machine.
//
//   bun run bench/dfsio.ts [--size-mib N] [--files N] [--seconds N] [--repeat N]
//                          [--chunk-mib N] [--chunks-in-flight N] [--meta-connections N]
//                          [--meta-warmup-seconds N] [--binary PATH]
//
// It measures, in one run:
//   1. references: raw disk write (8 MiB writes, then one fsync) and read of the same file;
//      raw TCP over loopback (Bun.listen / Bun.connect, one stream, to a child process); and,
//      as an extra, one encrypted libp2p stream (Tessera's transport) to the same child;
//   2. data: write and read throughput of --files files of --size-mib MiB (default one file
//      of 1 GiB, 64 MiB chunks) at replication 1 and 3: remote (this process, a client that
//      is not a peer, talking to the leader, with its CPU per GiB read), three remote clients
//      (three processes) reading three files at once (the sum), and local (a client inside a fourth peer, a
//      Bun process of this file running startPeer, that writes the file itself, so placement
//      puts the first replica of every chunk on it, and then reads it from its own disk);
//      writes keep --chunks-in-flight chunks of a file in flight (the client's default when
//      not given); then the spread of issue 13: 24 MiB at replication 1 in 1 MiB chunks from
//      the remote client, and how many chunks each peer got;
//   3. metadata: create+close of empty files, mkdirs, stat (fileStatus) and delete, with 1
//      and 16 concurrent workers, pointed at the leader; then create and stat with 16 workers
//      through a follower, which forwards every request to the leader. The operations are
//      bench/meta-ops.ts's, the same bench/nnbench measures. When MooseFS is installed, its
//      FUSE mount is a same-run reference: the same file written (8 MiB writes, then fsync)
//      at goal 1 and goal 3, and the same metadata operations.
// Data and metadata phases run --repeat times and the medians are reported. Each phase also
// reports the CPU the peers, this client and the rest of the machine used. It prints figures
// and always exits 0: a slow or shared machine gives smaller numbers, not a failure.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import type { Stream } from "@libp2p/interface";
import type { ClusterClient } from "../src/client/cluster.ts";
import type { StatView } from "../src/client/fs.ts";
import { CHUNKS_IN_FLIGHT_DEFAULT } from "../src/client/file-writer.ts";
import { createClientHost, createHost } from "../src/net/host.ts";
import { sendData } from "../src/net/frames.ts";
import { decodeSwarmKey } from "../src/net/swarm-key.ts";
import { startPeer, type Peer as EmbeddedPeer } from "../src/peer/peer.ts";
import { connect } from "../src/client/cluster.ts";
import { setLogLevel } from "../src/util/log.ts";
import { MetaWorkload, metaGoalText, metaLine, metaLoad, warmUp, type MetaOp } from "./meta-ops.ts";
import { startMooseFs } from "./moosefs.ts";
import { PosixLoad } from "./posix-ops.ts";
import {
  arg,
  ask as askChild,
  binaryArg,
  binaryText,
  CLUSTER_FORM_TIMEOUT_MS,
  closeClient,
  clusterText,
  connectPaced,
  cpuText,
  deadPeers,
  goal,
  int,
  makeTempDir,
  measuringCpu,
  median,
  MiB,
  ms,
  numberArg,
  out,
  pattern,
  pct,
  PEER_START_TIMEOUT_MS,
  percentile,
  readLines,
  reply,
  runBench,
  sleep,
  spawnChild as spawnScript,
  startCluster,
  waitFor,
  withTimeout,
  type Child,
} from "./support.ts";

const SIZE_MIB_DEFAULT = 1024;
const FILES_DEFAULT = 1;
const SECONDS_DEFAULT = 5;
// The metadata phase first runs its operations this long, not counted (bench/meta-ops.ts warmUp).
const META_WARMUP_SECONDS_DEFAULT = 20;
const REPEAT_DEFAULT = 3;
const CHUNK_MIB_DEFAULT = 64;
// 16 metadata workers share this many client connections (libp2p hosts) to the entry peer:
// the meta protocol admits 64 inbound streams per connection, so 4 each is far from the limit.
const META_CONNECTIONS_DEFAULT = 4;
const META_WORKERS = [1, 16];
// The raw disk reference writes in pieces of this size (issue 4: 4–8 MiB), then fsyncs once.
const DISK_WRITE_BYTES = 8 * MiB;
const TCP_WRITE_BYTES = 1 * MiB;
const RACKS = ["/r1", "/r1", "/r2"];
const LOCAL_PEER_RACK = "/r1";
const PHASE_TIMEOUT_MS = 600_000;
const SINK_PROTOCOL = "/tessera-bench/sink/1";
// A fixed key for the transport reference: the bench measures speed, not secrecy.
const SINK_SWARM_KEY = new Uint8Array(32).fill(7);

const REFERENCE_MOOSEFS = "MooseFS 3.0 (C, FUSE), 3 chunk servers, this machine: 34 MB/s writes at 3 copies, 466 MB/s at 1, reads about 200 MB/s, 1,818 creates/s, 6,497 stats/s; disk 1,072 MB/s with fsync";
const MOOSEFS = { write3: 34, write1: 466, read: 200, creates: 1_818, stats: 6_497 };
// Issue 13's spread: a file written from outside, at replication 1 in 1 MiB chunks.
const SPREAD_FILE_MIB = 24;
// The data goals; the metadata ones are issue 12's, bench/meta-ops.ts META_GOALS.
const GOAL = { write3MBps: 200, remoteReadMBps: 600, remoteReadCpuSecondsPerGiB: 2.5, localReadMBps: 1_500, warmLocalReadMBps: 3_000 };
// The several-clients read: this many client processes at once, each reading a file of its own.
const READERS = 3;
const GiB = 1024 * MiB;

const spawnChild = (args: string[]) => spawnScript(import.meta.path, args);
const ask = <T>(child: Child, message: object) => askChild<T>(child, message, PHASE_TIMEOUT_MS);

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

// ---- child role: a client process that reads files (the several-clients case) ----

async function runReader(): Promise<void> {
  setLogLevel("warn");
  const client = await connect({ join: [arg("join")!], swarmKey: decodeSwarmKey(readFileSync(arg("swarm-key")!, "utf8")) });
  reply({ pid: process.pid });
  for await (const line of readLines(Bun.stdin.stream())) {
    const message = JSON.parse(line) as { op: string; path: string };
    try {
      if (message.op === "read") {
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const crc = await readCrc(client.fs.createReadStream(message.path));
        const seconds = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        reply({ seconds, crc, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
      }
    } catch (err) {
      reply({ error: (err as Error).message });
    }
  }
  await client.close();
  process.exit(0);
}

/** Reads a stream to the end, returning the CRC-32 of everything read. */
async function readCrc(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let crc = 0;
  for await (const piece of stream) crc = crc32(piece, crc);
  return crc;
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

// ---- the run ----

async function main(): Promise<void> {
  setLogLevel("warn");
  const sizeBytes = numberArg("size-mib", SIZE_MIB_DEFAULT, 1) * MiB;
  const files = Math.floor(numberArg("files", FILES_DEFAULT, 1));
  const seconds = numberArg("seconds", SECONDS_DEFAULT, 0.1);
  const repeat = Math.floor(numberArg("repeat", REPEAT_DEFAULT, 1));
  const chunkSizeBytes = numberArg("chunk-mib", CHUNK_MIB_DEFAULT, 1) * MiB;
  const chunksInFlightArg = numberArg("chunks-in-flight", 0, 0);
  const inFlight = chunksInFlightArg > 0 ? { chunksInFlight: Math.floor(chunksInFlightArg) } : {};
  const metaConnections = Math.floor(numberArg("meta-connections", META_CONNECTIONS_DEFAULT, 1));
  const binary = binaryArg(import.meta.dir);
  if (!binary) return;
  const totalBytes = sizeBytes * files;
  const root = makeTempDir("dfsio-run");
  out(`dfsio: ${files} file(s) of ${sizeBytes / MiB} MiB, ${chunkSizeBytes / MiB} MiB chunks, ${inFlight.chunksInFlight ?? `${CHUNKS_IN_FLIGHT_DEFAULT} (the default)`} chunks in flight per file, ${repeat} run(s) of each data phase; metadata ${seconds} s per phase; data dirs in ${root}`);
  out(binaryText(binary));
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
  const cluster = await startCluster(binary, root, RACKS);
  const { peers, leader, follower, swarmKey, swarmKeyPath } = cluster;
  let localPeerId = "";
  const nameOf = (id: string) => peers.find((peer) => peer.id === id)?.name ?? (id === localPeerId ? "local" : id.slice(-6));
  out(clusterText(cluster, RACKS));
  const peerPids = cluster.pids;
  const leaderClient = await connectPaced(leader.address, swarmKey);
  const termAtStart = (await leaderClient.status()).term;
  // Elections during a run change what the "leader" phases measure (a phase may then go
  // through a follower): the phase after which the term moved is printed.
  let termSeen = termAtStart;
  const noteTermAfter = async (phase: string): Promise<void> => {
    const status = await leaderClient.status().catch(() => undefined);
    if (!status || status.term === termSeen) return;
    out(`  NOTE: the Raft term moved from ${termSeen} to ${status.term} during or before: ${phase} (leader now ${status.leader ? nameOf(status.leader) : "none"})`);
    termSeen = status.term;
  };
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
          const stats = await withTimeout("the write", PHASE_TIMEOUT_MS, Promise.all(paths.map((path) => leaderClient.fs.put(data, path, { replication, chunkSizeBytes, ...inFlight }))));
          return { seconds: (performance.now() - started) / 1000, stats };
        });
        const writeMBps = totalBytes / 1e6 / written.value.seconds;
        record(`remote write ${replication}`, writeMBps);
        out(`  run ${run + 1} write, replication ${replication}: ${int(writeMBps).padStart(5)} MB/s  ${written.value.seconds.toFixed(2)} s  ${cpuText(written.cpu)}  ${placementText(written.value.stats, replication, nameOf)}`);
        await noteTermAfter(`run ${run + 1} write, replication ${replication}`);
        const read = await measuringCpu(peerPids, async () => {
          const before = leaderClient.fs.readCounters.remoteBytes;
          const started = performance.now();
          const crcs = await withTimeout("the read", PHASE_TIMEOUT_MS, Promise.all(paths.map((path) => readCrc(leaderClient.fs.createReadStream(path)))));
          return { seconds: (performance.now() - started) / 1000, ok: crcs.every((crc) => crc === expectedCrc), remoteBytes: leaderClient.fs.readCounters.remoteBytes - before };
        });
        const readMBps = totalBytes / 1e6 / read.value.seconds;
        record(`remote read ${replication}`, read.value.ok ? readMBps : NaN);
        record(`remote read ${replication} client cpu`, read.cpu.client / (totalBytes / GiB));
        out(`  run ${run + 1} read,  replication ${replication}: ${int(readMBps).padStart(5)} MB/s  ${read.value.seconds.toFixed(2)} s  ${cpuText(read.cpu)} (client ${(read.cpu.client / (totalBytes / GiB)).toFixed(2)} s/GiB)  ${read.value.ok ? "bytes verified (CRC-32)" : "WRONG BYTES"}, ${int(read.value.remoteBytes / MiB)} MiB over the network`);
        await noteTermAfter(`run ${run + 1} read, replication ${replication}`);
      } catch (err) {
        out(`  run ${run + 1} replication ${replication}: FAILED: ${(err as Error).message}`);
        const dead = deadPeers(peers);
        if (dead) throw new Error(`a peer of the cluster is gone, so the run stops here: ${dead}`);
      }
      for (const path of paths) await leaderClient.fs.rm(path).catch(() => {});
    }
  }
  // Issue 13: a file written from outside is spread evenly (placement.ts spreadFirst).
  try {
    const spread = await leaderClient.fs.put(data.subarray(0, Math.min(data.length, SPREAD_FILE_MIB * MiB)), "/dfsio/data/spread", { replication: 1, chunkSizeBytes: MiB, ...inFlight });
    const perPeer = new Map<string, number>();
    for (const chunk of spread.chunks) for (const replica of chunk.replicas) perPeer.set(replica.peer, (perPeer.get(replica.peer) ?? 0) + 1);
    const counts = peers.map((peer) => perPeer.get(peer.id) ?? 0);
    const even = Math.min(...counts) >= 0.75 * Math.max(...counts);
    out(`  spread of a ${spread.size / MiB} MiB file at replication 1 in 1 MiB chunks: ${peers.map((peer, i) => `${peer.name} ${counts[i]}`).join(", ")} chunks (issue 13: within 25% of each other: ${goal(even)})`);
    await noteTermAfter("the spread file's write");
    await leaderClient.fs.rm("/dfsio/data/spread");
  } catch (err) {
    out(`  spread: FAILED: ${(err as Error).message}`);
  }
  out();

  // 3b. several clients at once: READERS client processes each read a file of their own
  // (replication 3), all started together; the sum is their bytes over the slowest's time.
  out(`data, ${READERS} remote clients at once (${READERS} processes, each reading its own file of ${sizeBytes / MiB} MiB at replication 3)`);
  try {
    const readers: Child[] = [];
    const readerPids: number[] = [];
    for (let i = 0; i < READERS; i++) {
      const reader = spawnChild(["--role", "reader", "--join", leader.address, "--swarm-key", swarmKeyPath]);
      const hello = JSON.parse((await withTimeout("a reader to start", PEER_START_TIMEOUT_MS, reader.lines.next())).value as string) as { pid: number };
      readers.push(reader);
      readerPids.push(hello.pid);
    }
    for (let run = 0; run < repeat; run++) {
      const paths = readers.map((_, i) => `/dfsio/data/r${run}-readers-f${i}`);
      try {
        await withTimeout("the writes", PHASE_TIMEOUT_MS, Promise.all(paths.map((path) => leaderClient.fs.put(data, path, { replication: 3, chunkSizeBytes }))));
        const read = await measuringCpu(() => [...peerPids(), ...readerPids], async () => {
          const started = performance.now();
          const results = await Promise.all(readers.map((reader, i) => ask<{ seconds: number; crc: number; cpuSeconds: number }>(reader, { op: "read", path: paths[i] })));
          return { seconds: (performance.now() - started) / 1000, results };
        });
        const sumMBps = (readers.length * sizeBytes) / 1e6 / read.value.seconds;
        const ok = read.value.results.every((result) => result.crc === expectedCrc);
        record("readers sum", ok ? sumMBps : NaN);
        const each = read.value.results.map((result) => `${int(sizeBytes / 1e6 / result.seconds)} MB/s ${(result.cpuSeconds / (sizeBytes / GiB)).toFixed(2)} CPU-s/GiB`).join("; ");
        out(`  run ${run + 1} sum ${int(sumMBps).padStart(5)} MB/s  ${read.value.seconds.toFixed(2)} s  ${cpuText(read.cpu)} (peers and the ${READERS} readers count as "peers")  each: ${each}  ${ok ? "bytes verified (CRC-32)" : "WRONG BYTES"}`);
        await noteTermAfter(`run ${run + 1}, ${READERS} readers`);
      } catch (err) {
        out(`  run ${run + 1}: FAILED: ${(err as Error).message}`);
      }
      for (const path of paths) await leaderClient.fs.rm(path).catch(() => {});
    }
    for (const reader of readers) reader.process.stdin.end();
  } catch (err) {
    out(`  several-clients section FAILED: ${(err as Error).message}`);
  }
  out();

  // 4. metadata, pointed at the leader; then once through a follower.
  const deadBeforeMeta = deadPeers(peers);
  if (deadBeforeMeta) throw new Error(`a peer of the cluster is gone, so the run stops here: ${deadBeforeMeta}`);
  out(`metadata (bench/meta-ops.ts): ${seconds} s per phase after a warm-up; 1 worker on one connection, 16 workers over ${metaConnections} client connections (libp2p hosts) in this process`);
  const leaderClients = [leaderClient];
  while (leaderClients.length < metaConnections) leaderClients.push(await connectPaced(leader.address, swarmKey));
  const followerClients: ClusterClient[] = [];
  while (followerClients.length < metaConnections) followerClients.push(await connectPaced(follower.address, swarmKey));
  // dfsio's names for bench/meta-ops.ts's operations (the summary and earlier notes use them).
  const OPS: Array<[string, MetaOp]> = [
    ["create", "create"],
    ["mkdir", "mkdirs"],
    ["stat", "fileStatus"],
    ["delete", "delete"],
  ];
  const workloads = { leader: new MetaWorkload("/dfsio/meta/leader", leaderClient), follower: new MetaWorkload("/dfsio/meta/follower", leaderClient) };
  const metaPhase = async (name: string, op: MetaOp, workers: number, clients: ClusterClient[], run: number, through: "leader" | "follower") => {
    const label = `${name === "create" ? "create+close" : name}, ${workers} worker${workers > 1 ? "s" : ""}, ${through}`;
    try {
      const step = await workloads[through].prepare(op, workers);
      const result = await metaLoad(clients, workers, seconds, peerPids, step);
      const key = `${through} ${name} ${workers}`;
      record(key, result.ops / result.seconds);
      record(`${key} p50`, percentile(result.latenciesMs, 0.5));
      record(`${key} p99`, percentile(result.latenciesMs, 0.99));
      record(`${key} cpu`, result.ops > 0 ? ((result.cpu.peers + result.cpu.client) * 1000) / result.ops : NaN);
      out(`  run ${run + 1} ${metaLine(label, result)}`);
    } catch (err) {
      out(`  run ${run + 1} ${label}: FAILED: ${(err as Error).message}`);
    }
  };
  // The same operations on MooseFS through its FUSE mount, each right after Tessera's (as
  // bench/nnbench does), when it is installed; its clients are threads of a child process.
  const moose = await startMooseFs(join(root, "moosefs"));
  out(`  reference: ${typeof moose === "string" ? moose : moose.description}`);
  if (typeof moose !== "string") {
    // The data reference of issue 13: the same file written to MooseFS at goal 1 and 3, as the disk reference writes it.
    for (let run = 0; run < repeat; run++) {
      for (const copies of [1, 3]) {
        const folder = join(moose.mount, `dfsio-data-${process.pid}-goal${copies}`);
        try {
          mkdirSync(folder);
          const set = Bun.spawnSync(["mfssetgoal", String(copies), folder], { stdout: "ignore", stderr: "pipe" });
          if (set.exitCode !== 0) throw new Error(`mfssetgoal ${copies} failed: ${set.stderr.toString().trim()}`);
          const writeMBps = rawDiskWrite(join(folder, "f"), data);
          record(`moosefs write ${copies}`, writeMBps);
          out(`  run ${run + 1} MooseFS write, goal ${copies}: ${int(writeMBps).padStart(5)} MB/s (${DISK_WRITE_BYTES / MiB} MiB writes then fsync, ${sizeBytes / MiB} MiB)`);
          // The read reference: the mount's page cache of the file is dropped first (GNU dd's
          // nocache), so the bytes come from the chunk servers, whose disks' page cache stays
          // warm, as Tessera's peers' does for its remote reads.
          const drop = Bun.spawnSync(["dd", `if=${join(folder, "f")}`, "iflag=nocache", "count=0", "status=none"], { stdout: "ignore", stderr: "pipe" });
          if (drop.exitCode !== 0) throw new Error(`dropping the mount's cache of the file failed: ${drop.stderr.toString().trim()}`);
          const readMBps = rawDiskRead(join(folder, "f"));
          record(`moosefs read ${copies}`, readMBps);
          out(`  run ${run + 1} MooseFS read,  goal ${copies}: ${int(readMBps).padStart(5)} MB/s (${DISK_WRITE_BYTES / MiB} MiB reads, the mount's cache of the file dropped first)`);
          await noteTermAfter(`run ${run + 1} MooseFS write and read, goal ${copies}`);
        } catch (err) {
          out(`  run ${run + 1} MooseFS write, goal ${copies}: FAILED: ${(err as Error).message}`);
        }
        rmSync(folder, { recursive: true, force: true });
      }
    }
  }
  const posix = typeof moose === "string" ? undefined : new PosixLoad(join(moose.mount, `dfsio-${process.pid}`), Math.max(...META_WORKERS));
  const warmupSeconds = numberArg("meta-warmup-seconds", META_WARMUP_SECONDS_DEFAULT, 0);
  if (warmupSeconds > 0) {
    const warmOps = await warmUp("/dfsio/meta/warm-up", leaderClient, leaderClients, 16, warmupSeconds, OPS.map(([, op]) => op), peerPids);
    out(`  warm-up: ${OPS.map(([name]) => name).join(", ")} with 16 workers for ${warmupSeconds} s (${int(warmOps)} operations, not counted; bench/meta-ops.ts warmUp)`);
    await noteTermAfter("the metadata warm-up");
  }
  for (let run = 0; run < repeat; run++) {
    for (const [name, op] of OPS) {
      for (const workers of META_WORKERS) {
        await metaPhase(name, op, workers, workers === 1 ? [leaderClient] : leaderClients, run, "leader");
        await noteTermAfter(`run ${run + 1} ${name}, ${workers} worker(s)`);
        if (!posix || typeof moose === "string") continue;
        const label = `${name === "create" ? "create+close" : name}, ${workers} worker${workers > 1 ? "s" : ""}, MooseFS`;
        try {
          const result = await posix.run(op, workers, seconds, moose.pids());
          record(`moosefs ${name} ${workers}`, result.ops / result.seconds);
          out(`  run ${run + 1} ${metaLine(label, result)}`);
          await noteTermAfter(`run ${run + 1} ${label}`);
        } catch (err) {
          out(`  run ${run + 1} ${label}: FAILED: ${(err as Error).message}`);
        }
      }
    }
  }
  if (typeof moose !== "string") await moose.stop();
  for (const [name, op] of OPS.filter(([name]) => name === "create" || name === "stat")) await metaPhase(name, op, 16, followerClients, 0, "follower");
  const termAtEnd = (await leaderClient.status()).term;
  if (termAtEnd !== termAtStart) out(`  NOTE: the Raft term moved from ${termAtStart} to ${termAtEnd} during the run (an election happened)`);
  for (const client of [...leaderClients.slice(1), ...followerClients]) await closeClient(client);
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
  // MooseFS's writes of this run when it ran, else issue 4's figures.
  const m1 = runs.has("moosefs write 1") ? med("moosefs write 1") : NaN;
  const m3 = runs.has("moosefs write 3") ? med("moosefs write 3") : NaN;
  const mooseWriteText = (same: number, old: number) => (Number.isNaN(same) ? `${int(old)} MB/s (issue 4)` : `MooseFS ${int(same)} MB/s, this run`);
  const w1Goal = Number.isNaN(m1) ? w1 >= 0.8 * disk : w1 >= m1;
  row("write, replication 1, remote client", `${int(w1)} MB/s`, `${pct(w1 / disk)} of disk, ${pct(w1 / tcp)} of TCP`, mooseWriteText(m1, MOOSEFS.write1), `issue 13: >= ${Number.isNaN(m1) ? "0.8 x disk" : "MooseFS goal 1"}: ${goal(w1Goal)}`);
  row("write, replication 3, remote client", `${int(w3)} MB/s`, `${pct(w3 / disk)} of disk, ${pct(w3 / tcp)} of TCP`, mooseWriteText(m3, MOOSEFS.write3), `>= ${GOAL.write3MBps} MB/s: ${goal(w3 >= GOAL.write3MBps)}; issue 13: >= 0.85 x disk / 3: ${goal(w3 >= (0.85 * disk) / 3)}`);
  for (const replication of [1, 3]) {
    const value = med(`remote read ${replication}`);
    const cpu = med(`remote read ${replication} client cpu`);
    // Issue 13: at replication 3, twice MooseFS's read of this run (320 MB/s without MooseFS).
    const moose = runs.has(`moosefs read ${replication}`) ? med(`moosefs read ${replication}`) : NaN;
    const issue13 = replication === 3 ? `; issue 13: >= ${Number.isNaN(moose) ? "320 MB/s" : "2x MooseFS"}: ${goal(value >= (Number.isNaN(moose) ? 320 : 2 * moose))}, client < ${GOAL.remoteReadCpuSecondsPerGiB} CPU-s/GiB: ${goal(cpu < GOAL.remoteReadCpuSecondsPerGiB)}` : "";
    row(`read, replication ${replication}, remote client`, `${int(value)} MB/s, client ${cpu.toFixed(2)} CPU-s/GiB`, `${pct(value / tcp)} of TCP, ${pct(value / diskRead)} of disk read`, Number.isNaN(moose) ? `~${MOOSEFS.read} MB/s (issue 4)` : `MooseFS ${int(moose)} MB/s, this run`, `>= ${GOAL.remoteReadMBps} MB/s: ${goal(value >= GOAL.remoteReadMBps)}${issue13}`);
  }
  if (runs.has("readers sum")) {
    const value = med("readers sum");
    row(`read, replication 3, ${READERS} remote clients at once (sum)`, `${int(value)} MB/s`, `${pct(value / tcp)} of TCP`, "", "");
  }
  const lw1 = med("local write 1");
  const lw3 = med("local write 3");
  row("write, replication 1, client inside a peer", `${int(lw1)} MB/s`, `${pct(lw1 / disk)} of disk`, "", "");
  row("write, replication 3, client inside a peer", `${int(lw3)} MB/s`, `${pct(lw3 / disk)} of disk, ${pct(lw3 / tcp)} of TCP`, "", `>= ${GOAL.write3MBps} MB/s: ${goal(lw3 >= GOAL.write3MBps)}`);
  for (const replication of [1, 3]) {
    const value = med(`local read ${replication}`);
    row(`read, replication ${replication}, local (peer holds a replica of every chunk)`, `${int(value)} MB/s`, `${pct(value / diskRead)} of disk read`, "", `>= ${GOAL.localReadMBps} MB/s: ${goal(value >= GOAL.localReadMBps)}; issue 13 (warm): >= ${GOAL.warmLocalReadMBps} MB/s: ${goal(value >= GOAL.warmLocalReadMBps)}`);
  }
  const metaRow = (through: string, op: string, workers: number, reference: string, goalText: string) => {
    const name = `${through} ${op} ${workers}`;
    if (!runs.has(name)) return;
    row(`${op === "create" ? "create+close" : op}, ${workers} worker${workers > 1 ? "s" : ""}, ${through}`, `${int(med(name))} ops/s`, `p50 ${ms(med(`${name} p50`))} ms, p99 ${ms(med(`${name} p99`))} ms, CPU ${ms(med(`${name} cpu`))} ms/op`, reference, goalText);
  };
  // MooseFS measured in this run when it is installed, else the figure of issue 4.
  const mooseText = (op: string, workers: number, issue4?: number) =>
    runs.has(`moosefs ${op} ${workers}`) ? `${int(med(`moosefs ${op} ${workers}`))}/s (this run)` : issue4 !== undefined && workers === 16 ? `${int(issue4)}/s (issue 4)` : "";
  // dfsio's names for meta-ops' operations, for the goal of each row.
  const goalText = (name: string, op: MetaOp, workers: number) => metaGoalText(op, workers, med(`leader ${name} ${workers}`), med(`moosefs ${name} ${workers}`), med(`leader ${name} ${workers} p50`));
  for (const workers of META_WORKERS) metaRow("leader", "create", workers, mooseText("create", workers, MOOSEFS.creates), goalText("create", "create", workers));
  for (const workers of META_WORKERS) metaRow("leader", "mkdir", workers, mooseText("mkdir", workers), "");
  for (const workers of META_WORKERS) metaRow("leader", "stat", workers, mooseText("stat", workers, MOOSEFS.stats), goalText("stat", "fileStatus", workers));
  for (const workers of META_WORKERS) metaRow("leader", "delete", workers, mooseText("delete", workers), goalText("delete", "delete", workers));
  metaRow("follower", "create", 16, "", "");
  metaRow("follower", "stat", 16, "", "");
}

// ---- entry ----

const role = arg("role");
if (role === "sink") await runSink();
else if (role === "local-peer") await runLocalPeer();
else if (role === "reader") await runReader();
else await runBench(main, () => {
  if (runs.size > 0) printSummary(numberArg("size-mib", SIZE_MIB_DEFAULT, 1) * MiB, Math.floor(numberArg("files", FILES_DEFAULT, 1)));
});
