#!/usr/bin/env bun
// The tessera command line: parses arguments, calls the library, formats output. No logic.
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { startPeer, type Peer } from "../src/peer/peer.ts";
import { connect } from "../src/client/cluster.ts";
import { decodeSwarmKey } from "../src/net/swarm-key.ts";
import type { ClusterStatusView, PeerView } from "../src/protocol/views.ts";
import { parseMultiaddr } from "../src/peer/config.ts";
import { parseHostPort } from "../src/util/config.ts";
import { parseTierSpecs } from "../src/cache/tier-spec.ts";
import { parseEvictionPolicy } from "../src/cache/eviction-policy.ts";
import { formatBytes, formatTable, stopOnSignals } from "./format.ts";
import { addFsCommands } from "./fs.ts";
import { addCacheCommands } from "./cache.ts";
import { addAdminCommands } from "./admin.ts";
import { addMaintenanceCommands } from "./maintenance.ts";
import { addJobCommands } from "./job.ts";
import { addS3Commands } from "./s3.ts";
import { addAuthCommands } from "./auth.ts";
import { addSettingsCommands } from "./settings.ts";
import { addGatewayCommands, addS3ServeOptions } from "./gateway.ts";
import { addMountCommands } from "./mount.ts";
import type { ClusterClient } from "../src/client/cluster.ts";
import { installTestClock } from "../src/util/test-clock.ts";

class UsageError extends Error {
  override name = "UsageError";
}

// Set by `node start`: the peer keeps the process alive until a signal stops it.
let peerRunning = false;

const collect = (value: string, previous: string[] = []) => [...previous, value];
const positiveInt = (flag: string, unit = " of milliseconds") => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new UsageError(`${flag} must be a positive whole number${unit}, not "${value}"`);
  return parsed;
};

function readSwarmKeyFile(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read the swarm key file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return decodeSwarmKey(text);
  } catch (err) {
    throw new UsageError(`${path} is not a swarm key file: ${(err as Error).message}`);
  }
}

interface ClientFlags {
  join?: string[];
  swarmKey?: string;
  json?: boolean;
}

