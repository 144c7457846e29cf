// One-stream throughput over loopback between two Bun processes, for each way Tessera could
// move bytes: raw Bun TCP (the ceiling), libp2p plaintext + yamux (libp2p's own cost), stock
// Noise with the wasm ChaCha (what noise() gives on Bun), pnet + plaintext (the private-network
// module we decided against), and Tessera's transport (tesseraEncryption + yamux).
//
//   bun run bench/net.ts [--size-mib N] [--repeat N] [--only name,name]
//
// This process sends; a child Bun process (this file with --role receiver) receives, counts
// and reports when the last byte arrived. It prints figures and always exits 0: a slow or
// loaded machine gives smaller numbers, not a failure.
import { spawn } from "bun";
import { createLibp2p, type Libp2p } from "libp2p";
import { tcp } from "@libp2p/tcp";
import { yamux } from "@libp2p/yamux";
import { plaintext } from "@libp2p/plaintext";
import { preSharedKey } from "@libp2p/pnet";
import { noise } from "@chainsafe/libp2p-noise";
import { asCrypto, defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import { multiaddr } from "@multiformats/multiaddr";
import type { ConnectionEncrypter, Stream } from "@libp2p/interface";
import { tesseraEncryption } from "../src/net/encryption.ts";
import { encodeSwarmKey } from "../src/net/swarm-key.ts";

const BENCH_PROTOCOL = "/tessera-bench/sink/1";
const SIZE_MIB_DEFAULT = 1024;
const REPEAT_DEFAULT = 1;
// The wasm-ChaCha Noise and pnet paths move ~100 MB/s or less; a fraction of the size keeps
// the whole run within a couple of minutes and still measures a steady state.
const SLOW_PATH_SIZE_FRACTION = 1 / 8;
const SLOW_PATH_SIZE_MIB_MIN = 16;
// Bytes per send(). pnet's xsalsa20 (1.2.0) crashes on writes much above 256 KiB
// ("WebAssembly.Memory.grow would exceed the memory's declared maximum size"), so pnet gets
// 256 KiB; the other paths get the 1 MiB a chunk server's reads would hand them.
const WRITE_BYTES = 1024 * 1024;
const PNET_WRITE_BYTES_MAX = 256 * 1024;
// A path that has not finished in this long is reported as timed out, not waited for.
const PATH_TIMEOUT_MS = 300_000;
// How long a receiver gets to exit on its own once its stdin is closed.
const CHILD_EXIT_GRACE_MS = 5_000;
// A fixed, well-known key: the bench measures speed, not secrecy.
const BENCH_SWARM_KEY = new Uint8Array(32).fill(7);

type PathName = "raw-tcp" | "plaintext" | "noise-wasm" | "pnet" | "tessera";
const PATHS: PathName[] = ["raw-tcp", "plaintext", "noise-wasm", "pnet", "tessera"];

interface PathResult {
  path: PathName;
  sizeBytes: number;
  seconds: number;
  senderCpuSeconds: number;
  receiverCpuSeconds: number;
}

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function encrypterFor(path: PathName): ((components: any) => ConnectionEncrypter) | undefined {
  switch (path) {
    case "plaintext":
    case "pnet":
      return plaintext();
    case "noise-wasm":
      // Stock Noise with the wasm ChaCha20-Poly1305: noise() as shipped crashes on Bun,
      // whose node:crypto has no chacha20-poly1305.
      return noise({ crypto: { ...defaultCrypto, chaCha20Poly1305Encrypt: asCrypto.chaCha20Poly1305Encrypt, chaCha20Poly1305Decrypt: asCrypto.chaCha20Poly1305Decrypt } });
    case "tessera":
      return tesseraEncryption({ swarmKey: BENCH_SWARM_KEY });
    case "raw-tcp":
      return undefined;
  }
}

async function startLibp2p(path: PathName, listen: boolean): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: listen ? ["/ip4/127.0.0.1/tcp/0"] : [] },
    transports: [tcp()],
    connectionEncrypters: [encrypterFor(path)!],
    streamMuxers: [yamux()],
    ...(path === "pnet" ? { connectionProtector: preSharedKey({ psk: new TextEncoder().encode(encodeSwarmKey(BENCH_SWARM_KEY)) }) } : {}),
    // docs/findings.md: under saturated transfers its pings time out and it aborts healthy connections.
    connectionMonitor: { enabled: false },
  });
}

