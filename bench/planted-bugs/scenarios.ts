// Targeted scenarios for the planted bugs (issue 18): for each patch, the one sequence of
// faults that shows its wrong behaviour, run against real peers of the patched binary, each
// in its own network namespace (test/chaos/net.ts, cluster.ts). Not in the suite: it builds
// a patched copy of the repository per bug and takes a minute or two each.
//
//   bun run bench/planted-bugs/scenarios.ts [--bug NAME] [--control] [--binary PATH] [--keep-logs DIR]
//
// --control runs the same scenarios against this repository's own dist/tessera (built if
// missing), where every check must come out right. Prints one line per observation and a
// summary per bug; exits 0 either way (a scenario that cannot run says why).
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AccessKeyStore } from "../../src/gateway/s3/keys.ts";
import { ChaosCluster, sweepStaleMounts } from "../../test/chaos/cluster.ts";
import { ChaosNet, chaosUnsupportedReason } from "../../test/chaos/net.ts";
import { ensureBinary } from "../../test/support/processes.ts";
import { waitFor } from "../../test/support/wait.ts";
import { PLANTED_BUGS, preparePatchedTree, type PlantedBug } from "./tree.ts";

const BUCKET = "planted";
type Key = { accessKeyId: string; secretAccessKey: string };

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? "") : undefined;
}

function s3Of(cluster: ChaosCluster, peer: number, key: Key): S3Client {
  return new S3Client({ endpoint: cluster.s3Url(peer), region: "us-east-1", forcePathStyle: true, credentials: key, maxAttempts: 1 });
}

async function put(s3: S3Client, key: string, value: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: new TextEncoder().encode(value) }), { abortSignal: AbortSignal.timeout(10_000) });
}

/** The object's text, null when absent, or `error: ...`. */
async function get(s3: S3Client, key: string, timeoutMs = 5_000): Promise<string | null> {
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    return new TextDecoder().decode(await answer.Body!.transformToByteArray());
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return null;
    return `error: ${(err as Error).name}: ${(err as Error).message.slice(0, 120)}`;
  }
}

/**
 * Each peer's tmpfs. Placement wants a chunk's size plus PLACEMENT_RESERVE_BYTES (64 MiB) free,
 * and S3 objects have the default 64 MiB chunk size, so a peer needs more than 128 MiB free
 * to take one (with the harness's default 96 MiB every PUT fails with NO_PEERS).
 */
const DISK_MIB = 192;

/** The run in progress, removed if this process is interrupted. */
let current: { net: ChaosNet; cluster: ChaosCluster } | undefined;
let currentTree: { remove(): void } | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void (async () => {
      await current?.cluster.stop().catch(() => undefined);
      current?.net.destroy();
      currentTree?.remove();
      process.exit(130);
    })();
  });
}

async function setUp(binary: string): Promise<{ net: ChaosNet; cluster: ChaosCluster; key: Key }> {
  const net = ChaosNet.create(5);
  try {
    sweepStaleMounts();
  } catch (err) {
    console.log(`  (leftovers of a dead run not all removed: ${(err as Error).message})`);
  }
  const cluster = new ChaosCluster({ net, binary, diskMiB: DISK_MIB });
  current = { net, cluster };
  try {
    await cluster.start();
    const fs = cluster.admin().fs;
    await fs.mkdir(`/${BUCKET}`, { parents: true }).catch(() => undefined);
    const made = await new AccessKeyStore(fs).create({ name: "planted", user: cluster.admin().user });
    return { net, cluster, key: { accessKeyId: made.accessKeyId, secretAccessKey: made.secret } };
  } catch (err) {
    await cluster.stop().catch(() => undefined);
    net.destroy();
    throw err;
  }
}

async function voters(cluster: ChaosCluster): Promise<number[]> {
  const status = await cluster.admin().status(5_000);
  return status.voters.map((id) => cluster.indexOf(id));
}

async function settledLeader(cluster: ChaosCluster): Promise<number> {
  return await waitFor("a leader", () => cluster.leader(), { timeoutMs: 30_000, intervalMs: 200 });
}

