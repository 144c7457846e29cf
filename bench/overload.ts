// Overload (issue 18, item 5): a peer asked for more than it can serve sheds the excess with
// a clear error and keeps its heartbeats and Raft traffic flowing, so the cluster never takes
// load for death. Three peers of dist/tessera on loopback; this process is the clients.
//
//   1. capacity: a short closed-loop ramp (each worker sends its next request when the last is
//      answered) of metadata requests to the leader, half creates (an empty closed file, one
//      commit) and half stats; the capacity is the best rate of answered requests.
//   2. overload: 64 open-loop clients (each sends on a fixed schedule, answered or not) at
//      --factor (2) times that capacity for --seconds (60), every request sent once (no
//      retry), each outcome counted: ok, refused with OVERLOADED, or any other error.
//   Meanwhile every peer's table is sampled every SAMPLE_MS over /tessera/membership/peers/2:
//   a peer seen suspect or dead, and how long each peer had been silent (heartbeat age) when
//   sampled; the Raft term and leader before and after, and each peer's leader-change count.
//
//   bun run bench/overload.ts [--seconds 60] [--clients 64] [--factor 2] [--ramp-seconds 3]
//                             [--connections 8] [--binary PATH]
//
// It prints figures and always exits 0.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { peerIdFromString } from "@libp2p/peer-id";
import type { ClusterClient } from "../src/client/cluster.ts";
import { CallIds, metaChannel } from "../src/client/meta-call.ts";
import { metaRequest } from "../src/protocol/meta.ts";
import type { MetaRequest, MetaResponse } from "../src/protocol/pb/meta.ts";
import type { MuxClient } from "../src/net/mux-rpc.ts";
import { HEARTBEAT_INTERVAL_MS_DEFAULT } from "../src/membership/constants.ts";
import { setLogLevel } from "../src/util/log.ts";
import { binaryArg, binaryText, clusterText, connectPaced, deadPeers, int, makeTempDir, ms, numberArg, out, percentile, runBench, sleep, startCluster, withTimeout, type Cluster } from "./support.ts";

const RACKS = ["/r1", "/r1", "/r2"];
const SECONDS_DEFAULT = 60;
const CLIENTS_DEFAULT = 64;
const FACTOR_DEFAULT = 2;
const RAMP_SECONDS_DEFAULT = 3;
const RAMP_WORKERS = [4, 16, 64];
// Client connections (libp2p hosts) the workers share; each is one multiplexed stream.
const CONNECTIONS_DEFAULT = 8;
/** How often every peer's table is sampled. */
const SAMPLE_MS = 100;
/** One request's deadline: META_RPC_LIMITS.timeoutMs, what a client waits before it gives up. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Settling time after the ramp, before the overload starts. */
const SETTLE_MS = 2_000;

interface Outcomes {
  ok: number;
  refused: number;
  /** Refusals whose message is not one clear sentence (empty or very short). */
  refusedUnclear: number;
  other: Map<string, number>;
  okLatenciesMs: number[];
  refusedLatenciesMs: number[];
  firstRefusal?: string;
}

const newOutcomes = (): Outcomes => ({ ok: 0, refused: 0, refusedUnclear: 0, other: new Map(), okLatenciesMs: [], refusedLatenciesMs: [] });
let summary: (() => void) | undefined;

/** The load's channels: one per client connection, raw (one attempt per request). */
interface Load {
  channels: Array<MuxClient<MetaRequest, MetaResponse>>;
  calls: CallIds[];
}

/** Each worker's last file whose create was answered: what its stats read. */
const lastCreated = new Map<number, string>();

function requestOf(load: Load, worker: number, n: number, root: string): MetaRequest {
  const folder = `${root}/w${worker}`;
  const calls = load.calls[worker % load.calls.length]!;
  if (n % 2 === 0) return metaRequest("create", { path: `${folder}/f${n}`, replication: 0, chunkSizeBytes: 0, clientId: calls.clientId, closed: true } as never, calls.next());
  return metaRequest("stat", { path: lastCreated.get(worker) ?? folder } as never);
}

