// What the end-to-end benches share (dfsio, nnbench, smallfiles, million): flags, statistics
// and formatting, CPU accounting from /proc, child processes that are always cleaned up, and a
// cluster of dist/tessera processes on loopback. Nothing here measures by itself.
import { fdatasyncSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { connect, type ClusterClient } from "../src/client/cluster.ts";
import { decodeSwarmKey } from "../src/net/swarm-key.ts";

export const MiB = 1024 * 1024;
export const PEER_START_TIMEOUT_MS = 20_000;
export const CLUSTER_FORM_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ, the unit of /proc/<pid>/stat times.
// libp2p refuses more than 5 inbound connections per second from one IP address
// (connectionManager.inboundConnectionThreshold), and everything here comes from 127.0.0.1.
const CONNECT_INTERVAL_MS = 300;
// The disk reference appends records of this size, like a Raft entry of a small command.
const DISK_RECORD_BYTES = 100;

// ---- arguments ----

export function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

export function numberArg(name: string, fallback: number, min: number): number {
  const text = arg(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number of at least ${min}, not "${text}"`);
    process.exit(2);
  }
  return value;
}

/** A comma-separated flag, each item one of `allowed` (or any, when `allowed` is undefined). */
export function listArg(name: string, fallback: string[], allowed?: readonly string[]): string[] {
  const text = arg(name);
  if (text === undefined) return fallback;
  const items = text.split(",").map((item) => item.trim()).filter(Boolean);
  const unknown = allowed ? items.filter((item) => !allowed.includes(item)) : [];
  if (items.length === 0 || unknown.length > 0) {
    console.error(`--${name} takes a comma-separated list${allowed ? ` of ${allowed.join(", ")}` : ""}, not "${text}"`);
    process.exit(2);
  }
  return items;
}

/** The compiled binary the peers run, or undefined (with a line saying how to build it). */
export function binaryArg(benchDir: string): string | undefined {
  const binary = resolve(arg("binary") ?? resolve(benchDir, "../dist/tessera"));
  if (existsSync(binary)) return binary;
  out(`no binary at ${binary}: build it with \`bun run scripts/build.ts\` (or pass --binary PATH)`);
  return undefined;
}

export const binaryText = (binary: string) => `binary ${binary} (built ${statSync(binary).mtime.toISOString()}), Bun ${Bun.version}`;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function withTimeout<T>(what: string, ms: number, body: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([body, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---- statistics and formatting ----

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  return percentile([...values].filter(Number.isFinite).sort((a, b) => a - b), 0.5);
}

export const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "—");
export const ms = (value: number) => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(2)) : "—");
export const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : "—");
export const goal = (met: boolean) => (met ? "goal met" : "goal missed");
export const out = (line = "") => process.stdout.write(line + "\n");
export const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** A repeatable pseudo-random buffer (xorshift32): incompressible, cheap to make. */
export function pattern(sizeBytes: number, seed: number): Uint8Array {
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

export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND; // utime + stime
  } catch {
    return NaN; // gone, or not Linux
  }
}

/** A process's resident memory from /proc/<pid>/status (VmRSS), in bytes; NaN when gone. */
export function processRssBytes(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * The largest VmRSS of a process while it runs, polled every `intervalMs`: Bun's
 * resourceUsage().maxRSS of a child is not its own peak (a spawned `true` reports 24 MB, and a
 * CLI that listed nothing the peak of an earlier child), while its cpuTime is its own.
 */
export function watchRss(pid: number, intervalMs = 20): { stop(): number } {
  let maxBytes = NaN;
  const poll = () => {
    const bytes = processRssBytes(pid);
    if (Number.isFinite(bytes) && !(bytes <= maxBytes)) maxBytes = bytes;
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return maxBytes;
    },
  };
}