/** Bug 1: a PUT acknowledged before it is written. Returns the wrong observations. */
async function ackBeforeDurable(cluster: ChaosCluster, key: Key): Promise<string[]> {
  const wrong: string[] = [];
  const leader = await settledLeader(cluster);
  const others = [0, 1, 2, 3, 4].filter((peer) => peer !== leader);
  // (a) No fault: PUT through one gateway, GET at once through another.
  let stale = 0;
  const rounds = 20;
  for (let i = 0; i < rounds; i++) {
    const writer = others[i % others.length]!;
    const reader = others[(i + 1) % others.length]!;
    const value = `a-${i}`;
    await put(s3Of(cluster, writer, key), "read-after-ack", value);
    const ackedAt = performance.now();
    const seen = await get(s3Of(cluster, reader, key), "read-after-ack");
    if (seen !== value) stale++;
    if (seen !== value && stale <= 3) wrong.push(`PUT read-after-ack=${value} via peer ${writer} answered 200; a GET via peer ${reader} right after saw ${JSON.stringify(seen)}`);
    // When the write behind lands (the next round's PUT must not race it).
    const landedMs = await waitFor("the value", async () => ((await get(s3Of(cluster, reader, key), "read-after-ack")) === value ? Math.round(performance.now() - ackedAt) : undefined), { timeoutMs: 30_000, intervalMs: 20 }).catch(() => -1);
    if (i < 3) console.log(`  (a) round ${i}: GET right after the 200 saw ${JSON.stringify(seen)}; the value was readable ${landedMs} ms after the 200`);
  }
  console.log(`  (a) no fault: ${stale} of ${rounds} GETs right after an acknowledged PUT did not see it`);
  // (b) kill -9 of the gateway's peer right after its 200.
  let lost = 0;
  const kills = 3;
  for (let i = 0; i < kills; i++) {
    const victim = others[i % others.length]!;
    const reader = others[(i + 1) % others.length]!;
    const value = `b-${i}`;
    await put(s3Of(cluster, reader, key), `kill-${i}`, "before");
    await waitFor("the first value readable", async () => (await get(s3Of(cluster, reader, key), `kill-${i}`)) === "before", { timeoutMs: 30_000, intervalMs: 50 });
    await put(s3Of(cluster, victim, key), `kill-${i}`, value);
    await cluster.kill9(victim);
    await cluster.restart(victim);
    // Long after: every write that was going to land has landed.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const seen = await get(s3Of(cluster, reader, key), `kill-${i}`);
    if (seen !== value) {
      lost++;
      wrong.push(`PUT kill-${i}=${value} via peer ${victim} answered 200, peer ${victim} was killed -9 at once and restarted; 5 s later a GET via peer ${reader} saw ${JSON.stringify(seen)}`);
    }
  }
  console.log(`  (b) kill -9 after the 200: ${lost} of ${kills} acknowledged PUTs lost`);
  return wrong;
}

