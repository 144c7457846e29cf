// The chaos run's cluster (issue 18): N real peers of the compiled binary, each in its own
// network namespace (net.ts) and each with its data dir on its own small tmpfs, so that a full
// disk is a real ENOSPC. The nemesis's levers: kill -9 and restart, SIGSTOP/SIGCONT, fill and
// free a disk, jump a wall clock (the peer's TESSERA_TEST_CLOCK_FILE hook).
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { fillToLastByte } from "../support/full-disk.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { AccessKeyStore } from "../../src/gateway/s3/keys.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";
import type { FsckResult, PeerView } from "../../src/protocol/views.ts";
import { waitFor } from "../support/wait.ts";
import { isMountPoint, pidAlive, sh, type ChaosNet } from "./net.ts";
import type { WorkloadTarget } from "./workloads/index.ts";

export const LIBP2P_PORT = 4001;
export const HTTP_PORT = 8080;
export const S3_PORT = 9000;
/**
 * Each peer's tmpfs. Placement wants a chunk's size plus PLACEMENT_RESERVE_BYTES (64 MiB) free
 * on a peer (src/master/cluster/placement.ts), and a default chunk is 64 MiB: under 128 MiB
 * free, a peer takes no new chunk (NO_PEERS), so the disk is that plus room for the data.
 */
export const DISK_MIB_DEFAULT = 256;
/** What launch() sees of a peer that ended before printing its start-up line. */
const EXITED = Symbol("exited");
/** The bucket of the nemesis's own S3 probes. */
const PROBE_BUCKET = "chaos-probe";

/** Failure detection tuned for a run of minutes: a silent peer is suspect after 1 s. */
export const CHAOS_TIMING = { heartbeatMs: 250, suspectAfterMs: 1_000, deadAfterMs: 3_000, voterDeadAfterMs: 30_000 };

export interface ClusterOptions {
  readonly net: ChaosNet;
  readonly binary: string;
  /** Size of each peer's tmpfs (its whole data dir). */
  readonly diskMiB?: number;
  readonly timing?: Partial<typeof CHAOS_TIMING>;
  /** TESSERA_LOG of the peers (default warn). */
  readonly logLevel?: string;
}

interface PeerSlot {
  readonly index: number;
  readonly mount: string;
  readonly dataDir: string;
  readonly clockFile: string;
  readonly logFile: string;
  id?: string;
  process?: Subprocess<"ignore", "pipe", "inherit">;
  paused: boolean;
}

const root = () => join(tmpdir());

/** The chaos cluster: start() makes it, stop() removes every process, mount and file. */
export class ChaosCluster {
  readonly dir: string;
  private readonly slots: PeerSlot[];
  private swarmKeyFile = "";
  private swarmKey?: Uint8Array;
  private adminClient?: ClusterClient;
  private readonly viaClients = new Map<number, ClusterClient>();
  private readonly timing: typeof CHAOS_TIMING;
  private s3Key?: { accessKeyId: string; secretAccessKey: string };

  constructor(private readonly options: ClusterOptions) {
    this.dir = mkdtempSync(join(root(), `tessera-chaos-${options.net.runId}-`));
    this.timing = { ...CHAOS_TIMING, ...options.timing };
    this.slots = options.net.peerAddresses.map((_, index) => {
      const mount = join(this.dir, `p${index}`);
      return { index, mount, dataDir: join(mount, "data"), clockFile: join(this.dir, `clock-p${index}`), logFile: join(this.dir, `p${index}.log`), paused: false };
    });
  }

  get size(): number {
    return this.slots.length;
  }

  address(peer: number): string {
    return `/ip4/${this.options.net.peerAddresses[peer]}/tcp/${LIBP2P_PORT}`;
  }

  httpUrl(peer: number): string {
    return `http://${this.options.net.peerAddresses[peer]}:${HTTP_PORT}`;
  }

  s3Url(peer: number): string {
    return `http://${this.options.net.peerAddresses[peer]}:${S3_PORT}`;
  }

