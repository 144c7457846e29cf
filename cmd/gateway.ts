// `tessera gateway s3`: an S3 endpoint as a client process of the cluster (like `weed s3` or
// `juicefs gateway`). Parsing and printing only; src/gateway/s3 does the work.
import { Option, type Command } from "commander";
import type { ClusterClient } from "../src/client/cluster.ts";
import { startS3Gateway, S3_LISTEN_DEFAULT } from "../src/gateway/s3/server.ts";
import { AccessKeyStore } from "../src/gateway/s3/keys.ts";
import { parseHostPort } from "../src/util/config.ts";
import type { ClientFlagsLike } from "./fs.ts";
import { stopOnSignals } from "./format.ts";

export interface GatewayFlags extends ClientFlagsLike {
  listen?: string;
  s3Domain?: string;
  uploadExpiryHours?: number;
}

class GatewayUsageError extends Error {
  override name = "UsageError";
}

const positiveHours = (value: string) => {
  const hours = Number(value);
  if (!Number.isFinite(hours) || hours <= 0) throw new GatewayUsageError(`--upload-expiry-hours must be a positive number of hours, not "${value}"`);
  return hours;
};

/** Options shared by `gateway s3` and `node start --s3`. */
export function addS3ServeOptions(command: Command): Command {
  return command
    .option("--s3-domain <domain>", "also accept virtual-host style requests to <bucket>.<domain>")
    .addOption(new Option("--upload-expiry-hours <hours>", "incomplete multipart uploads older than this are removed (default 168)").argParser(positiveHours));
}

export function addGatewayCommands(program: Command, connectClient: (flags: ClientFlagsLike) => Promise<ClusterClient>, addClientOptions: (command: Command) => Command, keepRunning: () => void): void {
  const gateway = program.command("gateway").description("serve the file system over other protocols");
  addS3ServeOptions(
    addClientOptions(gateway.command("s3").description("serve S3 (path style; virtual-host style with --s3-domain) as a client of the cluster")).option(
      "--listen <host:port>",
      `where to listen (default ${S3_LISTEN_DEFAULT}: loopback only; any other address is a choice to make knowingly, see SECURITY.md)`,
    ),
  ).action(async (flags: GatewayFlags) => {
    parseHostPort(flags.listen ?? S3_LISTEN_DEFAULT, "--listen");
    const client = await connectClient(flags);
    let gatewayServer;
    try {
      await new AccessKeyStore(client.fs).checkReadable(client.user);
      gatewayServer = await startS3Gateway({
        fs: client.fs,
        listen: flags.listen ?? S3_LISTEN_DEFAULT,
        ...(flags.s3Domain ? { domain: flags.s3Domain } : {}),
        ...(flags.uploadExpiryHours ? { uploadExpiryMs: Math.round(flags.uploadExpiryHours * 3_600_000) } : {}),
      });
    } catch (err) {
      await client.close();
      throw new Error(`cannot serve S3 at ${flags.listen ?? S3_LISTEN_DEFAULT}: ${(err as Error).message}`);
    }
    const started = gatewayServer;
    if (flags.json) process.stdout.write(`${JSON.stringify({ s3: started.url, entryPeer: client.entryPeer })}\n`);
    else process.stdout.write(`Tessera S3 gateway at ${started.url} (cluster entry peer ${client.entryPeer})\n`);
    keepRunning();
    stopOnSignals(() => started.stop().then(() => client.close()));
  });
}
