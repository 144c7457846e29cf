// `tessera auth token|renew|cancel`: delegation tokens (Hadoop's `hdfs fetchdt`), which WebHDFS
// clients send as `delegation=` where user.name is not accepted (SECURITY.md). Parsing and
// printing only; the masters issue and keep them (src/master/rpc/token-service.ts).
import type { Command } from "commander";
import type { ClusterClient } from "../src/client/cluster.ts";
import type { ClientFlagsLike } from "./fs.ts";

type WithClient = <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>;

class AuthUsageError extends Error {
  override name = "UsageError";
}

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `24h`, `30m`, `7d`, `90s` or `1500ms`, in ms; `flag` names it in the error. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * DURATION_UNIT_MS[match[2]!]!) : NaN;
  if (!match || !Number.isSafeInteger(ms) || ms <= 0) throw new AuthUsageError(`${flag} must be a duration such as 24h, 30m, 7d or 90s, not "${text}"`);
  return ms;
}

export function addAuthCommands(program: Command, withClient: WithClient, addClientOptions: (command: Command) => Command): void {
  const auth = program.command("auth").description("delegation tokens for WebHDFS clients (delegation=)");
  addClientOptions(
    auth
      .command("token")
      .description("get a delegation token for you (or, as the superuser, for --user) and print it")
      .option("--user <user>", "whom the token acts for (default: you; another user takes the superuser)")
      .option("--renewer <user>", "who may renew it (default: the token's user)")
      .option("--ttl <duration>", "when it first expires, e.g. 1h (default 24h, at most 7d; renewing adds 24h, up to 7 days after issue)"),
  ).action(async (flags: ClientFlagsLike & { user?: string; renewer?: string; ttl?: string }) => {
    const ttlMs = flags.ttl === undefined ? undefined : parseDuration(flags.ttl, "--ttl");
    await withClient(flags, async (client) => {
      const issued = await client.fs.issueDelegationToken({ ...(flags.user ? { user: flags.user } : {}), ...(flags.renewer ? { renewer: flags.renewer } : {}), ...(ttlMs ? { ttlMs } : {}) });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ token: issued.token, user: issued.user, renewer: issued.renewer, expiryMs: issued.expiryMs, expiry: new Date(issued.expiryMs).toISOString() })}\n`);
        return;
      }
      process.stdout.write(`${issued.token}\n`);
    });
  });
  addClientOptions(auth.command("renew").description("renew a token (its renewer only) and print its new expiry").argument("<token>", "the token as printed")).action(
    async (token: string, flags: ClientFlagsLike) => {
      await withClient(flags, async (client) => {
        const expiryMs = await client.fs.renewDelegationToken(token);
        process.stdout.write(flags.json ? `${JSON.stringify({ expiryMs, expiry: new Date(expiryMs).toISOString() })}\n` : `renewed: expires ${new Date(expiryMs).toISOString()}\n`);
      });
    },
  );
  addClientOptions(auth.command("cancel").description("cancel a token (its owner or renewer): it stops working at once on the masters, within 5 s on every gateway").argument("<token>", "the token as printed")).action(
    async (token: string, flags: ClientFlagsLike) => {
      await withClient(flags, async (client) => {
        await client.fs.cancelDelegationToken(token);
        if (!flags.json) process.stdout.write("cancelled\n");
      });
    },
  );
}
