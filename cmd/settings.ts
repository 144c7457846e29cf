// `tessera settings get|set|delete|list`: the cluster's settings (replicated through Raft),
// such as the permission model's (permissions/umask, permissions/groups/<user>). Parsing and
// printing only; the masters let only the superuser read or write them. Values are UTF-8
// text here. Secrets (secret/..., and the S3 keys under s3/key/, which `s3 keys` manages) are
// never printed, nor set or deleted from here.
import type { Command } from "commander";
import type { ClusterClient } from "../src/client/cluster.ts";
import { formatTable } from "./format.ts";
import type { ClientFlagsLike } from "./fs.ts";

type WithClient = <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>;

class SettingsUsageError extends Error {
  override name = "UsageError";
}

const SECRET_PREFIXES = ["secret/", "s3/key/"];
/** A value longer than this is shown by its size in a listing. */
const LIST_VALUE_CHARS_MAX = 80;

export function isSecretSetting(key: string): boolean {
  return SECRET_PREFIXES.some((prefix) => key.startsWith(prefix));
}

function refuseSecret(key: string, verb: string): void {
  if (isSecretSetting(key)) throw new SettingsUsageError(`${key} holds a secret, which tessera settings does not ${verb} (S3 keys: tessera s3 keys)`);
}

export function addSettingsCommands(program: Command, withClient: WithClient, addClientOptions: (command: Command) => Command): void {
  const settings = program.command("settings").description("the cluster's settings, such as permissions/umask (the superuser's alone)");
  addClientOptions(settings.command("get").description("print a setting's value").argument("<key>")).action(async (key: string, flags: ClientFlagsLike) => {
    refuseSecret(key, "print");
    await withClient(flags, async (client) => {
      const value = await client.fs.getSetting(key);
      if (value === undefined) throw new Error(`${key} is not set`);
      const text = new TextDecoder().decode(value);
      process.stdout.write(flags.json ? `${JSON.stringify({ key, value: text })}\n` : `${text}\n`);
    });
  });
  addClientOptions(settings.command("set").description("set a setting (the masters check the permission model's values)").argument("<key>").argument("<value>")).action(
    async (key: string, value: string, flags: ClientFlagsLike) => {
      refuseSecret(key, "set");
      await withClient(flags, (client) => client.fs.setSetting(key, new TextEncoder().encode(value)));
    },
  );
  addClientOptions(settings.command("delete").description("remove a setting (its default applies again)").argument("<key>")).action(async (key: string, flags: ClientFlagsLike) => {
    refuseSecret(key, "delete");
    await withClient(flags, (client) => client.fs.deleteSetting(key));
  });
  addClientOptions(settings.command("list").description("every setting under a prefix, secrets shown by their size only").argument("[prefix]", "keys starting with this", "")).action(
    async (prefix: string, flags: ClientFlagsLike) => {
      await withClient(flags, async (client) => {
        const rows: Array<{ key: string; value: string }> = [];
        let after = "";
        for (;;) {
          // One page at a time; only the shown text of each value is kept.
          const page = await client.fs.listSettings(prefix, after ? { after } : {});
          for (const entry of page.entries) {
            const text = new TextDecoder().decode(entry.value);
            const shown = isSecretSetting(entry.key) ? `(secret, ${entry.value.length} bytes)` : text.length > LIST_VALUE_CHARS_MAX ? `(${entry.value.length} bytes)` : text;
            rows.push({ key: entry.key, value: shown });
          }
          if (!page.next || page.entries.length === 0) break;
          after = page.next;
        }
        if (flags.json) process.stdout.write(`${JSON.stringify({ settings: rows }, null, 2)}\n`);
        else process.stdout.write(formatTable(["KEY", "VALUE"], rows.map((row) => [row.key, row.value])));
      });
    },
  );
}
