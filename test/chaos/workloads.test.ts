// The chaos workloads and checkers against a plain loopback cluster of 3 processes of the
// binary (issue 18; no network namespaces: the smoke test of the harness's pieces). All three
// workloads run for about 20 s; in the middle one peer is killed with SIGKILL and restarted on
// its data dir; then the cluster heals and every checker must pass: no acknowledged write
// lost, no stale or phantom read, each hot key linearizable, job outputs right, fsck HEALTHY.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { join } from "node:path";
import { ensureBinary, PeerProcesses, runCli, type StartedPeer } from "../support/processes.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";
import { TIMINGS } from "../support/job-cluster.ts";
import { History } from "./history.ts";
import { checkAll, summarize } from "./checkers/index.ts";
import { standardWorkloads, type WorkloadTarget } from "./workloads/index.ts";

const PEERS = 3;
/** Operations acknowledged before the kill, between kill and restart, and after the restart. */
const OK_OPS_PER_PHASE = 25;
const SEED = Number(process.env.TESSERA_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

let processes: PeerProcesses;
let root: { path: string; remove(): void };
beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("chaos-workloads");
});
afterAll(async () => {
  await processes.stopAll();
  root.remove();
});

/** A TCP port free on loopback now (the peer binds it at once; a restart binds it again). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe("chaos workloads and checkers, loopback cluster", () => {
  it("three workloads through a kill -9 and restart of a peer: every checker passes", async () => {
    console.log(`seed=${SEED}`);
    const args: string[][] = [];
    const s3Endpoints: string[] = [];
    const peers: StartedPeer[] = [];
    for (let i = 0; i < PEERS; i++) {
      const [p2p, s3] = [await freePort(), await freePort()];
      const join0 = i === 0 ? [] : ["--join", peers[0]!.addresses[0]!, "--swarm-key", join(root.path, "p0", "swarm.key")];
      args.push(["--data-dir", join(root.path, `p${i}`), "--listen", `/ip4/127.0.0.1/tcp/${p2p}`, "--http", "127.0.0.1:0", "--s3", `127.0.0.1:${s3}`, ...join0, ...TIMINGS]);
      peers.push(await processes.start(args[i]!));
      s3Endpoints.push(`http://127.0.0.1:${s3}`);
    }
    const env = { TESSERA_JOIN: peers.map((peer) => peer.addresses[0]!).join(","), TESSERA_SWARM_KEY: join(root.path, "p0", "swarm.key"), TESSERA_LOG: "warn" };
    await waitFor(
      "every peer alive and 3 voters",
      async () => {
        const report = await runCli(["report", "--json"], env);
        const status = await runCli(["cluster", "status", "--json"], env);
        if (report.code !== 0 || status.code !== 0) return false;
        return (JSON.parse(report.stdout) as { livePeers: number }).livePeers === PEERS && (JSON.parse(status.stdout) as { voters: string[] }).voters.length === 3;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    const target: WorkloadTarget = { clientEnv: env, s3Endpoints, httpEndpoints: peers.map((peer) => peer.http) };

    const history = new History();
    const stop = new AbortController();
    const workloads = standardWorkloads({ fileClients: 3, hotKeyClients: 3, hotKeys: 3, jobClients: 1 });
    const runs = workloads.map((workload, i) => workload.run(target, history, SEED + i, stop.signal));
    const okSince = (fromMs: number) => history.ops.filter((op) => op.outcome === "ok" && (op.retMs ?? 0) >= fromMs).length;
    try {
      await waitFor("operations acknowledged before the kill", () => okSince(0) >= OK_OPS_PER_PHASE, { timeoutMs: 30_000, intervalMs: 100 });
      const victim = 1;
      const killedAt = history.nowMs();
      processes.kill9(peers[victim]!);
      await waitFor("operations acknowledged with a peer down", () => okSince(killedAt) >= OK_OPS_PER_PHASE, { timeoutMs: 30_000, intervalMs: 100 });
      peers[victim] = await processes.start(args[victim]!);
      const restartedAt = history.nowMs();
      await waitFor("operations acknowledged after the restart", () => okSince(restartedAt) >= OK_OPS_PER_PHASE && history.ops.some((op) => op.workload === "jobs" && op.outcome === "ok"), { timeoutMs: 60_000, intervalMs: 100 });
      console.log(`killed peer ${victim} at ${Math.round(killedAt)} ms, restarted at ${Math.round(restartedAt)} ms, stopped at ${Math.round(history.nowMs())} ms`);
    } finally {
      stop.abort();
      await Promise.all(runs);
    }

    const checkStart = performance.now();
    const results = await checkAll(history.ops, target, { fsckBoundMs: 60_000 });
    console.log(`workloads stopped at ${Math.round(history.nowMs())} ms; checkAll took ${Math.round(performance.now() - checkStart)} ms`);
    const summary = summarize(history.ops, results);
    console.log(summary.text);
    for (const result of results) expect({ checker: result.checker, valid: result.valid, anomalies: result.anomalies }).toEqual({ checker: result.checker, valid: true, anomalies: result.anomalies });
    expect(summary.lost).toBe(0);
    expect(summary.rows.map((row) => row.workload)).toEqual(["files", "hot-keys", "jobs"]);
    for (const row of summary.rows) expect(row.ok).toBeGreaterThan(0);

    // The same checkers against the same cluster, with two acknowledged writes planted that
    // never happened: readback must miss the file, and the last read of the hot key must break
    // linearizability.
    const endMs = history.nowMs();
    const hotKey = history.ops.find((op) => op.workload === "hot-keys")!.key;
    const planted = [
      ...history.ops,
      { id: -1, process: "planted", workload: "files" as const, f: "create", key: "/chaos/files/planted", value: "planted#100", callMs: endMs, retMs: endMs + 1, outcome: "ok" as const },
      { id: -2, process: "planted", workload: "hot-keys" as const, f: "put", key: hotKey, value: "planted#64", callMs: endMs, retMs: endMs + 1, outcome: "ok" as const },
    ];
    const caught = await checkAll(planted, target, { fsckBoundMs: 10_000 });
    expect(caught.find((r) => r.checker === "readback")).toMatchObject({ valid: false, counts: { lost: 1 } });
    expect(caught.find((r) => r.checker === "linearizable")?.valid).toBe(false);
  }, 240_000);
});
