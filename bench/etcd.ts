// etcd as the reference of Raft's figures (bench/raft.ts), measured in the same run on the
// same machine: a 3-member etcd cluster on loopback (temp data dirs, etcd's default fsync of
// its WAL), started only when etcd and etcdctl are installed (Debian's etcd-server and
// etcd-client), then
//   - `etcdctl check perf --load L` against the three members, for each load asked
//     (--etcd-loads, default l; each runs 60 s, fixed by etcdctl): its writes/s parsed from
//     "PASS: Throughput is N writes/s" or "FAIL: Throughput too low: N writes/s";
//   - puts through its gRPC gateway (HTTP JSON, POST /v3/kv/put) to the leader, 100-byte
//     values as bench/raft's proposals, with 1 and 64 concurrent clients for
//     --etcd-put-seconds each (default 5; 0 skips them): puts/s, p50/p99 and CPU per put;
// and stopped. Every figure comes with the CPU the members, the client and the rest of the
// machine used. Without etcd one line says why and the earlier measurement is shown, marked
// as such. This file never installs anything.
//
//   bun run bench/etcd.ts [--etcd-loads s,l|none] [--etcd-put-seconds N] [--etcd-put-clients 1,64]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { cpuBetween, cpuSnapshot, drainStderr, int, listArg, ms, numberArg, percentile, sleep, type CpuUse } from "./support.ts";

const MEMBERS = 3;
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
// etcdctl 3.4's check perf runs 60 s whatever the load, then deletes its keys.
const CHECK_PERF_SECONDS = 60;
const CHECK_PERF_TIMEOUT_MS = 300_000;
const CHECK_PERF_LOADS = ["s", "m", "l", "xl"] as const;
export type CheckPerfLoad = (typeof CHECK_PERF_LOADS)[number];
// What each load is (etcdctl/ctlv3/command/check.go, 3.4): puts of a 256-byte key and a
// 1 KiB value from this many clients, paced by a rate limiter at `limitPerSecond`; it PASSes
// above 90% of the limit. s can never show more than 150 writes/s.
const CHECK_PERF_SHAPE: Record<CheckPerfLoad, { clients: number; limitPerSecond: number }> = {
  s: { clients: 50, limitPerSecond: 150 },
  m: { clients: 200, limitPerSecond: 1_000 },
  l: { clients: 500, limitPerSecond: 8_000 },
  xl: { clients: 1_000, limitPerSecond: 15_000 },
};
const LOADS_DEFAULT: CheckPerfLoad[] = ["l"];
const PUT_SECONDS_DEFAULT = 5;
const PUT_CLIENTS_DEFAULT = [1, 64];
const PUT_WARMUP_MS = 500;
const PUT_TIMEOUT_MS = 10_000;
// As bench/raft.ts: 100-byte values, each client cycling over 4 keys of its own.
const PUT_VALUE_BYTES = 100;
const KEYS_PER_CLIENT = 4;

/** etcd 3.4 on this machine before same-run references existed (docs/raft-bench.md). */
const ETCD_EARLIER = {
  checkPerf: "150 / 898 / 2,298 / 2,417 writes/s at `check perf` s / m / l / xl",
  failover: "1,445 ms median (1,127–1,846)",
};

export interface CheckPerfResult {
  load: CheckPerfLoad;
  writesPerSecond: number;
  passed: boolean;
  /** The lines etcdctl printed after its progress bar. */
  verdict: string[];
  seconds: number;
  cpu: CpuUse;
}

export interface PutResult {
  clients: number;
  puts: number;
  seconds: number;
  latenciesMs: number[];
  errors: number;
  firstError?: string;
  cpu: CpuUse;
}

export interface EtcdReference {
  /** etcd's version line, or why etcd was not measured. */
  description: string;
  measured: boolean;
  checkPerf: CheckPerfResult[];
  puts: PutResult[];
  problems: string[];
}

let reference: EtcdReference | undefined;