// ---- receiver (child process) ----

function report(line: object): void {
  process.stdout.write(JSON.stringify(line) + "\n");
}

async function runReceiver(path: PathName, expectedBytes: number): Promise<void> {
  let received = 0;
  let cpuAtFirstByte = 0;
  const onBytes = (count: number): void => {
    if (received === 0) cpuAtFirstByte = cpuSeconds();
    received += count;
    if (received >= expectedBytes) report({ done: true, receivedBytes: received, cpuSeconds: cpuSeconds() - cpuAtFirstByte });
  };
  if (path === "raw-tcp") {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: (_socket, data) => onBytes(data.length) } });
    report({ address: `/ip4/127.0.0.1/tcp/${server.port}` });
  } else {
    const node = await startLibp2p(path, true);
    await node.handle(BENCH_PROTOCOL, async (stream: Stream) => {
      for await (const piece of stream) onBytes(piece.byteLength);
    });
    report({ address: node.getMultiaddrs()[0]!.toString() });
  }
  // Stay until the parent closes our stdin (or dies).
  for await (const _ of Bun.stdin.stream()) { /* keep alive */ }
  process.exit(0);
}

// ---- sender (parent) ----

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const piece of stream) {
    buffered += decoder.decode(piece, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      onLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
  }
}

async function sendRaw(address: string, payload: Uint8Array, sizeBytes: number): Promise<void> {
  const port = Number(address.split("/").pop());
  const drained = { wake: () => {} };
  const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, drain: () => drained.wake() } });
  let sent = 0;
  while (sent < sizeBytes) {
    const piece = payload.subarray(0, Math.min(payload.length, sizeBytes - sent));
    let offset = 0;
    while (offset < piece.length) {
      const written = socket.write(piece.subarray(offset));
      offset += written;
      if (offset < piece.length) await new Promise<void>((resolve) => { drained.wake = resolve; });
    }
    sent += piece.length;
  }
  socket.end();
}

// Backpressure by the stream's 'drain' event: docs/findings.md, `await stream.onDrain()` in
// @libp2p/utils 7.4.1 stops resolving after the first drain.
async function sendLibp2p(stream: Stream, payload: Uint8Array, sizeBytes: number, writeBytes: number): Promise<void> {
  let sent = 0;
  while (sent < sizeBytes) {
    const length = Math.min(writeBytes, sizeBytes - sent);
    const offset = sent % payload.length;
    const piece = payload.subarray(offset, offset + Math.min(length, payload.length - offset));
    sent += piece.length;
    if (!stream.send(piece)) await new Promise<void>((resolve) => stream.addEventListener("drain", () => resolve(), { once: true }));
  }
  await stream.close();
}

