// `tessera cache ...`: Alluxio's cache commands over mounted files (issue 16, docs/cache.md):
// load into the peers' tiers, pin, unpin, free, and the tiers' figures. Parsing and printing
// only; the work is the file-system client's and the peers' cache services'.
import type { Command } from "commander";
import { SingleBar } from "cli-progress";
import type { ClusterClient } from "../src/client/cluster.ts";
import type { FileSystemClient } from "../src/client/fs.ts";
import { formatBytes } from "./format.ts";
import { cacheStat, cacheStatText } from "./cache-format.ts";
import type { ClientFlagsLike } from "./fs.ts";

type WithClient = <T>(flags: ClientFlagsLike, work: (client: ClusterClient) => Promise<T>) => Promise<T>;

class CacheCommandError extends Error {
  override name = "UsageError";
}

/** The cache client's load (client/cache-client.ts): the peers fetch, no bytes come through this client. */
interface CacheLoad {
  load(path: string, options: { recursive?: boolean; replication?: number; onProgress?(doneBytes: number, totalBytes: number): void }): Promise<unknown>;
}

function loaderOf(fs: FileSystemClient): CacheLoad {
  const load = (fs as Partial<CacheLoad>).load;
  if (typeof load !== "function") throw new Error("cache load is not supported yet by this build (its file-system client has no cache loader)");
  return { load: load.bind(fs) };
}

/** A bar of bytes loaded on a terminal; silent when stderr is piped. The total is known only once the load has listed its files. */
function loadProgress(label: string) {
  if (!process.stderr.isTTY) return { update: (_done: number, _total: number) => {}, stop: () => {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {done} of {size} | {rate}/s`, hideCursor: true, stream: process.stderr });
  const started = performance.now();
  let begun = false;
  return {
    update: (done: number, total: number) => {
      const seconds = Math.max(0.001, (performance.now() - started) / 1000);
      const payload = { done: formatBytes(done), size: formatBytes(total), rate: formatBytes(Math.round(done / seconds)) };
      if (!begun) {
        bar.start(Math.max(total, 1), done, payload);
        begun = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, payload);
    },
    stop: () => {
      if (begun) bar.stop();
    },
  };
}

function parseCopies(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new CacheCommandError(`--replication "${text}" is not possible: give a whole number of copies, 1 or more`);
  return value;
}

export function addCacheCommands(program: Command, withClient: WithClient, addClientOptions: (command: Command) => Command): void {
  const cache = program.command("cache").description("the cache over under-storage mounts: load, pin, unpin, free, stat");

  addClientOptions(cache.command("load").description("fetch a mounted file (or with -r a folder) into the peers' cache tiers; no bytes pass through this client").argument("<path>"))
    .option("-r, --recursive", "load every file under a folder")
    .option("--replication <n>", "cached copies of each chunk (default: the mount's)")
    .action(async (path: string, flags: ClientFlagsLike & { recursive?: boolean; replication?: string }) => {
      const replication = flags.replication === undefined ? undefined : parseCopies(flags.replication);
      await withClient(flags, async (client) => {
        const loader = loaderOf(client.fs);
        const bar = loadProgress("load");
        let loadedBytes = 0;
        try {
          await loader.load(path, {
            recursive: flags.recursive ?? false,
            ...(replication !== undefined ? { replication } : {}),
            onProgress: (done, total) => {
              loadedBytes = done;
              bar.update(done, total);
            },
          });
        } finally {
          bar.stop();
        }
        if (flags.json) process.stdout.write(`${JSON.stringify({ path, loadedBytes })}\n`);
      });
    });

  for (const [name, pinned] of [["pin", true], ["unpin", false]] as const) {
    addClientOptions(cache.command(name).description(pinned ? "keep a mounted file's (or folder's) cached chunks: no tier evicts or demotes them" : "let a file's cached chunks be evicted again").argument("<path>")).action(async (path: string, flags: ClientFlagsLike) => {
      await withClient(flags, async (client) => {
        const change = await client.fs.setPinned(path, pinned);
        if (flags.json) process.stdout.write(`${JSON.stringify(change)}\n`);
        else process.stdout.write(`${pinned ? "pinned" : "unpinned"} ${change.files} file${change.files === 1 ? "" : "s"}\n`);
      });
    });
  }

  addClientOptions(cache.command("free").description("drop the cached copies of persisted files at or below PATH (the metadata stays)").argument("<path>"))
    .option("-f, --force", "free pinned files too")
    .action(async (path: string, flags: ClientFlagsLike & { force?: boolean }) => {
      await withClient(flags, async (client) => {
        const change = await client.fs.free(path, { force: flags.force ?? false });
        if (flags.json) process.stdout.write(`${JSON.stringify(change)}\n`);
        else process.stdout.write(`freed ${change.chunks} chunk${change.chunks === 1 ? "" : "s"} of ${change.files} file${change.files === 1 ? "" : "s"}\n`);
      });
    });

  addClientOptions(cache.command("stat").description("hit rate, and capacity, use, evictions and demotions of each tier over the peers")).action(async (flags: ClientFlagsLike) => {
    await withClient(flags, async (client) => {
      const stat = cacheStat(await client.admin.report());
      if (flags.json) process.stdout.write(`${JSON.stringify(stat, null, 2)}\n`);
      else process.stdout.write(cacheStatText(stat));
    });
  });
}