  /** Peer ids, by index (known once started). */
  ids(): string[] {
    return this.slots.map((slot) => slot.id ?? "");
  }

  indexOf(id: string): number {
    return this.slots.findIndex((slot) => slot.id === id);
  }

  clientEnv(): Record<string, string> {
    return { TESSERA_JOIN: this.slots.map((slot) => this.address(slot.index)).join(","), TESSERA_SWARM_KEY: this.swarmKeyFile };
  }

  target(): WorkloadTarget {
    return {
      clientEnv: this.clientEnv(),
      s3Endpoints: this.slots.map((slot) => this.s3Url(slot.index)),
      httpEndpoints: this.slots.map((slot) => this.httpUrl(slot.index)),
      ...(this.s3Key ? { s3Key: this.s3Key } : {}),
    };
  }

  /**
   * Writes `bytes` bytes through peer `peer`'s S3 gateway (whose writes put their first replica
   * on that peer): "ok", or the error the client got.
   */
  async s3Probe(peer: number, bytes: number): Promise<string> {
    const s3 = new S3Client({ endpoint: this.s3Url(peer), region: "us-east-1", forcePathStyle: true, credentials: this.s3Key!, maxAttempts: 1 });
    try {
      await s3.send(new PutObjectCommand({ Bucket: PROBE_BUCKET, Key: `probe-${Date.now()}`, Body: new Uint8Array(bytes).fill(0x61) }), { abortSignal: AbortSignal.timeout(8_000) });
      return "ok";
    } catch (err) {
      const e = err as Error & { Code?: string };
      return `${e.Code ?? e.name}: ${e.message.split("\n")[0]!.slice(0, 160)}`;
    } finally {
      s3.destroy();
    }
  }

  /** The end of a peer's log (stderr), for failure messages. */
  logTail(peer: number, bytes = 2_000): string {
    try {
      const text = readFileSync(this.slots[peer]!.logFile, "utf8");
      return text.slice(-bytes);
    } catch {
      return "";
    }
  }

  /** The length of a peer's log so far, to read what it logs from then on (logSince). */
  logSize(peer: number): number {
    try {
      return statSync(this.slots[peer]!.logFile).size;
    } catch {
      return 0;
    }
  }

  logSince(peer: number, offset: number): string {
    try {
      return readFileSync(this.slots[peer]!.logFile).subarray(offset).toString("utf8");
    } catch {
      return "";
    }
  }

  /** Mounts the disks and starts every peer: the first makes the cluster, the others join it. */
  async start(): Promise<void> {
    const diskMiB = this.options.diskMiB ?? DISK_MIB_DEFAULT;
    for (const slot of this.slots) {
      mkdirSync(slot.mount, { recursive: true });
      const mounted = sh(["mount", "-t", "tmpfs", "-o", `size=${diskMiB}m,mode=0755`, `tessera-chaos-${this.options.net.runId}`, slot.mount]);
      if (mounted.code !== 0) throw new Error(`mounting a tmpfs on ${slot.mount} failed: ${mounted.stderr.trim()}`);
      writeFileSync(slot.clockFile, "0");
    }
    await this.launch(0, []);
    this.swarmKeyFile = join(this.dir, "swarm.key");
    writeFileSync(this.swarmKeyFile, readFileSync(join(this.slots[0]!.dataDir, "swarm.key")));
    this.swarmKey = decodeSwarmKey(readFileSync(this.swarmKeyFile, "utf8"));
    // The others join through the first, all at once (start-up is most of a short run's setup).
    await Promise.all(this.slots.slice(1).map((slot) => this.launch(slot.index, ["--join", this.address(0), "--swarm-key", this.swarmKeyFile])));
    this.adminClient = await connect({ join: this.slots.map((slot) => this.address(slot.index)), swarmKey: this.swarmKey });
    await waitFor("3 voters and a leader", async () => {
      const status = await this.adminClient!.status(2_000);
      return status.voters.length === Math.min(3, this.slots.length) && status.leader !== "";
    }, { timeoutMs: 60_000, intervalMs: 250 });
    await this.adminClient.peers();
    // An S3 key and a bucket for the nemesis's own probes (a write into a full disk); the
    // workloads get the same key in target().
    const made = await new AccessKeyStore(this.adminClient.fs).create({ name: "chaos", user: this.adminClient.user });
    this.s3Key = { accessKeyId: made.accessKeyId, secretAccessKey: made.secret };
    await this.adminClient.fs.mkdir(`/${PROBE_BUCKET}`, { parents: true });
    await waitFor("every peer alive in the leader's table", async () => {
      const peers = await this.adminClient!.peers();
      return peers.filter((peer) => peer.state === "alive").length === this.slots.length;
    }, { timeoutMs: 60_000, intervalMs: 250 });
  }

