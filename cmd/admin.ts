// `tessera fsck [PATH]` and `tessera report`: the operator's views (like `hdfs fsck` and
// `hdfs dfsadmin -report`). Parsing and printing only; the leader does the work.
import type { Command } from "commander";
import type { ClusterClient } from "../src/client/cluster.ts";
import { formatBytes, formatTable } from "./format.ts";
import type { ClientFlagsLike } from "./fs.ts";
import type { FsckView, ReportView } from "../src/protocol/views.ts";

type WithClient = <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>;

export function addAdminCommands(program: Command, withClient: WithClient, addClientOptions: (command: Command) => Command): void {
  addClientOptions(program.command("fsck").description("check the health of every file under PATH: healthy, under-replicated, corrupt or missing chunks").argument("[path]", "the folder or file", "/")).action(
    async (path: string, flags: ClientFlagsLike) => {
      await withClient(flags, async (client) => printFsck(await client.admin.fsck(path), flags.json));
    },
  );
  addClientOptions(program.command("report").description("the cluster's capacity, used and remaining space, and every chunk server")).action(async (flags: ClientFlagsLike) => {
    await withClient(flags, async (client) => printReport(await client.admin.report(), flags.json));
  });
}

function printFsck(result: FsckView, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  if (result.unhealthyFiles.length > 0) {
    const rows = result.unhealthyFiles.map((file) => [file.status, String(file.replication), `${file.chunks}`, `${file.underReplicated}`, `${file.corrupt}`, `${file.missing}`, file.path]);
    process.stdout.write(formatTable(["STATUS", "REP", "CHUNKS", "UNDER", "CORRUPT", "MISSING", "PATH"], rows));
    if (result.truncated) process.stdout.write(`(only the first ${result.unhealthyFiles.length} unhealthy files are listed)\n`);
    process.stdout.write("\n");
  }
  const lines = [
    `Status:                 ${result.status}`,
    ` Total size:            ${formatBytes(result.sizeBytes)}`,
    ` Total folders:         ${result.directories}`,
    ` Total files:           ${result.files}`,
    ` Total chunks:          ${result.chunks}`,
    ` Healthy chunks:        ${result.healthy}`,
    ` Under-replicated:      ${result.underReplicated}`,
    ` Corrupt:               ${result.corrupt}`,
    ` Missing:               ${result.missing}`,
    ` Over-replicated:       ${result.overReplicated}`,
    // Chunks of under-storage files with no copy in Tessera: healthy, read through (docs/cache.md).
    ...(result.notCached > 0 ? [` Not cached:            ${result.notCached}`] : []),
    ` Repairs queued:        ${result.repairQueue} (${result.repairsInFlight} copying now, ${result.repairedChunks} done since this leader started)`,
    // A mount whose under-storage is down: what is cached is still served (issue 16).
    ...(result.unreachableMounts ?? []).map((mount) => ` Unreachable mount:     ${mount.path} (${mount.uri}) since ${new Date(mount.unreachableSinceMs).toISOString()}: ${mount.lastError}`),
    `The file system under path '${result.path}' is ${result.status}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function printReport(report: ReportView, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [
    `Capacity:          ${formatBytes(report.capacityBytes)}`,
    `Used by chunks:    ${formatBytes(report.usedBytes)} (${report.usedPercent.toFixed(2)}%)`,
    `Used otherwise:    ${formatBytes(report.nonChunkUsedBytes)}`,
    `Remaining:         ${formatBytes(report.remainingBytes)}`,
    `Files:             ${report.files}`,
    `Chunks:            ${report.chunks}`,
    `Being repaired:    ${report.underReplicated} chunks (${report.repairedChunks} repaired, ${formatBytes(report.repairedBytes)} copied since this leader started)`,
    `Chunk servers:     ${report.livePeers} alive, ${report.suspectPeers} suspect, ${report.deadPeers} dead`,
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const rows = report.peers.map((peer) => [peer.peer, peer.state, peer.rack, formatBytes(peer.capacityBytes), formatBytes(peer.usedBytes), `${peer.usedPercent.toFixed(2)}%`, formatBytes(peer.remainingBytes), String(peer.chunks)]);
  process.stdout.write(formatTable(["PEER", "STATE", "RACK", "CAPACITY", "USED", "USED%", "REMAINING", "CHUNKS"], rows));
  const tiers = tierRows(report);
  if (tiers.length > 0) {
    process.stdout.write("\nCache tiers (top first; counters since each peer started):\n");
    process.stdout.write(formatTable(["PEER", "TIER", "CAPACITY", "USED", "CHUNKS", "PINNED", "HITS", "MISSES", "EVICTIONS", "DEMOTIONS", "PROMOTIONS"], tiers));
  }
}

/** One row per cache tier of each peer (peers without --tier have none). */
export function tierRows(report: ReportView): string[][] {
  return report.peers.flatMap((peer) =>
    (peer.tiers ?? []).map((tier) => [peer.peer, tier.name, formatBytes(tier.capacityBytes), formatBytes(tier.usedBytes), String(tier.chunks), String(tier.pinnedChunks), String(tier.hits), String(tier.misses), String(tier.evictions), String(tier.demotions), String(tier.promotions)]),
  );
}
