// `tessera fs chmod|chown|chgrp [-R]`: HDFS's permission commands. Parsing and printing only;
// the masters check who may (the owner, or the superuser) and src/client/tree-walk.ts walks.
import type { Command } from "commander";
import type { ClusterClient } from "../src/client/cluster.ts";
import { walkTree, TreeWalkError } from "../src/client/tree-walk.ts";
import type { StatView } from "../src/client/fs.ts";
import { applyChmod, ChmodSpecError } from "../src/protocol/permissions.ts";
import type { ClientFlagsLike } from "./fs.ts";

type WithClient = <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>;

export class PermissionUsageError extends Error {
  override name = "UsageError";
}

// The characters HDFS's FsShell accepts in a user or group name (FsShellPermissions.allowedChars).
const NAME_PATTERN = /^[-_./@a-zA-Z0-9]+$/;
/** A user or group name longer than this is refused before anything is sent. */
export const NAME_CHARS_MAX = 256;

function checkName(name: string, what: string, spec: string): string {
  if (name.length > NAME_CHARS_MAX || !NAME_PATTERN.test(name)) throw new PermissionUsageError(`"${spec}" is not ${what}: a name has letters, digits and - _ . / @ only`);
  return name;
}

/** `OWNER`, `OWNER:GROUP`, `OWNER:` or `:GROUP`, as hdfs dfs -chown takes it; at least one of the two. */
export function parseOwnerSpec(spec: string): { owner?: string; group?: string } {
  const colon = spec.indexOf(":");
  const ownerText = colon < 0 ? spec : spec.slice(0, colon);
  const groupText = colon < 0 ? "" : spec.slice(colon + 1);
  if (ownerText === "" && groupText === "") throw new PermissionUsageError(`"${spec}" names neither an owner nor a group: give OWNER, OWNER:GROUP or :GROUP`);
  return {
    ...(ownerText !== "" ? { owner: checkName(ownerText, "an owner", spec) } : {}),
    ...(groupText !== "" ? { group: checkName(groupText, "a group", spec) } : {}),
  };
}

export function parseGroupSpec(spec: string): string {
  return checkName(spec, "a group", spec);
}

/** Checks a mode before anything is sent: a mode that cannot be read is a usage error. */
export function checkMode(mode: string): void {
  try {
    applyChmod(mode, 0, "file");
  } catch (err) {
    if (err instanceof ChmodSpecError) throw new PermissionUsageError(err.message);
    throw err;
  }
}

/** Runs one change over each path (with -R, over every entry below it), stopping at the first failure with one sentence. */
async function changeEach(client: ClusterClient, paths: string[], recursive: boolean, what: string, change: (entry: StatView) => Promise<void>): Promise<{ files: number; directories: number }> {
  const total = { files: 0, directories: 0 };
  for (const path of paths) {
    try {
      const counts = await walkTree(client.fs, path, change, { recursive });
      total.files += counts.files;
      total.directories += counts.directories;
    } catch (err) {
      if (!(err instanceof TreeWalkError)) throw err;
      const cause = err.cause instanceof Error ? err.cause.message : err.message;
      throw new TreeWalkError(err.code, err.path, `cannot change the ${what} of ${err.path}: ${cause.replace(/\.$/, "")}`, { cause: err.cause });
    }
  }
  return total;
}

export function addPermissionCommands(fs: Command, withClient: WithClient, addClientOptions: (command: Command) => Command): void {
  const report = (flags: ClientFlagsLike, counts: { files: number; directories: number }) => {
    if (flags.json) process.stdout.write(`${JSON.stringify(counts)}\n`);
  };

  addClientOptions(
    fs
      .command("chmod")
      .description("change the permission bits: octal (755, 1777) or symbolic (u+x,go-w, a=r, +t, g+X); the owner or the superuser may")
      .argument("<mode>")
      .argument("<paths...>"),
  )
    .option("-R, --recursive", "also every file and folder below (each folder before its entries)")
    .action(async (mode: string, paths: string[], flags: ClientFlagsLike & { recursive?: boolean }) => {
      checkMode(mode);
      await withClient(flags, async (client) => {
        report(flags, await changeEach(client, paths, flags.recursive ?? false, "permission", (entry) => client.fs.chmod(entry.path, applyChmod(mode, entry.permission, entry.kind))));
      });
    });

  addClientOptions(
    fs
      .command("chown")
      .description("change the owner (the superuser may), and the group with OWNER:GROUP")
      .argument("<owner>", "OWNER, OWNER:GROUP or :GROUP")
      .argument("<paths...>"),
  )
    .option("-R, --recursive", "also every file and folder below")
    .action(async (spec: string, paths: string[], flags: ClientFlagsLike & { recursive?: boolean }) => {
      const { owner, group } = parseOwnerSpec(spec);
      await withClient(flags, async (client) => {
        report(flags, await changeEach(client, paths, flags.recursive ?? false, owner === undefined ? "group" : "owner", (entry) => client.fs.chown(entry.path, owner, group)));
      });
    });

  addClientOptions(
    fs
      .command("chgrp")
      .description("change the group (the owner, to a group it is in, or the superuser may)")
      .argument("<group>")
      .argument("<paths...>"),
  )
    .option("-R, --recursive", "also every file and folder below")
    .action(async (spec: string, paths: string[], flags: ClientFlagsLike & { recursive?: boolean }) => {
      const group = parseGroupSpec(spec);
      await withClient(flags, async (client) => {
        report(flags, await changeEach(client, paths, flags.recursive ?? false, "group", (entry) => client.fs.chown(entry.path, undefined, group)));
      });
    });
}