export function machineBusySeconds(): number {
  try {
    const values = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = values[3]! + values[4]!; // idle + iowait
    return (values.reduce((sum, value) => sum + value, 0) - idle) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

export function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** CPU seconds of a phase: the peers (pids given), this process, everything else on the machine. */
export interface CpuUse {
  peers: number;
  client: number;
  rest: number;
}

export interface CpuSnapshot {
  peers: number[];
  self: number;
  busy: number;
}

export const cpuSnapshot = (pids: number[]): CpuSnapshot => ({ peers: pids.map(processCpuSeconds), self: selfCpuSeconds(), busy: machineBusySeconds() });

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const peers = after.peers.reduce((sum, value, i) => sum + value - (before.peers[i] ?? value), 0);
  const client = after.self - before.self;
  return { peers, client, rest: Math.max(0, after.busy - before.busy - peers - client) };
}

/** CPU seconds used while `body` ran: the peers (pids), this process, everything else. */
export async function measuringCpu<T>(pids: () => number[], body: () => Promise<T>): Promise<{ value: T; cpu: CpuUse }> {
  const before = cpuSnapshot(pids());
  const value = await body();
  return { value, cpu: cpuBetween(before, cpuSnapshot(pids())) };
}

export const cpuText = (cpu: CpuUse) => `CPU s: peers ${cpu.peers.toFixed(1)}, client ${cpu.client.toFixed(1)}, rest of machine ${cpu.rest.toFixed(1)}`;

/** How busy the machine was over `seconds` of nothing of ours running: the load others put on it. */
export async function machineLoad(seconds: number): Promise<number> {
  const before = machineBusySeconds();
  await sleep(seconds * 1000);
  return (machineBusySeconds() - before) / seconds; // cores busy
}

// ---- the disk: appends with fdatasync, what a Raft log's group commit rests on ----

export interface DiskRate {
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Appends of DISK_RECORD_BYTES each followed by fdatasync, for `seconds`, in `dir` (sync calls, as bench/raft). */
export function diskAppendFdatasync(dir: string, seconds: number): DiskRate {
  const path = join(dir, "fdatasync-reference.bin");
  const fd = openSync(path, "a");
  const record = new Uint8Array(DISK_RECORD_BYTES).fill(1);
  const latenciesMs: number[] = [];
  const startMs = performance.now();
  try {
    while (performance.now() - startMs < seconds * 1000) {
      const t = performance.now();
      writeSync(fd, record);
      fdatasyncSync(fd);
      latenciesMs.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  latenciesMs.sort((a, b) => a - b);
  return { opsPerSecond: latenciesMs.length / ((performance.now() - startMs) / 1000), p50Ms: percentile(latenciesMs, 0.5), p99Ms: percentile(latenciesMs, 0.99) };
}

export const diskText = (disk: DiskRate) => `${int(disk.opsPerSecond)} appends of ${DISK_RECORD_BYTES} B + fdatasync per second (p50 ${ms(disk.p50Ms)} ms, p99 ${ms(disk.p99Ms)} ms)`;

// ---- cleanup: every child process and temp folder, at the end, on error and on SIGINT ----

const children = new Set<Subprocess>();
const tempDirs = new Set<string>();
const openClients = new Set<ClusterClient>();
const cleanups: Array<() => Promise<void>> = [];
const cleanupsNow: Array<() => void> = [];

export function track<T extends Subprocess>(child: T): T {
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

export function makeTempDir(prefix: string, parent = tmpdir()): string {
  const path = mkdtempSync(join(parent, `tessera-${prefix}-`));
  tempDirs.add(path);
  return path;
}

/**
 * Work to do at cleanup before the children are stopped (unmounting a file system, say), and
 * optionally its synchronous form for an exit that cannot wait (run before the children are
 * killed and the temp folders removed).
 */
export function onCleanup(work: () => Promise<void>, now?: () => void): void {
  cleanups.push(work);
  if (now) cleanupsNow.push(now);
}

let cleanedUp = false;
async function cleanup(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  await Promise.all([...openClients].map((client) => withTimeout("closing a client", 3_000, client.close()).catch(() => {})));
  for (const work of cleanups.reverse()) await withTimeout("a cleanup", 10_000, work()).catch(() => {});
  const running = [...children];
  for (const child of running) child.kill("SIGTERM");
  const timer = setTimeout(() => running.forEach((child) => child.kill("SIGKILL")), STOP_GRACE_MS);
  await Promise.all(running.map((child) => child.exited));
  clearTimeout(timer);
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function cleanupNow(): void {
  for (const work of cleanupsNow.reverse()) {
    try {
      work();
    } catch {
      // the rest still runs
    }
  }
  cleanupsNow.length = 0;
  for (const child of children) child.kill("SIGKILL");
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

/**
 * Runs a bench's main: on SIGINT or SIGTERM, on an error and at the end every child process
 * is stopped and every temp folder removed. An error is printed, then `onStopped` (a summary
 * of what was measured so far); the exit code is always 0, since a slow machine is no failure.
 */
export async function runBench(main: () => Promise<void>, onStopped?: () => void): Promise<never> {
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
    onStopped?.();
  } finally {
    await cleanup();
  }
  process.exit(0);
}

// ---- child processes: line-oriented JSON over stdin/stdout ----

export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
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

export function drainStderr(stream: ReadableStream<Uint8Array>): string[] {
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

export interface Child {
  process: Subprocess<"pipe", "pipe", "pipe">;
  lines: AsyncGenerator<string>;
  stderrTail: string[];
}

/** Another Bun process of `script` (a bench file in a child role), spoken to in JSON lines. */
export function spawnChild(script: string, args: string[], env: Record<string, string> = {}): Child {
  const child = track(Bun.spawn([process.execPath, script, ...args], { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, TESSERA_LOG: process.env.TESSERA_LOG ?? "warn", ...env } }));
  const stderrTail = drainStderr(child.stderr);
  return { process: child, lines: readLines(child.stdout), stderrTail };
}

export async function ask<T>(child: Child, message: object, timeoutMs: number): Promise<T> {
  child.process.stdin.write(JSON.stringify(message) + "\n");
  await child.process.stdin.flush();
  const next = await withTimeout("a child's answer", timeoutMs, child.lines.next());
  if (next.done) throw new Error(`the child exited: ${child.stderrTail.join("").trim().slice(-500)}`);
  const answer = JSON.parse(next.value) as T & { error?: string };
  if (answer.error) throw new Error(answer.error);
  return answer;
}

export function reply(message: object): void {
  process.stdout.write(JSON.stringify(message) + "\n");
}

// ---- peers: processes of dist/tessera ----

export interface PeerProcess {
  name: string;
  id: string;
  address: string;
  http: string;
  dataDir: string;
  child: Subprocess<"ignore", "pipe", "pipe">;
  stderrTail: string[];
}

/** `tessera node start` in its own process, on loopback; answers once it printed its start-up line. */
export async function startPeerProcess(binary: string, name: string, dataDir: string, extra: string[], env: Record<string, string> = {}): Promise<PeerProcess> {
  const child = track(
    Bun.spawn([binary, "node", "start", "--json", "--data-dir", dataDir, "--listen", "/ip4/127.0.0.1/tcp/0", "--http", "127.0.0.1:0", ...extra], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, TESSERA_LOG: process.env.TESSERA_LOG ?? "warn", ...env },
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
  const summary = JSON.parse(first.value) as { id: string; addresses: string[]; http: string };
  const address = summary.addresses.find((a) => a.includes("/127.0.0.1/")) ?? summary.addresses[0]!;
  return { name, id: summary.id, address, http: summary.http, dataDir, child, stderrTail };
}

/** Stops a peer process (SIGTERM, then SIGKILL after the grace time) and waits for it to exit. */
export async function stopPeerProcess(peer: PeerProcess): Promise<void> {
  peer.child.kill("SIGTERM");
  const timer = setTimeout(() => peer.child.kill("SIGKILL"), STOP_GRACE_MS);
  await peer.child.exited;
  clearTimeout(timer);
}

/** Peers that exited, with how and the end of their stderr: a failed phase says why. */
export function deadPeers(peers: PeerProcess[]): string | undefined {
  const dead = peers.filter((peer) => peer.child.exitCode !== null || peer.child.signalCode !== null);
  if (dead.length === 0) return undefined;
  return dead.map((peer) => `${peer.name} (pid ${peer.child.pid}) exited ${peer.child.signalCode ? `by ${peer.child.signalCode}` : `with code ${peer.child.exitCode}`}${peer.stderrTail.length ? `: ${peer.stderrTail.join("").trim().slice(-300)}` : ""}`).join("; ");
}

const lastConnectMs = new Map<string, number>();
/** A client connection (its own libp2p host), paced so loopback's inbound threshold is never hit. */
export async function connectPaced(address: string, swarmKey: Uint8Array): Promise<ClusterClient> {
  const waitMs = (lastConnectMs.get(address) ?? -Infinity) + CONNECT_INTERVAL_MS - performance.now();
  lastConnectMs.set(address, performance.now() + Math.max(0, waitMs));
  if (waitMs > 0) await sleep(waitMs);
  const client = await connect({ join: [address], swarmKey });
  openClients.add(client);
  return client;
}

export async function closeClient(client: ClusterClient): Promise<void> {
  openClients.delete(client);
  await client.close().catch(() => {});
}

export interface Cluster {
  peers: PeerProcess[];
  leader: PeerProcess;
  follower: PeerProcess;
  swarmKey: Uint8Array;
  swarmKeyPath: string;
  /** A client connected to the first peer (for setup and status). */
  control: ClusterClient;
  pids(): number[];
}

/** Peers of dist/tessera on loopback, one per rack given, data dirs under `root`; answers once all are alive with a leader. */
export async function startCluster(binary: string, root: string, racks: string[], env: Record<string, string> = {}): Promise<Cluster> {
  const peers: PeerProcess[] = [];
  peers.push(await startPeerProcess(binary, "p1", join(root, "p1"), ["--rack", racks[0]!], env));
  const swarmKeyPath = join(root, "p1", "swarm.key");
  const swarmKey = decodeSwarmKey(readFileSync(swarmKeyPath, "utf8"));
  for (let i = 1; i < racks.length; i++) {
    peers.push(await startPeerProcess(binary, `p${i + 1}`, join(root, `p${i + 1}`), ["--rack", racks[i]!, "--join", peers[0]!.address, "--swarm-key", swarmKeyPath], env));
  }
  const control = await connectPaced(peers[0]!.address, swarmKey);
  const voters = Math.min(3, racks.length);
  const leaderId = await waitFor(`${racks.length} alive peers and ${voters} voters with a leader`, CLUSTER_FORM_TIMEOUT_MS, async () => {
    const [table, status] = await Promise.all([control.peers(), control.status()]);
    const alive = table.filter((peer) => peer.state === "alive").length;
    return alive === racks.length && status.voters.length === voters && status.leader ? status.leader : undefined;
  });
  const leader = peers.find((peer) => peer.id === leaderId)!;
  const follower = peers.find((peer) => peer.id !== leaderId) ?? leader;
  return { peers, leader, follower, swarmKey, swarmKeyPath, control, pids: () => peers.map((peer) => peer.child.pid) };
}

export const clusterText = (cluster: Cluster, racks: string[]) => `cluster: ${cluster.peers.map((peer, i) => `${peer.name} ${racks[i]} pid ${peer.child.pid}`).join(", ")}; leader ${cluster.leader.name}`;