/**
 * What `etcdctl check perf` printed: a progress bar redrawn with \r, then a verdict line per
 * measure ("PASS: Throughput is N writes/s" or "FAIL: Throughput too low: N writes/s", the
 * slowest request, the standard deviation) and PASS or FAIL. It exits 1 on any FAIL (on 2
 * cores, l and xl always miss their 8,000 and 15,000 writes/s), so its exit code says nothing.
 */
export function parseCheckPerf(stdout: string): { writesPerSecond: number; passed: boolean; verdict: string[] } | undefined {
  const verdict = stdout
    .split(/[\r\n]+/)
    .map((line) => line.trim())
    .filter((line) => /^(PASS|FAIL)|too (long|high)/.test(line));
  const rate = /Throughput (?:is|too low:) (\d+) writes\/s/.exec(stdout)?.[1];
  if (rate === undefined) return undefined;
  return { writesPerSecond: Number(rate), passed: verdict.at(-1) === "PASS", verdict };
}

// ---- the cluster ----

interface Member {
  name: string;
  clientUrl: string;
  child: Subprocess<"ignore", "ignore", "pipe">;
  stderrTail: string[];
}

const running = new Set<Subprocess>();
const dataDirs = new Set<string>();
let exitHookInstalled = false;

/** Whatever ends the process (bench/raft.ts's Ctrl-C calls process.exit), no member or data dir outlives it. */
function removeAtExit(what: { child?: Subprocess; dir?: string }): void {
  if (what.child) {
    const child = what.child;
    running.add(child);
    void child.exited.then(() => running.delete(child));
  }
  if (what.dir) dataDirs.add(what.dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function freePorts(count: number): number[] {
  const listeners = Array.from({ length: count }, () => Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }));
  const ports = listeners.map((listener) => listener.port);
  for (const listener of listeners) listener.stop(true);
  return ports;
}

