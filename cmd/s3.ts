// `tessera s3 keys create|list|delete`: the S3 gateway's access keys, kept in the cluster's
// settings (src/gateway/s3/keys.ts), each acting for a user. Parsing and printing only. A
// key's secret is printed once, when it is made; nothing prints it again.
import type { Command } from "commander";
import type { ClusterClient } from "../src/client/cluster.ts";
import { AccessKeyStore, isKeyUser, type SettingsStore } from "../src/gateway/s3/keys.ts";
import { checkBucketName } from "../src/gateway/s3/names.ts";
import { formatTable } from "./format.ts";
import type { ClientFlagsLike } from "./fs.ts";

type WithClient = <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

class S3UsageError extends Error {
  override name = "UsageError";
}

function checkBucketFlag(name: string): void {
  try {
    checkBucketName(name);
  } catch (err) {
    const why = (err as Error).message.replace(/^The specified bucket is not valid: /, "").replace(/\.$/, "");
    throw new S3UsageError(`--bucket "${name}" is not a bucket name: ${why}`);
  }
}

export function keyStoreOf(client: ClusterClient): AccessKeyStore {
  const settings: SettingsStore = client.fs;
  return new AccessKeyStore(settings);
}

export function addS3Commands(program: Command, withClient: WithClient, addClientOptions: (command: Command) => Command): void {
  const s3 = program.command("s3").description("the S3 gateway's access keys");
  const keys = s3.command("keys").description("create, list and delete the access keys S3 clients sign with");
  addClientOptions(
    keys
      .command("create")
      .description("make an access key; its secret is printed this once")
      .option("--name <name>", "a name to recognise the key by")
      .option("--bucket <bucket>", "limit the key to this bucket (repeatable; default every bucket)", collect)
      .option("--read-only", "the key may read but not write or delete")
      .option("--user <user>", "the user the key's requests act for; its permissions apply (default: the user making the key)"),
  ).action(async (flags: ClientFlagsLike & { name?: string; bucket?: string[]; readOnly?: boolean; user?: string }) => {
    if (flags.user !== undefined && !isKeyUser(flags.user)) throw new S3UsageError(`--user "${flags.user}" is not a user name: a name has letters, digits and - _ . / @ only`);
    await withClient(flags, async (client) => {
      const key = await keyStoreOf(client).create({ name: flags.name ?? "", buckets: flags.bucket ?? [], readOnly: flags.readOnly ?? false, user: flags.user ?? client.user }, checkBucketFlag);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(key)}\n`);
        return;
      }
      const scope = `${key.buckets.length === 0 ? "every bucket" : `buckets ${key.buckets.join(", ")}`}, ${key.readOnly ? "read only" : "read and write"}`;
      process.stdout.write(`access key id      ${key.accessKeyId}\nsecret access key  ${key.secret}\nuser               ${key.user}\nscope              ${scope}\n`);
      process.stdout.write("Keep the secret now: it is never shown again.\n");
    });
  });
  addClientOptions(keys.command("list").description("every access key, without secrets")).action(async (flags: ClientFlagsLike) => {
    await withClient(flags, async (client) => {
      const listed = await keyStoreOf(client).list();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ keys: listed }, null, 2)}\n`);
        return;
      }
      // A key made before keys had users acts as the gateway, which is the superuser.
      const rows = listed.map((key) => [key.accessKeyId, key.user ?? "(superuser)", key.name, key.buckets.length === 0 ? "*" : key.buckets.join(","), key.readOnly ? "read" : "read,write", new Date(key.createdMs).toISOString()]);
      process.stdout.write(formatTable(["ACCESS KEY ID", "USER", "NAME", "BUCKETS", "ACCESS", "CREATED"], rows));
    });
  });
  addClientOptions(keys.command("delete").description("delete an access key: requests signed with it are refused (within 10 s on every gateway)").argument("<id>", "the access key id")).action(
    async (id: string, flags: ClientFlagsLike) => {
      await withClient(flags, async (client) => {
        if (!(await keyStoreOf(client).delete(id))) throw new Error(`there is no access key ${id}`);
        if (!flags.json) process.stdout.write(`deleted access key ${id}\n`);
      });
    },
  );
}
