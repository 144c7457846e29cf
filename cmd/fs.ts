// `tessera fs ...`: the file system commands. Parsing and printing only; the work is the
// library's FileSystemClient.
import { existsSync, statSync, readdirSync, renameSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import bytes from "bytes";
import { SingleBar } from "cli-progress";
import type { ClusterClient } from "../src/client/cluster.ts";
import { PUT_MANY_IN_FLIGHT_DEFAULT, PUT_MANY_IN_FLIGHT_MAX, PutManyError, type StatView } from "../src/client/fs.ts";
import { CHUNKS_IN_FLIGHT_DEFAULT } from "../src/client/file-writer.ts";
import { CHUNKS_IN_FLIGHT_MAX } from "../src/protocol/limits.ts";
import { normalizePath } from "../src/protocol/paths.ts";
import { formatPermission, permissionOctal } from "../src/protocol/permissions.ts";
import { formatBytes, formatTable } from "./format.ts";
import { lsLines } from "./ls-format.ts";
import { parseReadType, parseWriteType, type ReadType, type WriteType } from "../src/protocol/mounts.ts";
import { CacheUsageError, lsCacheColumns, mountRequest, mountTable, statCacheLines, withCacheShare, type MountFlags } from "./cache-format.ts";
import { addPermissionCommands } from "./fs-permissions.ts";

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

async function remoteKind(client: ClusterClient, path: string): Promise<"file" | "dir" | "symlink" | undefined> {
  try {
    return (await client.fs.stat(path)).kind;
  } catch (err) {
    if ((err as { code?: string }).code === "NOT_FOUND") return undefined;
    throw err;
  }
}

interface LocalTree {
  /** Remote folders to make, the empty ones of a local tree included. */
  folders: string[];
  files: Array<{ local: string; remote: string; sizeBytes: number }>;
}

/** Local files to upload with their remote names, and the folders to make; folders only with -r. */
function expandLocal(sources: string[], recursive: boolean, remoteBase: string, intoDir: boolean): LocalTree {
  const tree: LocalTree = { folders: [], files: [] };
  for (const source of sources) {
    if (!existsSync(source)) throw new FsUsageError(`${source} does not exist`);
    const target = intoDir ? join(remoteBase, basename(source)) : remoteBase;
    const stat = statSync(source);
    if (!stat.isDirectory()) {
      tree.files.push({ local: source, remote: target, sizeBytes: stat.size });
      continue;
    }
    if (!recursive) throw new FsUsageError(`${source} is a folder: use -r to upload it with its contents`);
    const walk = (local: string, remote: string) => {
      tree.folders.push(remote);
      for (const entry of readdirSync(local, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const child = join(local, entry.name);
        if (entry.isDirectory()) {
          walk(child, join(remote, entry.name));
          continue;
        }
        // statSync follows a symbolic link, as hdfs dfs -put does.
        const childStat = statSync(child);
        if (childStat.isDirectory()) walk(child, join(remote, entry.name));
        else tree.files.push({ local: child, remote: join(remote, entry.name), sizeBytes: childStat.size });
      }
    };
    walk(source, target);
  }
  return tree;
}

/** A progress bar counting files on a terminal; silent when stderr is piped. */
function fileProgress(totalFiles: number, totalBytes: number) {
  if (!process.stderr.isTTY || totalFiles === 0) return { update: (_done: { files: number; bytes: number }) => {}, stop: () => {} };
  const bar = new SingleBar({
    format: `put [{bar}] {value} of {total} files | {done} of {size} | {rate} files/s | ETA {eta_formatted}`,
    hideCursor: true,
    stream: process.stderr,
  });
  const started = performance.now();
  bar.start(totalFiles, 0, { done: formatBytes(0), size: formatBytes(totalBytes), rate: "0" });
  return {
    update: (done: { files: number; bytes: number }) => {
      const seconds = Math.max(0.001, (performance.now() - started) / 1000);
      bar.update(done.files, { done: formatBytes(done.bytes), size: formatBytes(totalBytes), rate: Math.round(done.files / seconds).toLocaleString("en-US") });
    },
    stop: () => bar.stop(),
  };
}

/** Writes to stdout, waiting when a slow reader (a pipe to less, say) has not taken the last piece. */
async function printOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once("drain", resolve));
}