async function postJson<T>(url: string, body: unknown, timeoutMs: number): Promise<T> {
  const response = await fetch(url, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

class EtcdCluster {
  private constructor(
    readonly members: Member[],
    readonly dir: string,
  ) {}

  pids = (): number[] => this.members.map((member) => member.child.pid);

  static async start(parentDir: string): Promise<EtcdCluster> {
    const dir = mkdtempSync(join(parentDir, "etcd-"));
    removeAtExit({ dir });
    const ports = freePorts(2 * MEMBERS);
    const names = Array.from({ length: MEMBERS }, (_, i) => `m${i + 1}`);
    const peerUrl = (i: number) => `http://127.0.0.1:${ports[MEMBERS + i]}`;
    const initialCluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(",");
    const token = `tessera-bench-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
    const members = names.map((name, i): Member => {
      const clientUrl = `http://127.0.0.1:${ports[i]}`;
      // Default durability: etcd fdatasyncs its WAL before it acknowledges (no --unsafe-no-fsync).
      const child = Bun.spawn(
        [
          "etcd",
          ...["--name", name, "--data-dir", join(dir, name)],
          ...["--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl],
          ...["--listen-peer-urls", peerUrl(i), "--initial-advertise-peer-urls", peerUrl(i)],
          ...["--initial-cluster", initialCluster, "--initial-cluster-token", token, "--initial-cluster-state", "new"],
          ...["--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn"],
        ],
        { stdin: "ignore", stdout: "ignore", stderr: "pipe" },
      );
      removeAtExit({ child });
      return { name, clientUrl, child, stderrTail: drainStderr(child.stderr) };
    });
    const cluster = new EtcdCluster(members, dir);
    try {
      await cluster.waitHealthy();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Every member answers /health with a leader elected. */
  private async waitHealthy(): Promise<void> {
    const deadline = performance.now() + START_TIMEOUT_MS;
    for (;;) {
      const dead = this.members.find((member) => member.child.exitCode !== null || member.child.signalCode !== null);
      if (dead) throw new Error(`etcd member ${dead.name} exited: ${dead.stderrTail.join("").trim().slice(-400)}`);
      const healthy = await Promise.all(
        this.members.map((member) =>
          fetch(`${member.clientUrl}/health`, { signal: AbortSignal.timeout(1_000) })
            .then((response) => response.json() as Promise<{ health?: string }>)
            .then((body) => body.health === "true")
            .catch(() => false),
        ),
      );
      if (healthy.every(Boolean)) return;
      if (performance.now() > deadline) throw new Error(`etcd's ${MEMBERS} members were not healthy within ${START_TIMEOUT_MS} ms`);
      await sleep(200);
    }
  }

  /** The member that is the leader now (its status names itself). */
  async leader(): Promise<Member> {
    for (const member of this.members) {
      const status = await postJson<{ header?: { member_id?: string }; leader?: string }>(`${member.clientUrl}/v3/maintenance/status`, {}, 2_000).catch(() => undefined);
      if (status?.leader && status.leader === status.header?.member_id) return member;
    }
    throw new Error("no etcd member says it is the leader");
  }

  /** `etcdctl check perf --load <load>` against every member, with the CPU it took. */
  async checkPerf(load: CheckPerfLoad): Promise<CheckPerfResult> {
    const endpoints = this.members.map((member) => member.clientUrl.replace("http://", "")).join(",");
    const before = cpuSnapshot(this.pids());
    const started = performance.now();
    const child = Bun.spawn(["etcdctl", "--endpoints", endpoints, "check", "perf", "--load", load], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ETCDCTL_API: "3" } });
    removeAtExit({ child });
    const timer = setTimeout(() => child.kill("SIGKILL"), CHECK_PERF_TIMEOUT_MS);
    const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;
    const usage = child.resourceUsage();
    const ctlCpu = usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6 : 0;
    const cpu = cpuBetween(before, cpuSnapshot(this.pids()));
    const parsed = parseCheckPerf(stdout);
    if (!parsed) throw new Error(`etcdctl check perf --load ${load} printed no throughput: ${(stderr || stdout).trim().slice(-300)}`);
    return { load, ...parsed, seconds, cpu: { peers: cpu.peers, client: cpu.client + ctlCpu, rest: Math.max(0, cpu.rest - ctlCpu) } };
  }

  /** `clients` clients putting back to back through the leader's gateway for `seconds` after a warm-up. */
  async puts(clients: number, seconds: number): Promise<PutResult> {
    const url = `${(await this.leader()).clientUrl}/v3/kv/put`;
    const value = Buffer.alloc(PUT_VALUE_BYTES, 7).toString("base64");
    const keys = Array.from({ length: clients }, (_, c) => Array.from({ length: KEYS_PER_CLIENT }, (_, k) => Buffer.from(`/bench/c${c}/k${k}`).toString("base64")));
    const fromMs = performance.now() + PUT_WARMUP_MS;
    const toMs = fromMs + seconds * 1000;
    const latenciesMs: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    let before: ReturnType<typeof cpuSnapshot> | undefined;
    const timer = setTimeout(() => (before = cpuSnapshot(this.pids())), PUT_WARMUP_MS);
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let n = 0; performance.now() < toMs; n++) {
          const sentMs = performance.now();
          try {
            await postJson(url, { key: keys[c]![n % KEYS_PER_CLIENT], value }, PUT_TIMEOUT_MS);
          } catch (err) {
            if (sentMs >= fromMs) errors += 1;
            firstError ??= (err as Error).message;
            continue;
          }
          const doneMs = performance.now();
          if (sentMs >= fromMs && doneMs <= toMs) latenciesMs.push(doneMs - sentMs);
        }
      }),
    );
    clearTimeout(timer);
    const after = cpuSnapshot(this.pids());
    latenciesMs.sort((a, b) => a - b);
    return { clients, puts: latenciesMs.length, seconds, latenciesMs, errors, ...(firstError ? { firstError } : {}), cpu: cpuBetween(before ?? after, after) };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        await child.exited;
        clearTimeout(timer);
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
    dataDirs.delete(this.dir);
  }
}