  private peerArgs(slot: PeerSlot): string[] {
    const ip = this.options.net.peerAddresses[slot.index]!;
    return [
      "node", "start", "--json",
      "--data-dir", slot.dataDir,
      "--listen", `/ip4/${ip}/tcp/${LIBP2P_PORT}`,
      "--http", `${ip}:${HTTP_PORT}`,
      "--s3", `${ip}:${S3_PORT}`,
      "--heartbeat-ms", String(this.timing.heartbeatMs),
      "--suspect-after-ms", String(this.timing.suspectAfterMs),
      "--dead-after-ms", String(this.timing.deadAfterMs),
      "--voter-dead-after-ms", String(this.timing.voterDeadAfterMs),
      "--compute-slots", "1",
    ];
  }

  private async launch(index: number, extra: string[]): Promise<void> {
    const slot = this.slots[index]!;
    const log = openSync(slot.logFile, "a");
    let child: Subprocess<"ignore", "pipe", "inherit">;
    try {
      child = Bun.spawn([...this.options.net.execPrefix(index), this.options.binary, ...this.peerArgs(slot), ...extra], {
        stdin: "ignore",
        stdout: "pipe",
        stderr: log,
        env: { ...process.env, TESSERA_LOG: this.options.logLevel ?? process.env.TESSERA_CHAOS_PEER_LOG ?? "warn", MIMALLOC_PURGE_DELAY: "-1", TESSERA_TEST_CLOCK_FILE: slot.clockFile },
      }) as unknown as Subprocess<"ignore", "pipe", "inherit">;
    } finally {
      closeSync(log);
    }
    slot.process = child;
    slot.paused = false;
    const reader = child.stdout.getReader();
    let text = "";
    const line = await waitFor(`peer ${index}'s start-up line`, async () => {
      const newline = text.indexOf("\n");
      if (newline >= 0) return text.slice(0, newline);
      const { value, done } = await reader.read();
      if (done) return EXITED;
      text += new TextDecoder().decode(value);
      return undefined;
    }, { timeoutMs: 30_000, intervalMs: 1 });
    if (line === EXITED) throw new Error(`peer ${index} exited before starting: ${this.logTail(index, 600)}`);
    // The rest of stdout is drained so that the peer never blocks on a full pipe.
    void (async () => {
      try {
        for (;;) if ((await reader.read()).done) return;
      } catch {
        // the peer is gone
      }
    })();
    const summary = JSON.parse(line) as { id: string };
    if (slot.id !== undefined && slot.id !== summary.id) throw new Error(`peer ${index} came back as ${summary.id}, not ${slot.id}`);
    slot.id = summary.id;
  }