/** Bug 2: the leader cut off from the others goes on answering reads. */
async function deposedLeaderRead(cluster: ChaosCluster, net: ChaosNet, key: Key): Promise<string[]> {
  const wrong: string[] = [];
  const old = await settledLeader(cluster);
  const others = [0, 1, 2, 3, 4].filter((peer) => peer !== old);
  await put(s3Of(cluster, others[0]!, key), "hot", "v1");
  await waitFor("v1 through the leader's gateway", async () => (await get(s3Of(cluster, old, key), "hot")) === "v1", { timeoutMs: 10_000, intervalMs: 50 });
  net.partition([old], others);
  const partitionedAt = performance.now();
  try {
    const successor = await waitFor("a new leader among the others", async () => {
      const seen = await cluster.leaderVia(others[0]!, 1_000);
      return seen !== undefined && seen !== old ? seen : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    console.log(`  partition-leader: peer ${old} cut off; peer ${successor} leads the others after ${Math.round(performance.now() - partitionedAt)} ms`);
    await put(s3Of(cluster, others[1]!, key), "hot", "v2");
    await put(s3Of(cluster, others[1]!, key), "made-during", "x");
    console.log(`  hot=v2 and made-during=x written through peer ${others[1]} (acknowledged)`);
    for (let i = 0; i < 5; i++) {
      const sinceMs = Math.round(performance.now() - partitionedAt);
      const [hot, made, claims] = await Promise.all([get(s3Of(cluster, old, key), "hot"), get(s3Of(cluster, old, key), "made-during"), cluster.leaderVia(old, 1_000)]);
      const line = `${sinceMs} ms into the partition, peer ${old}'s gateway: hot=${JSON.stringify(hot)}, made-during=${JSON.stringify(made)}; peer ${old} names ${claims === undefined ? "no leader" : `peer ${claims}`} as leader`;
      console.log(`  ${line}`);
      if (hot === "v1" || made === null) wrong.push(line);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
  } finally {
    net.healAll();
  }
  return wrong;
}

/** Bug 3: a voter that is behind answers reads from its own replica. */
async function staleReplicaRead(cluster: ChaosCluster, net: ChaosNet, key: Key): Promise<string[]> {
  const wrong: string[] = [];
  const leader = await settledLeader(cluster);
  const voter = (await voters(cluster)).find((peer) => peer !== leader)!;
  // The leader's own gateway: with the plant, another voter's gateway could read its own
  // replica too (even the bucket just made can look absent there for a moment).
  const writer = leader;
  const s3 = s3Of(cluster, voter, key);
  const s3Writer = s3Of(cluster, writer, key);
  console.log(`  leader peer ${leader}; the voter under test peer ${voter}; writes go through peer ${writer}'s gateway`);
  // (a) A voter cut off from the others (a minority of one), its gateway still reachable.
  // Written through the voter's own gateway, so a replica of v1's chunk is on the voter (the
  // writer's peer takes the first) and it can still read the bytes once cut off.
  // With the plant such a PUT can fail: the voter's gateway stats the file the leader just
  // made for it, on the voter's own replica, which may not have applied it yet.
  let refused = 0;
  for (;;) {
    try {
      await put(s3, "hot", "v1");
      break;
    } catch (err) {
      if (++refused >= 20) throw err;
      if (refused === 1) wrong.push(`a PUT through voter peer ${voter}'s own gateway failed: ${(err as Error).name}: ${(err as Error).message} (it read its own replica right after the leader made the object's file)`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  console.log(`  PUT hot=v1 through peer ${voter}'s gateway: ${refused} refused attempt(s) before one succeeded`);
  await waitFor("v1 on the voter", async () => (await get(s3, "hot")) === "v1", { timeoutMs: 10_000, intervalMs: 50 });
  const others = [0, 1, 2, 3, 4].filter((peer) => peer !== voter);
  net.partition([voter], others);
  try {
    await put(s3Writer, "hot", "v2");
    await put(s3Writer, "made-during", "x");
    for (let i = 0; i < 3; i++) {
      const [hot, made] = await Promise.all([get(s3, "hot"), get(s3, "made-during")]);
      const line = `(a) voter peer ${voter} cut off from the others, its gateway: hot=${JSON.stringify(hot)}, made-during=${JSON.stringify(made)} (both acknowledged as v2 and x)`;
      console.log(`  ${line}`);
      if (hot === "v1" || made === null) wrong.push(line);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    net.healAll();
  }
  await waitFor("the voter caught up", async () => (await get(s3, "made-during")) === "x", { timeoutMs: 30_000, intervalMs: 100 });
  // (b) A pause: SIGSTOP for 5 s while the others write, then reads right after SIGCONT.
  cluster.pause(voter);
  await put(s3Writer, "hot", "v3");
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  cluster.resume(voter);
  const resumedAt = performance.now();
  const afterPause = await get(s3, "hot");
  const pauseLine = `(b) voter peer ${voter} paused 5 s while hot=v3 was acknowledged; a GET through its gateway ${Math.round(performance.now() - resumedAt)} ms after SIGCONT saw ${JSON.stringify(afterPause)}`;
  console.log(`  ${pauseLine}`);
  if (afterPause === "v2") wrong.push(pauseLine);
  // (c) A restart: kill -9, writes meanwhile, reads as soon as it is back.
  await waitFor("the voter caught up", async () => (await get(s3, "hot")) === "v3", { timeoutMs: 30_000, intervalMs: 100 });
  await cluster.kill9(voter);
  await put(s3Writer, "hot", "v4");
  const restartedAt = performance.now();
  await cluster.restart(voter);
  const upMs = Math.round(performance.now() - restartedAt);
  let staleReads = 0;
  let reads = 0;
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline) {
    const seen = await get(s3, "hot", 2_000);
    reads++;
    if (seen === "v3") staleReads++;
    if (seen === "v4") break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const restartLine = `(c) voter peer ${voter} killed -9 while hot=v4 was acknowledged, restarted (start-up line after ${upMs} ms): ${staleReads} of ${reads} GETs through its gateway right after saw the old v3`;
  console.log(`  ${restartLine}`);
  if (staleReads > 0) wrong.push(restartLine);
  return wrong;
}

async function runScenario(bug: PlantedBug, binary: string): Promise<string[]> {
  const { net, cluster, key } = await setUp(binary);
  try {
    if (bug === "ack-before-durable") return await ackBeforeDurable(cluster, key);
    if (bug === "deposed-leader-read") return await deposedLeaderRead(cluster, net, key);
    return await staleReplicaRead(cluster, net, key);
  } finally {
    const keep = flag("keep-logs");
    if (keep) {
      mkdirSync(keep, { recursive: true });
      for (let peer = 0; peer < cluster.size; peer++) writeFileSync(join(keep, `${bug}-p${peer}.log`), cluster.logTail(peer, 4_000_000));
    }
    await cluster.stop().catch(() => undefined);
    net.destroy();
    current = undefined;
  }
}

async function main(): Promise<void> {
  const unsupported = chaosUnsupportedReason();
  if (unsupported) {
    console.log(`skipped: ${unsupported}`);
    return;
  }
  const only = flag("bug");
  const control = process.argv.includes("--control");
  const bugs = only ? PLANTED_BUGS.filter((bug) => bug === only) : [...PLANTED_BUGS];
  if (bugs.length === 0) throw new Error(`--bug is one of ${PLANTED_BUGS.join(", ")}`);
  const summary: string[] = [];
  for (const bug of bugs) {
    console.log(`== ${bug}${control ? " (control: the unpatched binary)" : ""}`);
    const given = flag("binary");
    const tree = control || given ? undefined : preparePatchedTree(bug);
    currentTree = tree;
    try {
      const binary = given ?? tree?.binary ?? (await ensureBinary());
      const wrong = await runScenario(bug, binary);
      for (const line of wrong) console.log(`  WRONG: ${line}`);
      summary.push(`${bug}${control ? " (control)" : ""}: ${wrong.length === 0 ? "no wrong behaviour seen" : `${wrong.length} wrong observation(s)`}`);
    } catch (err) {
      summary.push(`${bug}: the scenario failed to run: ${(err as Error).message}`);
    } finally {
      tree?.remove();
    }
  }
  console.log("== summary");
  for (const line of summary) console.log(`  ${line}`);
}

await main();
process.exit(0);