async function send(load: Load, worker: number, request: MetaRequest, outcomes: Outcomes): Promise<void> {
  const sentMs = performance.now();
  try {
    const response = await load.channels[worker % load.channels.length]!.call(request, REQUEST_TIMEOUT_MS);
    const tookMs = performance.now() - sentMs;
    if (!response.error) {
      if (request.create) lastCreated.set(worker, request.create.path);
      outcomes.ok += 1;
      outcomes.okLatenciesMs.push(tookMs);
    } else if (response.error.code === "OVERLOADED") {
      outcomes.refused += 1;
      outcomes.refusedLatenciesMs.push(tookMs);
      outcomes.firstRefusal ??= response.error.message;
      if (response.error.message.trim().length < 20) outcomes.refusedUnclear += 1;
    } else {
      const key = `${response.error.code}: ${response.error.message.slice(0, 120)}`;
      outcomes.other.set(key, (outcomes.other.get(key) ?? 0) + 1);
    }
  } catch (err) {
    const key = `no answer: ${(err as Error).message.slice(0, 120)}`;
    outcomes.other.set(key, (outcomes.other.get(key) ?? 0) + 1);
  }
}

/** Closed loop: `workers` workers back to back for `seconds`; the rate of answered requests. */
async function closedLoop(load: Load, workers: number, seconds: number, root: string, counter: { n: number }): Promise<{ rate: number; outcomes: Outcomes }> {
  const outcomes = newOutcomes();
  const endMs = performance.now() + seconds * 1000;
  const startMs = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < endMs) await send(load, worker, requestOf(load, worker, counter.n++, root), outcomes);
    }),
  );
  return { rate: outcomes.ok / ((performance.now() - startMs) / 1000), outcomes };
}

/** Open loop: `workers` workers each sending on a fixed schedule, `ratePerSecond` in all, for `seconds`; waits for every answer. */
async function openLoop(load: Load, workers: number, ratePerSecond: number, seconds: number, root: string, counter: { n: number }): Promise<{ outcomes: Outcomes; sent: number; maxOutstanding: number }> {
  const outcomes = newOutcomes();
  const intervalMs = (1000 * workers) / ratePerSecond;
  const startMs = performance.now();
  const endMs = startMs + seconds * 1000;
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  let outstanding = 0;
  let maxOutstanding = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      // Spread the workers' schedules over one interval.
      let nextMs = startMs + (intervalMs * worker) / workers;
      while (nextMs < endMs) {
        const waitMs = nextMs - performance.now();
        if (waitMs > 1) await sleep(waitMs);
        // Every request due by now goes (a late timer does not lower the offered rate).
        while (nextMs <= performance.now() && nextMs < endMs) {
          sent += 1;
          outstanding += 1;
          maxOutstanding = Math.max(maxOutstanding, outstanding);
          inFlight.push(send(load, worker, requestOf(load, worker, counter.n++, root), outcomes).finally(() => (outstanding -= 1)));
          nextMs += intervalMs;
        }
      }
    }),
  );
  await Promise.all(inFlight);
  return { outcomes, sent, maxOutstanding };
}

/** Samples every peer's table: who it saw suspect or dead, and how long each other peer had been silent. */
class TableWatch {
  private timer?: ReturnType<typeof setInterval>;
  private busy = false;
  readonly silencesMs: number[] = [];
  /** The heartbeat age each observer last saw of each subject, to find where a silence ended. */
  private readonly lastAgo = new Map<string, number>();
  readonly notAlive: string[] = [];
  samples = 0;
  failedSamples = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly monitors: ClusterClient[],
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const ago of this.lastAgo.values()) this.silencesMs.push(ago);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await Promise.all(
        this.monitors.map(async (monitor, i) => {
          const observer = this.cluster.peers[i]!;
          try {
            const table = await withTimeout("a peer table", 5_000, monitor.peers());
            this.samples += 1;
            for (const peer of table) {
              if (peer.id === observer.id) continue;
              const subject = this.cluster.peers.find((p) => p.id === peer.id)?.name ?? peer.id.slice(-6);
              if (peer.state !== "alive") this.notAlive.push(`${observer.name} saw ${subject} ${peer.state} (silent ${int(peer.lastSeenAgoMs)} ms)`);
              const key = `${observer.name}>${subject}`;
              const before = this.lastAgo.get(key);
              // The age dropped: a heartbeat came; the silence that ended was at least the last age seen.
              if (before !== undefined && peer.lastSeenAgoMs < before) this.silencesMs.push(before);
              this.lastAgo.set(key, peer.lastSeenAgoMs);
            }
          } catch {
            this.failedSamples += 1;
          }
        }),
      );
    } finally {
      this.busy = false;
    }
  }
}

/**
 * A fresh /metrics text: the admin HTTP thread serves its last answer (with an Age header) when
 * the peer is slow to give a new one, so ask until the answer is fresh.
 */