async function measure(path: PathName, sizeBytes: number): Promise<PathResult | string> {
  // BENCH_NET_CHILD_FLAGS passes Bun flags to the receiver, e.g. "--cpu-prof-md" to profile it.
  const childFlags = (process.env.BENCH_NET_CHILD_FLAGS ?? "").split(" ").filter((flag) => flag.length > 0);
  const child = spawn([process.execPath, ...childFlags, import.meta.path, "--role", "receiver", "--path", path, "--size-bytes", String(sizeBytes)], {
    stdin: "pipe", stdout: "pipe", stderr: "inherit",
  });
  const address = Promise.withResolvers<string>();
  const done = Promise.withResolvers<{ cpuSeconds: number }>();
  const lines = readLines(child.stdout, (line) => {
    const message = JSON.parse(line);
    if (message.address) address.resolve(message.address);
    if (message.done) done.resolve(message);
  }).then(() => { address.reject(new Error("receiver exited")); done.reject(new Error("receiver exited")); });
  void lines;
  let node: Libp2p | undefined;
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${PATH_TIMEOUT_MS} ms`)), PATH_TIMEOUT_MS).unref());
  try {
    const target = await Promise.race([address.promise, timeout]);
    const payload = new Uint8Array(WRITE_BYTES * 4);
    crypto.getRandomValues(payload.subarray(0, 65536));
    for (let i = 65536; i < payload.length; i += 65536) payload.copyWithin(i, 0, 65536);
    let stream: Stream | undefined;
    if (path !== "raw-tcp") {
      node = await startLibp2p(path, false);
      // Connection setup (handshakes, muxer) is not part of the throughput.
      stream = await node.dialProtocol(multiaddr(target), BENCH_PROTOCOL);
    }
    const cpuBefore = cpuSeconds();
    const started = performance.now();
    const sending = path === "raw-tcp"
      ? sendRaw(target, payload, sizeBytes)
      : sendLibp2p(stream!, payload, sizeBytes, path === "pnet" ? PNET_WRITE_BYTES_MAX : WRITE_BYTES);
    const [, receiver] = await Promise.race([Promise.all([sending, done.promise]), timeout]);
    const seconds = (performance.now() - started) / 1000;
    return { path, sizeBytes, seconds, senderCpuSeconds: cpuSeconds() - cpuBefore, receiverCpuSeconds: receiver.cpuSeconds };
  } catch (err) {
    return `${path}: ${(err as Error).message}`;
  } finally {
    await Promise.resolve(node?.stop()).catch(() => {});
    // Closing stdin asks the receiver to exit (so a --cpu-prof child writes its profile);
    // kill it if it does not.
    child.stdin.end();
    const exitTimer = setTimeout(() => child.kill(), CHILD_EXIT_GRACE_MS);
    await child.exited;
    clearTimeout(exitTimer);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function runSender(): Promise<void> {
  const sizeMib = Number(arg("size-mib") ?? SIZE_MIB_DEFAULT);
  const repeat = Math.max(1, Number(arg("repeat") ?? REPEAT_DEFAULT));
  const only = arg("only")?.split(",") as PathName[] | undefined;
  const paths = PATHS.filter((path) => only === undefined || only.includes(path));
  const results = new Map<PathName, PathResult[]>();
  console.log(`one stream over loopback, two Bun ${Bun.version} processes; ${sizeMib} MiB per path (slow paths less), ${repeat} run(s), median shown`);
  for (let round = 0; round < repeat; round++) {
    for (const path of paths) {
      const slow = path === "noise-wasm" || path === "pnet";
      const pathMib = slow ? Math.max(SLOW_PATH_SIZE_MIB_MIN, Math.round(sizeMib * SLOW_PATH_SIZE_FRACTION)) : sizeMib;
      const result = await measure(path, pathMib * 1024 * 1024);
      if (typeof result === "string") {
        console.log(`  ${result}`);
        continue;
      }
      console.log(`  run ${round + 1} ${path}: ${(result.sizeBytes / 1e6 / result.seconds).toFixed(0)} MB/s`);
      results.set(path, [...(results.get(path) ?? []), result]);
    }
  }
  const rate = (r: PathResult) => r.sizeBytes / 1e6 / r.seconds;
  const perGiB = (r: PathResult, cpu: number) => (cpu * (1 << 30)) / r.sizeBytes;
  const rawRate = results.has("raw-tcp") ? median(results.get("raw-tcp")!.map(rate)) : undefined;
  console.log("");
  console.log("| path | MiB | MB/s | ratio to raw TCP | CPU s/GiB send / recv |");
  console.log("|---|---|---|---|---|");
  for (const path of paths) {
    const runs = results.get(path);
    if (!runs) { console.log(`| ${path} | — | failed | — | — |`); continue; }
    const mbps = median(runs.map(rate));
    const ratio = rawRate ? (mbps / rawRate).toFixed(2) : "—";
    const cpu = `${median(runs.map((r) => perGiB(r, r.senderCpuSeconds))).toFixed(2)} / ${median(runs.map((r) => perGiB(r, r.receiverCpuSeconds))).toFixed(2)}`;
    console.log(`| ${path} | ${runs[0]!.sizeBytes / 1024 / 1024} | ${mbps.toFixed(0)} | ${ratio} | ${cpu} |`);
  }
}

if (arg("role") === "receiver") {
  await runReceiver(arg("path") as PathName, Number(arg("size-bytes")));
} else {
  await runSender();
  process.exit(0);
}