/** Where a client command finds the cluster: flags first, then TESSERA_JOIN / TESSERA_SWARM_KEY. */
function clusterTarget(flags: ClientFlags): { join: string[]; swarmKey: Uint8Array } {
  const join = flags.join?.length ? flags.join : (process.env.TESSERA_JOIN ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const swarmKeyPath = flags.swarmKey ?? process.env.TESSERA_SWARM_KEY;
  if (join.length === 0) throw new UsageError("no cluster to talk to: pass --join MULTIADDR (or set TESSERA_JOIN)");
  if (!swarmKeyPath) throw new UsageError("talking to a cluster needs its swarm key: pass --swarm-key FILE (or set TESSERA_SWARM_KEY)");
  return { join: join.map((address) => parseMultiaddr(address, "--join address")), swarmKey: readSwarmKeyFile(swarmKeyPath) };
}

function addClientOptions(command: Command): Command {
  return command
    .option("--join <multiaddr>", "a peer of the cluster (repeatable; default $TESSERA_JOIN)", collect)
    .option("--swarm-key <file>", "the cluster's swarm.key (default $TESSERA_SWARM_KEY)")
    .option("--json", "print JSON instead of a table");
}

function printPeers(peers: PeerView[], json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ peers }, null, 2)}\n`);
    return;
  }
  const rows = peers.map((peer) => [
    peer.id,
    peer.state,
    peer.rack,
    peer.addresses[0] ?? "",
    formatBytes(peer.capacityBytes),
    formatBytes(peer.freeBytes),
    peer.roles.join(","),
  ]);
  process.stdout.write(formatTable(["PEER", "STATE", "RACK", "ADDRESS", "CAPACITY", "FREE", "ROLES"], rows));
  const alive = peers.filter((peer) => peer.state === "alive").length;
  process.stdout.write(`${peers.length} peers: ${alive} alive, ${peers.length - alive} suspect or dead\n`);
}

async function runNodeStart(flags: {
  dataDir?: string;
  listen?: string[];
  join?: string[];
  rack?: string;
  http?: string;
  swarmKey?: string;
  json?: boolean;
  heartbeatMs?: number;
  suspectAfterMs?: number;
  deadAfterMs?: number;
  masters?: number;
  voterDeadAfterMs?: number;
  computeSlots?: number;
  faultTaskDelayMs?: number;
  s3?: string;
  s3Domain?: string;
  uploadExpiryHours?: number;
  webhdfsSimpleAuth?: boolean;
  tier?: string[];
  cachePolicy?: string;
}): Promise<void> {
  installTestClock(); // only with TESSERA_TEST_CLOCK_FILE set: the chaos tests' clock jumps
  if (!flags.s3 && (flags.s3Domain || flags.uploadExpiryHours)) throw new UsageError("--s3-domain and --upload-expiry-hours go with --s3 HOST:PORT");
  if (flags.s3) parseHostPort(flags.s3, "--s3");
  // Bad tiers stop the peer before it starts: each refusal is one sentence (tier-spec.ts).
  const tiers = parseTierSpecs(flags.tier ?? [], flags.dataDir);
  const cachePolicy = flags.cachePolicy === undefined ? undefined : parseEvictionPolicy(flags.cachePolicy);
  if (flags.cachePolicy !== undefined && cachePolicy === undefined) throw new UsageError(`--cache-policy "${flags.cachePolicy}" is not LRU or LRFU`);
  const peer: Peer = await startPeer({
    dataDir: flags.dataDir,
    listen: flags.listen,
    join: flags.join,
    rack: flags.rack,
    http: flags.http,
    swarmKey: flags.swarmKey ? readSwarmKeyFile(flags.swarmKey) : undefined,
    heartbeatIntervalMs: flags.heartbeatMs,
    masters: flags.masters,
    voterDeadAfterMs: flags.voterDeadAfterMs,
    computeSlots: flags.computeSlots,
    faultTaskDelayMs: flags.faultTaskDelayMs,
    ...(tiers.length > 0 ? { tiers } : {}),
    ...(cachePolicy ? { cachePolicy } : {}),
    ...(flags.webhdfsSimpleAuth ? { webhdfsSimpleAuth: true } : {}),
    ...(flags.s3 ? { s3: { listen: flags.s3, ...(flags.s3Domain ? { domain: flags.s3Domain } : {}), ...(flags.uploadExpiryHours ? { uploadExpiryMs: Math.round(flags.uploadExpiryHours * 3_600_000) } : {}) } } : {}),
    failureDetector: {
      ...(flags.suspectAfterMs ? { suspectAfterMs: flags.suspectAfterMs } : {}),
      ...(flags.deadAfterMs ? { deadAfterMs: flags.deadAfterMs } : {}),
    },
  });
  if (flags.json) {
    const summary = { id: peer.id, addresses: peer.multiaddrs, http: peer.httpUrl, ...(peer.s3Url ? { s3: peer.s3Url } : {}), rack: peer.rack, dataDir: peer.dataDir.path, createdCluster: peer.createdCluster, joinCommand: peer.joinCommand() };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(`Tessera peer ${peer.id} started (rack ${peer.rack}, data dir ${peer.dataDir.path})\n`);
    for (const address of peer.multiaddrs) process.stdout.write(`  listening on ${address}\n`);
    if (peer.httpUrl) process.stdout.write(`  admin http   ${peer.httpUrl}\n`);
    if (peer.s3Url) process.stdout.write(`  s3           ${peer.s3Url}\n`);
    if (peer.createdCluster) process.stdout.write("This peer created a new cluster; its swarm key is in the data dir.\n");
    process.stdout.write(`To add a peer, copy the swarm key to the other machine and run:\n  ${peer.joinCommand()}\n`);
  }
  peerRunning = true;
  if (process.env.MIMALLOC_PURGE_DELAY !== "-1") {
    process.stderr.write("note: for full data-path speed start peers with MIMALLOC_PURGE_DELAY=-1 in the environment (see README, Performance)\n");
  }
  stopOnSignals(() => peer.stop());
  // The peer runs until a signal: its timers and sockets keep the process alive.
}

function printStatus(status: ClusterStatusView, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  const out = [
    `leader        ${status.leader || "(none: an election is under way)"}`,
    `term          ${status.term}`,
    `commit index  ${status.commitIndex}`,
    `applied index ${status.appliedIndex} (on ${status.answeredBy})`,
    `voters        ${status.voters.length}`,
  ];
  process.stdout.write(`${out.join("\n")}\n`);
  const match = new Map(status.progress.map((p) => [p.peer, p]));
  const rows = [...status.voters.map((id) => [id, "voter"]), ...status.learners.map((id) => [id, "learner"])].map(([id, role]) => [
    id!,
    id === status.leader ? `${role} (leader)` : role!,
    String(match.get(id!)?.matchIndex ?? "?"),
    match.get(id!)?.state ?? "?",
  ]);
  process.stdout.write(formatTable(["MEMBER", "ROLE", "MATCH", "STATE"], rows));
}

/** Connects to the cluster, runs `work`, and always closes the connection. */
async function withClient<T>(flags: ClientFlags, work: (client: ClusterClient) => Promise<T>): Promise<T> {
  const client = await connect(clusterTarget(flags));
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

async function runClusterStatus(flags: ClientFlags): Promise<void> {
  const client = await connect(clusterTarget(flags));
  try {
    printStatus(await client.status(), flags.json);
  } finally {
    await client.close();
  }
}

async function runClusterPeers(flags: ClientFlags): Promise<void> {
  const client = await connect(clusterTarget(flags));
  try {
    printPeers(await client.peers(), flags.json);
  } finally {
    await client.close();
  }
}

export function buildProgram(): Command {
  const program = new Command("tessera")
    .description("Tessera: a distributed file system with a MapReduce engine, in one binary.")
    .version(process.env.TESSERA_VERSION ?? "0.1.0")
    .showHelpAfterError(false)
    .configureOutput({ writeErr: () => {} })
    .exitOverride();

  const node = program.command("node").description("run a peer of a cluster");
  addS3ServeOptions(node
    .command("start")
    .description("start a peer: creates a cluster, or joins one with --join")
    .option("--data-dir <dir>", "where the peer keeps its identity, keys and data", "tessera-data")
    .option("--listen <multiaddr>", "address to listen on (repeatable; default: any interface, a port chosen once and remembered)", collect)
    .option("--join <multiaddr>", "a peer of the cluster to join (repeatable)", collect)
    .option("--rack <name>", "the rack this peer stands in, like /rack1 (default /default-rack)")
    .option("--http <host:port>", "admin HTTP address (default 127.0.0.1 and a free port)")
    .option("--s3 <host:port>", "also serve S3 here (loopback unless you choose otherwise: SECURITY.md); writes place their first replica on this peer")
    .option("--swarm-key <file>", "the cluster's swarm.key (needed to join; a new cluster makes one)")
    .option("--json", "print the start-up summary as one JSON line")
    .option("--tier <NAME:DIR:SIZE>", "a cache tier for copies of mounted files, top first (repeatable): MEM, SSD or HDD, an existing folder, a size, e.g. MEM:/dev/shm/tessera:4GiB (default: the data dir is the one tier)", collect)
    .option("--cache-policy <policy>", "which cache copies leave a full tier first: LRU (default) or LRFU")
    .option("--webhdfs-simple-auth", "accept WebHDFS's user.name= on a non-loopback admin port (anyone who reaches the port may then act as anyone: SECURITY.md)")
    .addOption(new Option("--masters <n>", "how many Raft voters (masters) the cluster keeps (default 3)").argParser(positiveInt("--masters", "")))
    .addOption(new Option("--voter-dead-after-ms <ms>", "silence after which a voter is replaced (default 15000)").argParser(positiveInt("--voter-dead-after-ms")))
    .addOption(new Option("--heartbeat-ms <ms>", "heartbeat interval").argParser(positiveInt("--heartbeat-ms")))
    .addOption(new Option("--suspect-after-ms <ms>", "silence after which a peer is suspect").argParser(positiveInt("--suspect-after-ms")))
    .addOption(new Option("--dead-after-ms <ms>", "silence after which a peer is dead").argParser(positiveInt("--dead-after-ms")))
    .addOption(new Option("--compute-slots <n>", "map and reduce tasks this peer runs at once (default: its cores)").argParser(positiveInt("--compute-slots", "")))
    // Fault injection for tests (a straggling worker); hidden from help.
    .addOption(new Option("--fault-task-delay-ms <ms>").argParser(positiveInt("--fault-task-delay-ms")).hideHelp()))
    .action(runNodeStart);

  const cluster = program.command("cluster").description("look at the cluster");
  addClientOptions(cluster.command("peers").description("list every known peer with its state")).action(runClusterPeers);
  addClientOptions(cluster.command("status").description("the masters: leader, term, voters, learners, commit and match indexes")).action(runClusterStatus);

  const fs = program.command("fs").description("the file system: put, get, cat, ls, mkdir, rm, mv, append, truncate, setrep, stat, chmod, chown, chgrp, mount, unmount, persist");
  addFsCommands(fs, withClient, addClientOptions);
  addCacheCommands(program, withClient, addClientOptions);
  addAdminCommands(program, withClient, addClientOptions);
  addMaintenanceCommands(program, withClient, addClientOptions);
  addJobCommands(program, withClient, addClientOptions);
  addS3Commands(program, withClient, addClientOptions);
  addAuthCommands(program, withClient, addClientOptions);
  addSettingsCommands(program, withClient, addClientOptions);
  addGatewayCommands(program, (flags) => connect(clusterTarget(flags)), addClientOptions, () => (peerRunning = true));
  addMountCommands(program, { check: (flags) => void clusterTarget(flags), connect: (flags, options) => connect({ ...clusterTarget(flags), ...options }) }, addClientOptions);

  return program;
}

function oneSentence(message: string): string {
  const text = message.replace(/^error:\s*/i, "").split("\n")[0]!.trim();
  return text.endsWith(".") ? text : `${text}.`;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      process.stderr.write(`tessera: ${oneSentence(err.message).replace(/\.$/, "")} (see tessera --help).\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`tessera: ${oneSentence(message)}\n`);
    return err instanceof UsageError || (err instanceof Error && (err.name === "ConfigError" || err.name === "UsageError")) ? 2 : 1;
  }
}

if (import.meta.main) {
  // Output piped into `head` and the like: a closed stdout ends the command quietly.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
  });
  const code = await main(process.argv.slice(2));
  // `node start` keeps running; every other command ends here.
  if (!peerRunning) process.exit(code);
}