  isRunning(peer: number): boolean {
    const child = this.slots[peer]!.process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** kill -9 of peer `peer`; resolves once it is gone, with the signal that ended it. */
  async kill9(peer: number): Promise<string | null> {
    const child = this.slots[peer]!.process;
    if (!child) return null;
    child.kill("SIGKILL");
    await child.exited;
    this.slots[peer]!.paused = false;
    return child.signalCode === null ? null : String(child.signalCode);
  }

  /** Starts a killed peer again from its data dir (same id, same addresses). */
  async restart(peer: number): Promise<void> {
    if (this.isRunning(peer)) return;
    await this.launch(peer, []);
  }

  pause(peer: number): void {
    this.slots[peer]!.process?.kill("SIGSTOP");
    this.slots[peer]!.paused = true;
  }

  resume(peer: number): void {
    this.slots[peer]!.process?.kill("SIGCONT");
    this.slots[peer]!.paused = false;
  }

  /** Fills the peer's data file system to the last byte; returns the bytes written. */
  fillDisk(peer: number): number {
    return fillToLastByte(join(this.slots[peer]!.mount, "chaos-fill"));
  }

  freeDisk(peer: number): void {
    try {
      unlinkSync(join(this.slots[peer]!.mount, "chaos-fill"));
    } catch {
      // not filled
    }
  }

  /** Bytes free on the peer's data file system. */
  diskFreeBytes(peer: number): number {
    const stats = statfsSync(this.slots[peer]!.mount);
    return stats.bavail * stats.bsize;
  }

  /** Moves the peer's wall clock by `offsetMs` from the true time (0: back to true time). */
  jumpClock(peer: number, offsetMs: number): void {
    writeFileSync(this.slots[peer]!.clockFile, String(Math.trunc(offsetMs)));
  }

  /**
   * The peer's wall clock minus ours, in ms, from its /metrics (process_start_time_seconds is
   * its Date.now() minus its uptime, so whole seconds): how far its clock was jumped.
   */
  async clockSkewMs(peer: number): Promise<number> {
    const child = this.slots[peer]!.process;
    const text = await (await fetch(`${this.httpUrl(peer)}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
    const match = /^process_start_time_seconds\s+(\d+(?:\.\d+)?)/m.exec(text);
    if (!match || !child) throw new Error(`no process_start_time_seconds in peer ${peer}'s /metrics`);
    // Our own record of when the process started: /proc's start time is not wall-clock based.
    const uptimeS = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    const startTicks = Number(readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19]);
    const startedAtMs = Date.now() - (uptimeS - startTicks / 100) * 1_000;
    return Number(match[1]) * 1_000 - startedAtMs;
  }

  /** The leader as the cluster reports it (through any peer), or undefined. */
  async leader(deadlineMs = 2_000): Promise<number | undefined> {
    try {
      const status = await this.admin().status(deadlineMs);
      const index = this.indexOf(status.leader);
      return index >= 0 ? index : undefined;
    } catch {
      return undefined;
    }
  }

  /** The leader as seen from peer `via` alone (a client that knows only that peer). */
  async leaderVia(via: number, deadlineMs = 2_000): Promise<number | undefined> {
    try {
      let client = this.viaClients.get(via);
      if (!client) {
        client = await connect({ join: [this.address(via)], swarmKey: this.swarmKey! });
        this.viaClients.set(via, client);
      }
      const status = await client.status(deadlineMs);
      const index = this.indexOf(status.leader);
      return index >= 0 ? index : undefined;
    } catch {
      return undefined;
    }
  }

  /** The peer table as peer `via` holds it (its admin HTTP), or undefined if it does not answer. */
  async peersVia(via: number): Promise<PeerView[] | undefined> {
    try {
      const response = await fetch(`${this.httpUrl(via)}/api/peers`, { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) return undefined;
      return ((await response.json()) as { peers: PeerView[] }).peers;
    } catch {
      return undefined;
    }
  }

  admin(): ClusterClient {
    if (!this.adminClient) throw new Error("the cluster is not started");
    return this.adminClient;
  }

  async fsck(): Promise<FsckResult> {
    return (await this.admin().admin.fsck("/")) as unknown as FsckResult;
  }

  /**
   * For a failed fsck check: each unhealthy file's chunks as the leader sees them (version,
   * committed, the replicas it knows), so the report says which chunk and where.
   */
  async describeUnhealthy(anomalies: readonly unknown[] | undefined): Promise<string[]> {
    const files = (anomalies ?? []).flatMap((anomaly) => ((anomaly as { unhealthyFiles?: { path: string }[] }).unhealthyFiles ?? []).slice(0, 5));
    const leader = await this.leader().catch(() => undefined);
    if (leader === undefined) return ["no leader to describe the unhealthy files"];
    const lines: string[] = [];
    for (const file of files) {
      try {
        const answer = await fetch(`${this.httpUrl(leader)}/api/fs/stat?path=${encodeURIComponent(file.path)}`, { signal: AbortSignal.timeout(5_000) });
        lines.push(`${file.path}: ${(await answer.text()).slice(0, 2_000)}`);
      } catch (err) {
        lines.push(`${file.path}: ${(err as Error).message}`);
      }
    }
    return lines;
  }

  /** Copies the peers' logs into `dir` (TESSERA_CHAOS_DEBUG_LOGS, for diagnosing a run). */
  copyLogs(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const slot of this.slots) if (existsSync(slot.logFile)) copyFileSync(slot.logFile, join(dir, `p${slot.index}-${slot.id ?? ""}.log`));
  }

  /**
   * Ends every fault a peer can hold: resumes, restarts, frees its disk, resets its clock.
   * Returns one line per peer that would not start again (it stays down).
   */
  async healPeers(): Promise<string[]> {
    for (const slot of this.slots) {
      if (slot.paused) this.resume(slot.index);
      this.freeDisk(slot.index);
      this.jumpClock(slot.index, 0);
    }
    const problems: string[] = [];
    for (const slot of this.slots) {
      if (this.isRunning(slot.index)) continue;
      try {
        await this.restart(slot.index);
      } catch {
        const lines = this.logTail(slot.index, 4_000).trim().split("\n");
        problems.push(`p${slot.index} does not start again: ${(lines.findLast((line) => line.startsWith("tessera:")) ?? lines.at(-1) ?? "").slice(0, 400)}`);
      }
    }
    return problems;
  }

  /** What stop() does, synchronously and without closing clients: for a run ended by a signal. */
  killNow(): void {
    for (const slot of this.slots) {
      if (slot.paused) slot.process?.kill("SIGCONT");
      slot.process?.kill("SIGKILL");
    }
    for (const slot of this.slots) if (isMountPoint(slot.mount)) sh(["umount", "-l", slot.mount]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills every peer, unmounts the disks and removes the run's folder. Idempotent. */
  async stop(): Promise<void> {
    for (const client of [this.adminClient, ...this.viaClients.values()]) {
      try {
        await Promise.race([client?.close(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      } catch {
        // closing a client of a dead cluster
      }
    }
    this.adminClient = undefined;
    this.viaClients.clear();
    for (const slot of this.slots) {
      if (slot.paused) slot.process?.kill("SIGCONT");
      slot.process?.kill("SIGKILL");
    }
    await Promise.all(this.slots.map((slot) => slot.process?.exited));
    for (const slot of this.slots) if (isMountPoint(slot.mount)) sh(["umount", "-l", slot.mount]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Unmounts and removes the folders of chaos runs whose owner process is dead. */
export function sweepStaleMounts(): string[] {
  const removed: string[] = [];
  const mounts = readFileSync("/proc/mounts", "utf8").split("\n").map((line) => line.split(" ")[1] ?? "");
  for (const mount of mounts) {
    const match = /\/tessera-chaos-([0-9a-z]+)-[0-9a-z]+-[^/]+\/p\d+$/.exec(mount);
    if (!match) continue;
    if (pidAlive(Number.parseInt(match[1]!, 36))) continue;
    sh(["umount", "-l", mount]);
    removed.push(mount);
  }
  // Folders of dead runs, once their disks are unmounted.
  for (const name of readdirSync(tmpdir())) {
    const match = /^tessera-chaos-([0-9a-z]+)-[0-9a-z]+-/.exec(name);
    if (!match || pidAlive(Number.parseInt(match[1]!, 36))) continue;
    const dir = join(tmpdir(), name);
    if (readFileSync("/proc/mounts", "utf8").includes(`${dir}/`)) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // still busy (a lazy unmount not finished): the next sweep takes it
    }
  }
  return removed;
}