async function freshMetrics(http: string): Promise<string> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const response = await fetch(`${http}/metrics`);
    const text = await response.text();
    if (!response.headers.has("age") || performance.now() > deadline) return text;
    await sleep(200);
  }
}

async function metric(http: string, name: string): Promise<number> {
  const text = await freshMetrics(http);
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(" ").pop()) : NaN;
}

/** The p99 of a Prometheus histogram's buckets, as its upper bound (seconds). */
async function histogramP99(http: string, name: string): Promise<number> {
  const text = await freshMetrics(http);
  const buckets = text
    .split("\n")
    .filter((l) => l.startsWith(`${name}_bucket{`))
    .map((l) => ({ le: Number(/le="([^"]+)"/.exec(l)![1]!.replace("+Inf", "Infinity")), count: Number(l.split(" ").pop()) }));
  const total = buckets.at(-1)?.count ?? 0;
  return buckets.find((b) => b.count >= total * 0.99)?.le ?? NaN;
}

function outcomesText(o: Outcomes, seconds: number): string[] {
  const lines = [
    `ok ${int(o.ok)} (${int(o.ok / seconds)}/s, p50 ${ms(percentile([...o.okLatenciesMs].sort((a, b) => a - b), 0.5))} ms, p99 ${ms(percentile([...o.okLatenciesMs].sort((a, b) => a - b), 0.99))} ms)`,
    `refused with OVERLOADED ${int(o.refused)} (${int(o.refused / seconds)}/s, answered in p50 ${ms(percentile([...o.refusedLatenciesMs].sort((a, b) => a - b), 0.5))} ms, p99 ${ms(percentile([...o.refusedLatenciesMs].sort((a, b) => a - b), 0.99))} ms; unclear messages ${o.refusedUnclear})`,
    `other errors ${int([...o.other.values()].reduce((a, b) => a + b, 0))}`,
  ];
  if (o.firstRefusal) lines.push(`a refusal reads: "${o.firstRefusal}"`);
  for (const [key, count] of [...o.other].sort((a, b) => b[1] - a[1]).slice(0, 5)) lines.push(`  ${int(count)} × ${key}`);
  return lines;
}

async function main(): Promise<void> {
  setLogLevel("warn");
  const seconds = numberArg("seconds", SECONDS_DEFAULT, 1);
  const clients = Math.floor(numberArg("clients", CLIENTS_DEFAULT, 1));
  const factor = numberArg("factor", FACTOR_DEFAULT, 0.1);
  const rampSeconds = numberArg("ramp-seconds", RAMP_SECONDS_DEFAULT, 0.5);
  const connections = Math.floor(numberArg("connections", CONNECTIONS_DEFAULT, 1));
  const binary = binaryArg(import.meta.dir);
  if (!binary) return;
  const root = makeTempDir("overload");
  out(`overload: capacity by a closed-loop ramp (${RAMP_WORKERS.join(", ")} workers, ${rampSeconds} s each), then ${clients} open-loop clients at ${factor}× it for ${seconds} s; creates and stats alternate; workers over ${connections} client connections`);
  out(binaryText(binary));
  out(`machine: ${availableParallelism()} cores, load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  const cluster = await startCluster(binary, root, RACKS);
  out(clusterText(cluster, RACKS));
  const monitors: ClusterClient[] = [];
  for (const peer of cluster.peers) monitors.push(await connectPaced(peer.address, cluster.swarmKey));
  const loadClients: ClusterClient[] = [];
  while (loadClients.length < connections) loadClients.push(await connectPaced(cluster.leader.address, cluster.swarmKey));
  const leaderId = peerIdFromString(cluster.leader.id);
  const load: Load = { channels: loadClients.map((c) => metaChannel(c.host, leaderId)), calls: loadClients.map((c) => c.calls) };
  const rootFolder = "/overload";
  await cluster.control.fs.putMany([], { folders: Array.from({ length: Math.max(clients, ...RAMP_WORKERS) }, (_, w) => `${rootFolder}/w${w}`) });
  const counter = { n: 0 };

  out();
  out("capacity (closed loop, answered requests per second):");
  let capacity = 0;
  for (const workers of RAMP_WORKERS) {
    const { rate, outcomes } = await closedLoop(load, workers, rampSeconds, rootFolder, counter);
    out(`  ${String(workers).padStart(3)} workers: ${int(rate)}/s (refused ${int(outcomes.refused)}, other errors ${int([...outcomes.other.values()].reduce((a, b) => a + b, 0))})`);
    capacity = Math.max(capacity, rate);
  }
  if (!(capacity > 0)) throw new Error("no request was answered during the ramp");
  await sleep(SETTLE_MS);

  const statusBefore = await cluster.control.status();
  const changesBefore = await Promise.all(cluster.peers.map((peer) => metric(peer.http, "tessera_raft_leader_changes_total")));
  const watch = new TableWatch(cluster, monitors);
  watch.start();
  const offered = capacity * factor;
  out();
  out(`overload: ${clients} clients at ${int(offered)} requests/s in all (${factor}× the capacity of ${int(capacity)}/s) for ${seconds} s, each request sent once`);
  const startedMs = performance.now();
  let result: Awaited<ReturnType<typeof openLoop>> | undefined;
  summary = () => out(`stopped after ${((performance.now() - startedMs) / 1000).toFixed(0)} s`);
  result = await openLoop(load, clients, offered, seconds, rootFolder, counter);
  const tookS = (performance.now() - startedMs) / 1000;
  watch.stop();
  const statusAfter = await cluster.control.status();
  const changesAfter = await Promise.all(cluster.peers.map((peer) => metric(peer.http, "tessera_raft_leader_changes_total")));
  const lagP99 = await Promise.all(cluster.peers.map((peer) => histogramP99(peer.http, "tessera_event_loop_lag_seconds")));
  const { outcomes } = result;
  out(`  sent ${int(result.sent)} requests (${int(result.sent / seconds)}/s offered), all answered or failed after ${tookS.toFixed(1)} s; at most ${int(result.maxOutstanding)} outstanding at once`);
  for (const line of outcomesText(outcomes, seconds)) out(`  ${line}`);
  const silences = [...watch.silencesMs].sort((a, b) => a - b);
  out(`  peers seen suspect or dead: ${watch.notAlive.length} (in ${int(watch.samples)} table samples every ${SAMPLE_MS} ms; ${watch.failedSamples} samples unanswered within 5 s)`);
  for (const line of watch.notAlive.slice(0, 5)) out(`    ${line}`);
  out(`  heartbeat age when a heartbeat came (silences between heartbeats, interval ${HEARTBEAT_INTERVAL_MS_DEFAULT} ms): p50 ${int(percentile(silences, 0.5))} ms, p99 ${int(percentile(silences, 0.99))} ms, max ${int(silences.at(-1) ?? NaN)} ms; lateness p99 ${int(percentile(silences, 0.99) - HEARTBEAT_INTERVAL_MS_DEFAULT)} ms`);
  out(`  Raft: term ${statusBefore.term} → ${statusAfter.term}, leader ${statusBefore.leader === statusAfter.leader ? "unchanged" : "CHANGED"}; leader changes seen by the peers during the run: ${changesAfter.map((after, i) => after - changesBefore[i]!).join(", ")}`);
  out(`  event-loop lag p99 (histogram bucket bound, since start): ${cluster.peers.map((peer, i) => `${peer.name}${peer.id === cluster.leader.id ? " (leader)" : ""} ${ms((lagP99[i] ?? NaN) * 1000)} ms`).join(", ")}`);
  if (!(statusBefore.term === statusAfter.term) || watch.notAlive.length > 0 || process.env.OVERLOAD_SHOW_LOGS) {
    for (const peer of cluster.peers) {
      const lines = peer.stderrTail.join("").split("\n").filter((l) => /stall|leader|elect|campaign|step|suspect|dead|term/i.test(l)).slice(-8);
      for (const line of lines) out(`    ${peer.name}: ${line.slice(0, 300)}`);
    }
  }
  const dead = deadPeers(cluster.peers);
  if (dead) out(`  a peer exited: ${dead}`);
  const clear = outcomes.refusedUnclear === 0;
  const termSame = statusBefore.term === statusAfter.term && statusBefore.leader === statusAfter.leader;
  out();
  out(`verdict: ${watch.notAlive.length === 0 ? "no peer suspected or dead" : "PEERS SUSPECTED"}; ${termSame ? "no leader change" : "LEADER CHANGED"}; ${clear ? "every refusal a clear OVERLOADED error" : "UNCLEAR REFUSALS"}; ${int(outcomes.ok / seconds)}/s served under ${factor}× load (capacity ${int(capacity)}/s)`);
  summary = undefined;
  for (const channel of load.channels) channel.close();
}

await runBench(main, () => summary?.());
