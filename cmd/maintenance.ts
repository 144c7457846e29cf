// `tessera balance [--threshold PCT]` and `tessera node decommission PEER`: maintenance the
// leader carries out (like `hdfs balancer` and `hdfs dfsadmin -refreshNodes` with an exclude
// list). Parsing and printing only.
import { Option, type Command } from "commander";
import type { ClusterClient } from "../src/client/cluster.ts";
import { MaintenanceClient, type BalanceRun } from "../src/client/maintenance.ts";
import { formatBytes, formatTable } from "./format.ts";
import type { ClientFlagsLike } from "./fs.ts";
import { BALANCE_THRESHOLD_PCT_DEFAULT, BALANCE_THRESHOLD_PCT_MAX, BALANCE_THRESHOLD_PCT_MIN } from "../src/protocol/limits.ts";
import type { DecommissionStatus, UsageSpread } from "../src/protocol/views.ts";

type WithClient = <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>;

class MaintenanceUsageError extends Error {
  override name = "UsageError";
}

/** A balance runs until balanced, stuck, or this long (HDFS's balancer runs until done too). */
const BALANCE_DEADLINE_MS_DEFAULT = 30 * 60 * 1000;
/** How often `node decommission` asks for progress while it waits. */
const DECOMMISSION_POLL_MS = 1_000;

function parseThreshold(text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < BALANCE_THRESHOLD_PCT_MIN || value > BALANCE_THRESHOLD_PCT_MAX) {
    throw new MaintenanceUsageError(`--threshold must be a percentage from ${BALANCE_THRESHOLD_PCT_MIN} to ${BALANCE_THRESHOLD_PCT_MAX}, not "${text}"`);
  }
  return value;
}

function parseDeadline(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new MaintenanceUsageError(`--deadline-ms must be a positive whole number of milliseconds, not "${text}"`);
  return value;
}

function maintenanceOf(client: ClusterClient): MaintenanceClient {
  return new MaintenanceClient(client.call);
}

export function addMaintenanceCommands(program: Command, withClient: WithClient, addClientOptions: (command: Command) => Command): void {
  addClientOptions(program.command("balance").description("move replicas from fuller to emptier peers until every peer's used% is within the threshold of the mean"))
    .addOption(new Option("--threshold <pct>", `how far from the mean a peer's used% may be, ${BALANCE_THRESHOLD_PCT_MIN} to ${BALANCE_THRESHOLD_PCT_MAX} (default ${BALANCE_THRESHOLD_PCT_DEFAULT})`).argParser(parseThreshold))
    .addOption(new Option("--deadline-ms <ms>", "stop after this long even if not balanced (default 30 minutes)").argParser(parseDeadline))
    .action(async (flags: ClientFlagsLike & { threshold?: number; deadlineMs?: number }) => {
      const threshold = flags.threshold ?? BALANCE_THRESHOLD_PCT_DEFAULT;
      await withClient(flags, async (client) => {
        const run = await maintenanceOf(client).balance(threshold, {
          deadlineMs: flags.deadlineMs ?? BALANCE_DEADLINE_MS_DEFAULT,
          onProgress: (step) => {
            if (!flags.json && step.moves > 0) process.stderr.write(`moved ${step.moves} replicas (${formatBytes(step.bytesMoved)}); largest distance from the mean now ${step.after.deviationPct.toFixed(2)} points\n`);
          },
        });
        printBalance(run, threshold, flags.json);
      });
    });

  const node = program.commands.find((command) => command.name() === "node") ?? program.command("node");
  addClientOptions(node.command("decommission").description("move every replica a peer holds elsewhere, then mark it decommissioned (placement stops choosing it at once)").argument("<peer>", "the peer id"))
    .option("--no-wait", "return once the peer is marked decommissioning")
    .action(async (peer: string, flags: ClientFlagsLike & { wait: boolean }) => {
      await withClient(flags, async (client) => {
        const maintenance = maintenanceOf(client);
        let status = await maintenance.decommission(peer);
        if (!flags.json) process.stderr.write(`${peer} is ${status.state}\n`);
        let last = "";
        while (flags.wait && status.state !== "decommissioned") {
          const line = progressLine(status);
          if (!flags.json && line !== last) process.stderr.write(`${line}\n`);
          last = line;
          await new Promise((resolve) => setTimeout(resolve, DECOMMISSION_POLL_MS));
          status = await maintenance.decommissionStatus(peer);
        }
        printDecommission(status, flags.json);
      });
    });
}

function progressLine(status: DecommissionStatus): string {
  const blocked = status.blocked > 0 ? `, ${status.blocked} with no peer to go to` : "";
  return `${status.replicasHeld} replicas still held, ${status.replicasToMove} waiting for a copy elsewhere, ${status.copiesMade} copies made${blocked}`;
}

function printDecommission(status: DecommissionStatus, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${status.peer}: ${status.state}; ${progressLine(status)}\n`);
}

function spreadLine(spread: UsageSpread): string {
  return `mean ${spread.meanPct.toFixed(2)}%, min ${spread.minPct.toFixed(2)}%, max ${spread.maxPct.toFixed(2)}%, largest distance from the mean ${spread.deviationPct.toFixed(2)} points`;
}

function printBalance(run: BalanceRun, threshold: number, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    return;
  }
  const rows = run.after.peers.map((peer) => [peer.peer, peer.rack, formatBytes(peer.usedBytes), formatBytes(peer.capacityBytes), `${peer.usedPct.toFixed(2)}%`]);
  process.stdout.write(formatTable(["PEER", "RACK", "USED", "CAPACITY", "USED%"], rows));
  const outcome = run.balanced ? `balanced within ${threshold} points` : run.stoppedBy === "stuck" ? `not balanced: no move left that keeps every chunk's rack spread` : `not balanced before the deadline`;
  process.stdout.write(`${run.moves} replicas moved (${formatBytes(run.bytesMoved)}); ${outcome}\n`);
  process.stdout.write(`before: ${spreadLine(run.before)}\nafter:  ${spreadLine(run.after)}\n`);
}
