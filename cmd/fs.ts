// `tessera fs ...`: the file system commands. Parsing and printing only; the work is the
// library's FileSystemClient.
import { existsSync, statSync, readdirSync, renameSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import bytes from "bytes";
import { SingleBar } from "cli-progress";
import type { ClusterClient } from "../src/client/cluster.ts";
import type { StatView } from "../src/client/fs.ts";
import { formatBytes, formatTable } from "./format.ts";

export class FsUsageError extends Error {
  override name = "UsageError";
}

/** A progress bar with rate and ETA on a terminal; silent when stderr is piped. */
function progress(totalBytes: number, label: string) {
  if (!process.stderr.isTTY || totalBytes === 0) return { update: (_bytes: number) => {}, stop: () => {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {done} of {total} | {rate}/s | ETA {eta_formatted}`,
    hideCursor: true,
    stream: process.stderr,
  });
  const started = performance.now();
  bar.start(totalBytes, 0, { done: formatBytes(0), total: formatBytes(totalBytes), rate: formatBytes(0) });
  return {
    update: (done: number) => {
      const seconds = Math.max(0.001, (performance.now() - started) / 1000);
      bar.update(done, { done: formatBytes(done), total: formatBytes(totalBytes), rate: formatBytes(Math.round(done / seconds)) });
    },
    stop: () => bar.stop(),
  };
}

export function parseSize(text: string, flag: string): number {
  // `bytes` reads KB/MB/GB as powers of 1024; accept the IEC spellings (MiB) and a bare M too.
  const normalized = text.trim().replace(/^(\d+(?:\.\d+)?)\s*([kmgtp])(?:i?b)?$/i, "$1$2b");
  if (!/^\d+(\.\d+)?\s*([kmgtp]?b)?$/i.test(normalized)) throw new FsUsageError(`${flag} "${text}" is not a size (for example 64MB, 4MiB or 1048576)`);
  const parsed = bytes.parse(normalized);
  if (parsed === null || !Number.isFinite(parsed) || parsed <= 0 || !Number.isInteger(parsed)) {
    throw new FsUsageError(`${flag} "${text}" is not a size (for example 64MB, 4MiB or 1048576)`);
  }
  return parsed;
}

function parseReplication(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new FsUsageError(`a replication of "${text}" is not possible: give a whole number of copies, 1 or more`);
  return value;
}

async function remoteKind(client: ClusterClient, path: string): Promise<"file" | "dir" | undefined> {
  try {
    return (await client.fs.stat(path)).kind;
  } catch (err) {
    if ((err as { code?: string }).code === "NOT_FOUND") return undefined;
    throw err;
  }
}

/** Local files to upload with their remote names; directories only with -r. */
function expandLocal(sources: string[], recursive: boolean, remoteBase: string, intoDir: boolean): Array<{ local: string; remote: string; dirs: string[] }> {
  const out: Array<{ local: string; remote: string; dirs: string[] }> = [];
  for (const source of sources) {
    if (!existsSync(source)) throw new FsUsageError(`${source} does not exist`);
    const target = intoDir ? join(remoteBase, basename(source)) : remoteBase;
    if (statSync(source).isDirectory()) {
      if (!recursive) throw new FsUsageError(`${source} is a folder: use -r to upload it with its contents`);
      const walk = (local: string, remote: string, dirs: string[]) => {
        dirs.push(remote);
        for (const name of readdirSync(local).sort()) {
          const child = join(local, name);
          if (statSync(child).isDirectory()) walk(child, join(remote, name), dirs);
          else out.push({ local: child, remote: join(remote, name), dirs: [] });
        }
      };
      const dirs: string[] = [];
      walk(source, target, dirs);
      out.push({ local: "", remote: "", dirs });
    } else {
      out.push({ local: source, remote: target, dirs: [] });
    }
  }
  return out;
}

export function addFsCommands(fs: Command, withClient: <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>, addClientOptions: (command: Command) => Command): void {
  addClientOptions(fs.command("put").description("upload local files into the file system").argument("<paths...>", "LOCAL... REMOTE"))
    .option("-r, --recursive", "upload folders with their contents")
    .option("--replication <n>", "copies of each chunk (default 3)")
    .option("--chunk-size <size>", "chunk size, like 64MB (default 64 MiB)")
    .action(async (paths: string[], flags: ClientFlagsLike & { recursive?: boolean; replication?: string; chunkSize?: string }) => {
      if (paths.length < 2) throw new FsUsageError("put needs at least one local path and a remote path");
      const replication = flags.replication === undefined ? undefined : parseReplication(flags.replication);
      const chunkSizeBytes = flags.chunkSize === undefined ? undefined : parseSize(flags.chunkSize, "--chunk-size");
      const remote = paths[paths.length - 1]!;
      const sources = paths.slice(0, -1);
      await withClient(flags, async (client) => {
        const kind = await remoteKind(client, remote);
        if (sources.length > 1 && kind !== "dir") throw new FsUsageError(`${remote} must be an existing folder to take several files`);
        const uploads = expandLocal(sources, flags.recursive ?? false, remote, kind === "dir");
        const results: StatView[] = [];
        for (const upload of uploads) {
          for (const dir of upload.dirs) await client.fs.mkdir(dir, { parents: true });
          if (!upload.local) continue;
          const size = statSync(upload.local).size;
          const bar = progress(size, basename(upload.local));
          try {
            results.push(await client.fs.put(Bun.file(upload.local).stream(), upload.remote, { replication, chunkSizeBytes, onProgress: bar.update }));
          } finally {
            bar.stop();
          }
        }
        for (const stat of results) {
          const short = stat.chunks.filter((chunk) => chunk.replicas.length < stat.replication).length;
          // HDFS writes with the datanodes it has; so does Tessera, and says so.
          if (short > 0) process.stderr.write(`tessera: ${stat.path} is under-replicated: ${short} of ${stat.chunks.length} chunks have fewer than ${stat.replication} replicas (not enough live peers).\n`);
        }
        if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      });
    });

  addClientOptions(fs.command("get").description("download a file").argument("<remote>").argument("<local>")).action(async (remote: string, local: string, flags: ClientFlagsLike) => {
    await withClient(flags, async (client) => {
      const stat = await client.fs.stat(remote);
      if (stat.kind !== "file") throw new FsUsageError(`${remote} is a folder; get copies one file`);
      const target = existsSync(local) && statSync(local).isDirectory() ? join(local, basename(remote)) : local;
      const temp = `${target}.tessera-part`;
      const writer = Bun.file(temp).writer();
      const bar = progress(stat.size, basename(remote));
      try {
        for await (const piece of client.fs.createReadStream(remote, { onProgress: bar.update })) writer.write(piece);
        await writer.end();
      } catch (err) {
        await writer.end();
        await Bun.file(temp).delete().catch(() => {});
        throw err;
      } finally {
        bar.stop();
      }
      // The file appears whole or not at all.
      renameSync(temp, target);
    });
  });

  addClientOptions(fs.command("cat").description("print a file to stdout").argument("<remote>")).action(async (remote: string, flags: ClientFlagsLike) => {
    await withClient(flags, async (client) => {
      for await (const piece of client.fs.createReadStream(remote)) {
        if (!process.stdout.write(piece)) await new Promise((resolve) => process.stdout.once("drain", resolve));
      }
    });
  });

  addClientOptions(fs.command("ls").description("list a folder").argument("[path]", "the folder", "/"))
    .option("-R, --recursive", "list the whole subtree")
    .action(async (path: string, flags: ClientFlagsLike & { recursive?: boolean }) => {
      await withClient(flags, async (client) => {
        const entries = await client.fs.list(path, { recursive: flags.recursive ?? false });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(entries.map(({ chunks: _chunks, ...entry }) => entry), null, 2)}\n`);
          return;
        }
        const rows = entries.map((entry) => [
          entry.kind === "dir" ? "d" : "-",
          entry.kind === "dir" ? "" : String(entry.replication),
          entry.kind === "dir" ? "" : formatBytes(entry.size),
          new Date(entry.mtimeMs).toISOString().replace("T", " ").slice(0, 19),
          entry.state === "open" ? `${entry.path} (being written)` : entry.path,
        ]);
        process.stdout.write(formatTable(["T", "REP", "SIZE", "MODIFIED", "PATH"], rows));
      });
    });

  addClientOptions(fs.command("mkdir").description("make a folder").argument("<path>"))
    .option("-p, --parents", "make parent folders as needed, and do not fail if it exists")
    .action(async (path: string, flags: ClientFlagsLike & { parents?: boolean }) => {
      await withClient(flags, (client) => client.fs.mkdir(path, { parents: flags.parents ?? false }));
    });

  addClientOptions(fs.command("rm").description("delete a file, or a folder with -r").argument("<path>"))
    .option("-r, --recursive", "delete a folder and everything in it")
    .action(async (path: string, flags: ClientFlagsLike & { recursive?: boolean }) => {
      await withClient(flags, async (client) => {
        const result = await client.fs.rm(path, { recursive: flags.recursive ?? false });
        if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      });
    });

  addClientOptions(fs.command("mv").description("rename or move, atomically").argument("<source>").argument("<destination>")).action(async (source: string, destination: string, flags: ClientFlagsLike) => {
    await withClient(flags, (client) => client.fs.mv(source, destination));
  });

  addClientOptions(fs.command("append").description("add a local file's bytes at the end of a file").argument("<local>").argument("<remote>")).action(async (local: string, remote: string, flags: ClientFlagsLike) => {
    if (!existsSync(local)) throw new FsUsageError(`${local} does not exist`);
    await withClient(flags, async (client) => {
      const bar = progress(statSync(local).size, basename(local));
      try {
        await client.fs.append(Bun.file(local).stream(), remote, { onProgress: bar.update });
      } finally {
        bar.stop();
      }
    });
  });

  addClientOptions(fs.command("setrep").description("set the replication of a file, or of every file under a folder").argument("<n>").argument("<path>")).action(async (n: string, path: string, flags: ClientFlagsLike) => {
    const replication = parseReplication(n);
    await withClient(flags, async (client) => {
      const files = await client.fs.setReplication(path, replication);
      if (flags.json) process.stdout.write(`${JSON.stringify({ files })}\n`);
    });
  });

  addClientOptions(fs.command("stat").description("a file's size, replication, chunks and where each replica lives").argument("<path>")).action(async (path: string, flags: ClientFlagsLike) => {
    await withClient(flags, async (client) => {
      const stat = await client.fs.stat(path);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(stat, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${stat.path}: ${stat.kind}, ${formatBytes(stat.size)}, replication ${stat.replication}, chunk size ${formatBytes(stat.chunkSize)}, ${stat.state}\n`);
      if (stat.chunks.length > 0) {
        const rows = stat.chunks.map((chunk) => [String(chunk.index), chunk.id, String(chunk.version), formatBytes(chunk.size), chunk.replicas.map((r) => `${r.peer.slice(-8)}@${r.rack}`).join(" ")]);
        process.stdout.write(formatTable(["#", "CHUNK", "VERSION", "SIZE", "REPLICAS"], rows));
      }
    });
  });
}

export interface ClientFlagsLike {
  join?: string[];
  swarmKey?: string;
  json?: boolean;
}