// ---- the reference, as a bench prints it ----

const perOpMs = (cpu: CpuUse, ops: number) => (ops > 0 ? ms(((cpu.peers + cpu.client) * 1000) / ops) : "—");
const cpuText = (cpu: CpuUse) => `CPU s: members ${cpu.peers.toFixed(1)}, client ${cpu.client.toFixed(1)}, rest of machine ${cpu.rest.toFixed(1)}`;

function checkPerfLine(result: CheckPerfResult): string {
  const shape = CHECK_PERF_SHAPE[result.load];
  const writes = result.writesPerSecond * CHECK_PERF_SECONDS;
  return `check perf ${result.load} (${shape.clients} clients, limit ${int(shape.limitPerSecond)}/s): ${int(result.writesPerSecond)} writes/s, ${result.passed ? "PASS" : "FAIL"} (${result.verdict.filter((line) => line !== "PASS" && line !== "FAIL").join("; ")}); CPU/write ${perOpMs(result.cpu, writes)} ms; ${cpuText(result.cpu)}`;
}

function putLine(result: PutResult): string {
  const rate = result.puts / result.seconds;
  return `gateway puts, ${result.clients} client${result.clients > 1 ? "s" : ""} to the leader: ${int(rate)} puts/s, p50 ${ms(percentile(result.latenciesMs, 0.5))} ms, p99 ${ms(percentile(result.latenciesMs, 0.99))} ms; CPU/put ${perOpMs(result.cpu, result.puts)} ms; ${cpuText(result.cpu)}${result.errors ? `; ${result.errors} failed (${result.firstError})` : ""}`;
}

/**
 * Starts etcd, measures what the flags ask (--etcd-loads, --etcd-put-seconds,
 * --etcd-put-clients), prints each figure with `print` as it comes, stops it. Never throws:
 * a reference that cannot be measured is a line, not a failed bench.
 */
export async function measureEtcd(parentDir: string, print: (line: string) => void): Promise<EtcdReference> {
  const loadsText = listArg("etcd-loads", LOADS_DEFAULT, [...CHECK_PERF_LOADS, "none"]);
  const loads = loadsText.filter((load): load is CheckPerfLoad => load !== "none");
  const putSeconds = numberArg("etcd-put-seconds", PUT_SECONDS_DEFAULT, 0);
  const putClients = putSeconds > 0 ? listArg("etcd-put-clients", PUT_CLIENTS_DEFAULT.map(String)).map(Number).filter((n) => Number.isInteger(n) && n >= 1) : [];
  const result: EtcdReference = { description: "", measured: false, checkPerf: [], puts: [], problems: [] };
  reference = result;
  const absent = ["etcd", "etcdctl"].filter((tool) => !Bun.which(tool));
  if (absent.length > 0) {
    result.description = `etcd skipped: ${absent.join(" and ")} ${absent.length > 1 ? "are" : "is"} not on the PATH (Debian's etcd-server and etcd-client)`;
    print(result.description);
    return result;
  }
  if (loads.length === 0 && putClients.length === 0) {
    result.description = "etcd skipped: --etcd-loads none and no gateway puts asked";
    print(result.description);
    return result;
  }
  const versionText = /Version:\s*(\S+)/.exec(Bun.spawnSync(["etcd", "--version"]).stdout.toString())?.[1];
  const version = versionText ? `etcd ${versionText}` : "etcd (version unknown)";
  let cluster: EtcdCluster | undefined;
  try {
    const startedMs = performance.now();
    cluster = await EtcdCluster.start(parentDir);
    result.description = `${version}, ${MEMBERS} members on loopback, WAL fsync on (etcd's default)`;
    result.measured = true;
    print(`etcd: ${result.description}, healthy after ${ms(performance.now() - startedMs)} ms; leader ${(await cluster.leader()).name}`);
    for (const load of loads) {
      print(`etcd: etcdctl check perf --load ${load} (${CHECK_PERF_SECONDS} s) ...`);
      try {
        const perf = await cluster.checkPerf(load);
        result.checkPerf.push(perf);
        print(`etcd: ${checkPerfLine(perf)}`);
      } catch (err) {
        result.problems.push(`check perf ${load}: ${(err as Error).message}`);
        print(`etcd: check perf --load ${load} failed: ${(err as Error).message}`);
      }
    }
    for (const clients of putClients) {
      const puts = await cluster.puts(clients, putSeconds);
      result.puts.push(puts);
      print(`etcd: ${putLine(puts)}`);
    }
  } catch (err) {
    result.problems.push((err as Error).message);
    if (!result.measured) result.description = `etcd skipped: it did not start: ${(err as Error).message}`;
    print(result.measured ? `etcd: stopped early: ${(err as Error).message}` : result.description);
  } finally {
    await cluster?.stop();
  }
  return result;
}