// A file of `fs put` up to this size is read into memory whole rather than streamed; with
// PUT_MANY_IN_FLIGHT_MAX files at once that is at most 1 GiB, and the bulk put's buffer budget
// (PUT_MANY_BUFFER_BYTES_MAX) keeps it to 256 MiB.
const READ_WHOLE_BYTES_MAX = 8 * 1024 * 1024;

function parseInFlight(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > PUT_MANY_IN_FLIGHT_MAX) throw new FsUsageError(`--parallel "${text}" is not possible: give a whole number of files from 1 to ${PUT_MANY_IN_FLIGHT_MAX}`);
  return value;
}

function parseChunksInFlight(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > CHUNKS_IN_FLIGHT_MAX) throw new FsUsageError(`--chunks-in-flight "${text}" is not possible: give a whole number of chunks from 1 to ${CHUNKS_IN_FLIGHT_MAX}`);
  return value;
}

export function addFsCommands(fs: Command, withClient: <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>, addClientOptions: (command: Command) => Command): void {
  addClientOptions(fs.command("put").description("upload local files into the file system").argument("<paths...>", "LOCAL... REMOTE"))
    .option("-r, --recursive", "upload folders with their contents")
    .option("--replication <n>", "copies of each chunk (default 3)")
    .option("--chunk-size <size>", "chunk size, like 64MB (default 64 MiB)")
    .option("--parallel <n>", `files written at once when there are several (default ${PUT_MANY_IN_FLIGHT_DEFAULT})`)
    .option("--chunks-in-flight <n>", `chunks of one file written at once (default ${CHUNKS_IN_FLIGHT_DEFAULT}, at most ${CHUNKS_IN_FLIGHT_MAX})`)
    .option("--write-type <type>", "under a mount: CACHE_THROUGH, THROUGH, ASYNC_THROUGH or MUST_CACHE (default: the mount's; docs/cache.md)")
    .action(async (paths: string[], flags: ClientFlagsLike & { recursive?: boolean; replication?: string; chunkSize?: string; parallel?: string; chunksInFlight?: string; writeType?: string }) => {
      if (paths.length < 2) throw new FsUsageError("put needs at least one local path and a remote path");
      const replication = flags.replication === undefined ? undefined : parseReplication(flags.replication);
      const chunkSizeBytes = flags.chunkSize === undefined ? undefined : parseSize(flags.chunkSize, "--chunk-size");
      const inFlight = flags.parallel === undefined ? undefined : parseInFlight(flags.parallel);
      const chunksInFlight = flags.chunksInFlight === undefined ? undefined : parseChunksInFlight(flags.chunksInFlight);
      const writeType = writeTypeOption(flags.writeType);
      const remote = paths[paths.length - 1]!;
      const sources = paths.slice(0, -1);
      await withClient(flags, async (client) => {
        const kind = await remoteKind(client, remote);
        if (sources.length > 1 && kind !== "dir") throw new FsUsageError(`${remote} must be an existing folder to take several files`);
        const tree = expandLocal(sources, flags.recursive ?? false, remote, kind === "dir");
        let results: StatView[];
        if (tree.files.length === 1 && tree.folders.length === 0) {
          // One file: a progress bar of its bytes.
          const file = tree.files[0]!;
          const bar = progress(file.sizeBytes, basename(file.local));
          try {
            results = [await client.fs.put(Bun.file(file.local).stream(), file.remote, { replication, chunkSizeBytes, chunksInFlight, onProgress: bar.update, ...writeType })];
          } finally {
            bar.stop();
          }
        } else {
          // Many files (a tree of small ones, say): folders first, then files in parallel.
          // A small file is read whole: a stream would be cut into a whole chunk-sized buffer.
          const files = tree.files.map((file) => ({ path: file.remote, sizeBytes: file.sizeBytes, source: () => (file.sizeBytes <= READ_WHOLE_BYTES_MAX ? Bun.file(file.local).bytes() : Bun.file(file.local).stream()) }));
          const bar = fileProgress(files.length, files.reduce((sum, file) => sum + file.sizeBytes, 0));
          try {
            results = await client.fs.putMany(files, { folders: tree.folders, replication, chunkSizeBytes, inFlight, onProgress: bar.update, ...writeType });
          } catch (err) {
            // The library names the remote path; the user typed the local one.
            if (err instanceof PutManyError && err.index >= 0) throw new PutManyError(err.code, err.path, err.index, err.filesWritten, `${tree.files[err.index]!.local}: ${err.message}`, err);
            throw err;
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

  addClientOptions(fs.command("get").description("download a file").argument("<remote>").argument("<local>"))
    .option("--read-type <type>", "under a mount: CACHE, CACHE_PROMOTE or NO_CACHE (default: the mount's; docs/cache.md)")
    .action(async (remote: string, local: string, flags: ClientFlagsLike & { readType?: string }) => {
    const readType = readTypeOption(flags.readType);
    await withClient(flags, async (client) => {
      const stat = await client.fs.stat(remote);
      if (stat.kind !== "file") throw new FsUsageError(`${remote} is ${stat.kind === "symlink" ? `a symbolic link (to ${stat.symlinkTarget ?? ""})` : "a folder"}; get copies one file`);
      const target = existsSync(local) && statSync(local).isDirectory() ? join(local, basename(remote)) : local;
      const temp = `${target}.tessera-part`;
      const writer = Bun.file(temp).writer();
      const bar = progress(stat.size, basename(remote));
      try {
        for await (const piece of client.fs.createReadStream(remote, { onProgress: bar.update, ...readType })) writer.write(piece);
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

  addClientOptions(fs.command("cat").description("print a file to stdout").argument("<remote>"))
    .option("--read-type <type>", "under a mount: CACHE, CACHE_PROMOTE or NO_CACHE (default: the mount's)")
    .action(async (remote: string, flags: ClientFlagsLike & { readType?: string }) => {
    const readType = readTypeOption(flags.readType);
    await withClient(flags, async (client) => {
      const options: ReadStreamOptions = { ...readType };
      for await (const piece of client.fs.createReadStream(remote, options)) {
        if (!process.stdout.write(piece)) await new Promise((resolve) => process.stdout.once("drain", resolve));
      }
    });
  });

  addClientOptions(fs.command("ls").description("list a folder as hdfs dfs -ls does (permission, replication, owner, group, size, modified, path)").argument("[path]", "the folder", "/"))
    .option("-R, --recursive", "list the whole subtree")
    .action(async (path: string, flags: ClientFlagsLike & { recursive?: boolean }) => {
      await withClient(flags, async (client) => {
        // Pages are printed as they arrive: a folder of a million entries is never held whole.
        const recursive = flags.recursive ?? false;
        if (flags.json) {
          let first = true;
          for await (const listed of client.fs.listPages(path, { recursive })) {
            const page = await withMountedChunks(client, listed);
            // The same text JSON.stringify(entries, null, 2) gives for the whole list.
            const items = page.map((stat) => {
              const { chunks: _chunks, ...entry } = stat.underStorage ? withCacheShare(stat) : stat;
              return `  ${JSON.stringify(entry, null, 2).replaceAll("\n", "\n  ")}`;
            });
            await printOut(`${first ? "[\n" : ",\n"}${items.join(",\n")}`);
            first = false;
          }
          await printOut(first ? "[]\n" : "\n]\n");
          return;
        }
        const pages = client.fs.listPages(path, { recursive });
        const firstPage = await pages.next();
        if (firstPage.done) return;
        // HDFS heads a folder's listing with its count (not a file's, not a recursive one's).
        // Past one page the count takes a pass of its own, page by page, before the printing.
        let head = "";
        const ahead: StatView[][] = [firstPage.value];
        const itself = firstPage.value.length === 1 && firstPage.value[0]!.path === normalizePath(path) && firstPage.value[0]!.kind === "file";
        if (!recursive && !itself) {
          const secondPage = await pages.next();
          let count = firstPage.value.length;
          if (!secondPage.done) {
            ahead.push(secondPage.value);
            count += secondPage.value.length;
            for await (const page of client.fs.listPages(path, { after: secondPage.value.at(-1)!.path })) count += page.length;
          }
          head = `Found ${count} items\n`;
        }
        for (const page of ahead) {
          await printOut(`${head}${lsLines(await withMountedChunks(client, page), mountedColumns).join("\n")}\n`);
          head = "";
        }
        for await (const page of pages) await printOut(`${lsLines(await withMountedChunks(client, page), mountedColumns).join("\n")}\n`);
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

  addClientOptions(fs.command("ln").description("make a symbolic link at <path> to <target> (stored as given; only -s: no hard links)").argument("<target>").argument("<path>"))
    .option("-s, --symbolic", "a symbolic link (the only kind Tessera has)")
    .option("-p, --parents", "make parent folders as needed")
    .action(async (target: string, path: string, flags: ClientFlagsLike & { symbolic?: boolean; parents?: boolean }) => {
      if (!flags.symbolic) throw new FsUsageError("Tessera has symbolic links only: use ln -s (hard links are not supported)");
      await withClient(flags, async (client) => {
        const link = await client.fs.symlink(target, path, { parents: flags.parents ?? false });
        if (flags.json) process.stdout.write(`${JSON.stringify(link)}\n`);
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

  addClientOptions(fs.command("truncate").description("cut a closed file to LENGTH bytes (inside a chunk: not atomic, see README)").argument("<length>").argument("<path>")).action(async (length: string, path: string, flags: ClientFlagsLike) => {
    const lengthBytes = Number(length);
    if (!/^\d+$/.test(length) || !Number.isSafeInteger(lengthBytes)) throw new FsUsageError(`a length of "${length}" is not possible: give a whole number of bytes, 0 or more`);
    await withClient(flags, (client) => client.fs.truncate(path, lengthBytes));
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
        process.stdout.write(`${JSON.stringify(withCacheShare(stat), null, 2)}\n`);
        return;
      }
      process.stdout.write(`${stat.path}: ${stat.kind}, ${formatBytes(stat.size)}, replication ${stat.replication}, chunk size ${formatBytes(stat.chunkSize)}, ${stat.state}\n`);
      process.stdout.write(`${formatPermission(stat.kind, stat.permission)} (${permissionOctal(stat.permission).padStart(3, "0")}), owner ${stat.owner}, group ${stat.group}\n`);
      const cacheLines = statCacheLines(stat);
      if (cacheLines.length > 0) process.stdout.write(`${cacheLines.join("\n")}\n`);
      if (stat.chunks.length > 0) {
        const rows = stat.chunks.map((chunk) => [String(chunk.index), chunk.id, String(chunk.version), formatBytes(chunk.size), chunk.replicas.map((r) => `${r.peer.slice(-8)}@${r.rack}${r.tier ? `:${r.tier}` : ""}`).join(" ") || "(not cached)"]);
        process.stdout.write(formatTable(["#", "CHUNK", "VERSION", "SIZE", "REPLICAS"], rows));
      }
    });
  });

  addMountCommands(fs, withClient, addClientOptions);
  addPermissionCommands(fs, withClient, addClientOptions);
}

// --- under-storage mounts (issue 16, docs/cache.md) ----------------------------------------------

const collectOption = (value: string, previous: string[] = []) => [...previous, value];

function usageOf<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new FsUsageError((err as Error).message);
  }
}

/** `--write-type` as the client's write option (the cache client reads `writeType` on put and putMany). */
function writeTypeOption(text: string | undefined): { writeType?: WriteType } {
  return text === undefined ? {} : { writeType: usageOf(() => parseWriteType(text)) };
}

/** createReadStream's options with the cache client's read type (docs/cache.md). */
type ReadStreamOptions = NonNullable<Parameters<ClusterClient["fs"]["createReadStream"]>[1]> & { readType?: ReadType };

/** `--read-type` as the client's read option (the cache client reads `readType` on its reads). */
function readTypeOption(text: string | undefined): { readType?: ReadType } {
  return text === undefined ? {} : { readType: usageOf(() => parseReadType(text)) };
}

// Files of one ls page stated at once to learn how much of each is cached (a listing carries
// no chunks): a few, so a page of 1,000 mounted files costs the leader a short burst.
const LS_STATS_IN_FLIGHT = 8;

/** The page with the chunks of its files in a mount filled in (their stat's), for the cache columns. */
async function withMountedChunks(client: ClusterClient, page: StatView[]): Promise<StatView[]> {
  const out = [...page];
  const todo = page.flatMap((entry, i) => (entry.underStorage && entry.kind === "file" ? [i] : []));
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const i = todo[next++]!;
      try {
        out[i] = await client.fs.stat(page[i]!.path);
      } catch (err) {
        // Deleted between the listing and the stat: listed as it was, without chunks.
        if ((err as { code?: string }).code !== "NOT_FOUND") throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LS_STATS_IN_FLIGHT, todo.length) }, worker));
  return out;
}

function mountedColumns(entry: StatView): string | undefined {
  return entry.underStorage ? lsCacheColumns(entry) : undefined;
}

function addMountCommands(fs: Command, withClient: <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>, addClientOptions: (command: Command) => Command): void {
  addClientOptions(fs.command("mount").description("mount an under-storage (s3://bucket/prefix, file:///dir) at PATH; with no argument, list the mounts").argument("[path]").argument("[uri]"))
    .option("--readonly", "refuse writes, deletes and renames under the mount")
    .option("--option <key=value>", "endpoint, region, access_key, secret_key, path_style for s3:// (repeatable)", collectOption)
    .option("--sync-interval <d>", "when to look at the under-storage again: -1 once, 0 on every access, or a duration like 1s, 5m (default 1m)")
    .option("--read-type <type>", "CACHE (default), CACHE_PROMOTE or NO_CACHE")
    .option("--write-type <type>", "CACHE_THROUGH (default), THROUGH, ASYNC_THROUGH or MUST_CACHE")
    .option("--replication <n>", "copies of each cached chunk (default 1)")
    .action(async (path: string | undefined, uri: string | undefined, flags: ClientFlagsLike & MountFlags) => {
      if (path === undefined) {
        if (flags.readonly || flags.option || flags.syncInterval || flags.readType || flags.writeType || flags.replication) throw new FsUsageError("mount options go with a PATH and a URI");
        await withClient(flags, async (client) => {
          const mounts = await client.fs.mounts();
          if (flags.json) process.stdout.write(`${JSON.stringify(mounts, null, 2)}\n`);
          else process.stdout.write(mountTable(mounts, Date.now()));
        });
        return;
      }
      if (uri === undefined) throw new FsUsageError("mount needs a PATH and an under-storage URI (s3://bucket/prefix or file:///dir)");
      let request: ReturnType<typeof mountRequest>;
      try {
        request = mountRequest(uri, flags);
      } catch (err) {
        if (err instanceof CacheUsageError) throw new FsUsageError(err.message);
        throw err;
      }
      await withClient(flags, (client) => client.fs.mount(path, request.uri, request.options));
    });

  addClientOptions(fs.command("unmount").description("remove a mount (its files leave the namespace; the under-storage keeps them)").argument("<path>")).action(async (path: string, flags: ClientFlagsLike) => {
    await withClient(flags, (client) => client.fs.unmount(path));
  });

  addClientOptions(fs.command("persist").description("write a file of a mount to its under-storage now").argument("<path>")).action(async (path: string, flags: ClientFlagsLike) => {
    await withClient(flags, (client) => client.fs.persist(path));
  });
}

export interface ClientFlagsLike {
  join?: string[];
  swarmKey?: string;
  json?: boolean;
}