/** One line for the bench's header and footer: what was measured in this run, or the earlier figures, marked. */
export function etcdReferenceText(): string {
  const measured = reference?.measured ? reference : undefined;
  const parts = [
    ...(measured?.checkPerf ?? []).map((perf) => `check perf ${perf.load} ${int(perf.writesPerSecond)} writes/s`),
    ...(measured?.puts ?? []).map((puts) => `${puts.clients} client${puts.clients > 1 ? "s" : ""} through its gateway ${int(puts.puts / puts.seconds)} puts/s (p50 ${ms(percentile(puts.latenciesMs, 0.5))} ms)`),
  ];
  if (parts.length > 0) return `etcd measured in this run (${measured!.description}): ${parts.join("; ")}; failover, an earlier measurement: ${ETCD_EARLIER.failover}`;
  const why = reference && !reference.measured ? ` (${reference.description.replace(/^etcd skipped: /, "")})` : "";
  return `etcd 3.4, 3 members, this machine, an earlier measurement, not this run${why}: ${ETCD_EARLIER.checkPerf}; kill -9 of the leader left puts failing for ${ETCD_EARLIER.failover}`;
}

/** The reference cell for a load row of `proposers` proposers. */
export function etcdReferenceCell(proposers: number): string {
  const measured = reference?.measured ? reference : undefined;
  const puts = measured?.puts.find((p) => p.clients === proposers);
  const perf = measured?.checkPerf.find((p) => p.load === "l") ?? measured?.checkPerf.at(-1);
  const cells = [
    ...(puts ? [`etcd gateway, ${proposers} client${proposers > 1 ? "s" : ""}: ${int(puts.puts / puts.seconds)} puts/s, ${ms(percentile(puts.latenciesMs, 0.5))} / ${ms(percentile(puts.latenciesMs, 0.99))} ms`] : []),
    ...(perf && proposers > 1 ? [`etcd \`check perf\` ${perf.load}: ${int(perf.writesPerSecond)} writes/s`] : []),
  ];
  if (cells.length > 0) return `${cells.join("; ")} (this run)`;
  return proposers === 1 ? "etcd `check perf` s: 150 writes/s (earlier measurement)" : "etcd `check perf` l / xl: 2,298 / 2,417 writes/s (earlier measurement)";
}

/** etcd's `check perf` writes/s of this run (load l, else the last load measured), if measured. */
export function etcdCheckPerfWritesPerSecond(): number | undefined {
  const measured = reference?.measured ? reference : undefined;
  return (measured?.checkPerf.find((p) => p.load === "l") ?? measured?.checkPerf.at(-1))?.writesPerSecond;
}

export const etcdFailoverCell = () => `etcd: ${ETCD_EARLIER.failover} (earlier measurement)`;

if (import.meta.main) {
  const root = mkdtempSync(join(tmpdir(), "tessera-bench-etcd-"));
  removeAtExit({ dir: root });
  const onSignal = () => process.exit(130); // the exit hook stops the members and removes the folders
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await measureEtcd(root, (line) => console.log(line));
  console.log(etcdReferenceText());
  process.exit(0);
}
