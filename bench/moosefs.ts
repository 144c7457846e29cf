// MooseFS as the reference of the metadata benches, measured in the same run on the same
// machine: a master, 3 chunk servers and a FUSE mount of their own in temp folders, started
// only when MooseFS is installed (mfsmount, mfsmaster and mfschunkserver on the PATH) and
// stopped at the end. `--moosefs-mount DIR` uses a mount that is already there instead. This
// file never installs anything; without MooseFS a bench prints one line and goes on.
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { mkdir, open, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { arg, onCleanup, sleep, track, withTimeout } from "./support.ts";
import { META_OPS, type MetaOp, type MetaStep } from "./meta-ops.ts";

const CHUNK_SERVERS = 3;
const START_TIMEOUT_MS = 30_000;
// Ports of the private MooseFS, away from its defaults (9419-9422) so a system one is left alone.
const PORT_BASE = 19_419;
// The kernel and mfsmount cache attributes and entries for a second by default; with them a
// stat loop would measure the cache, not the master. Tessera's client caches nothing.
const MOUNT_OPTIONS = "mfsattrcacheto=0,mfsentrycacheto=0,mfsdirentrycacheto=0";

export interface MooseFs {
  /** Where the file system is mounted. */
  mount: string;
  /** The processes of the private MooseFS (empty for a mount given by flag: its CPU counts as the rest of the machine). */
  pids(): number[];
  /** What it is, in a few words, for the output. */
  description: string;
}

const missing = (tools: string[]) => tools.filter((tool) => !Bun.which(tool));

/** A MooseFS to measure beside Tessera, or a line saying why it is skipped. */
export async function startMooseFs(root: string): Promise<MooseFs | string> {
  const given = arg("moosefs-mount");
  if (given) {
    const mounts = readFileSync("/proc/mounts", "utf8");
    if (!mounts.split("\n").some((line) => line.split(" ")[1] === given)) return `MooseFS skipped: --moosefs-mount ${given} is not a mount point`;
    return { mount: given, pids: () => [], description: `MooseFS mounted at ${given} (given)` };
  }
  if (!Bun.which("mfsmount")) return "MooseFS skipped: mfsmount is not on the PATH (install MooseFS to measure it beside Tessera in the same run)";
  const absent = missing(["mfsmaster", "mfschunkserver"]);
  if (absent.length > 0) return `MooseFS skipped: mfsmount is on the PATH but ${absent.join(" and ")} ${absent.length > 1 ? "are" : "is"} not`;
  try {
    return await startPrivate(join(root, "moosefs"));
  } catch (err) {
    return `MooseFS skipped: it did not start: ${(err as Error).message}`;
  }
}

async function startPrivate(dir: string): Promise<MooseFs> {
  const user = process.env.USER ?? (process.getuid?.() === 0 ? "root" : "nobody");
  const masterDir = join(dir, "master");
  mkdirSync(masterDir, { recursive: true });
  // An empty file system: MooseFS 2.0 and later start a new one from this header.
  writeFileSync(join(masterDir, "metadata.mfs"), "MFSM NEW");
  writeFileSync(join(dir, "mfsexports.cfg"), "* / rw,alldirs,maproot=0\n");
  const [mlPort, csPort, clPort] = [PORT_BASE, PORT_BASE + 1, PORT_BASE + 2];
  const masterCfg = join(dir, "mfsmaster.cfg");
  writeFileSync(
    masterCfg,
    [
      `WORKING_USER = ${user}`,
      `DATA_PATH = ${masterDir}`,
      `EXPORTS_FILENAME = ${join(dir, "mfsexports.cfg")}`,
      "MATOML_LISTEN_HOST = 127.0.0.1",
      `MATOML_LISTEN_PORT = ${mlPort}`,
      "MATOCS_LISTEN_HOST = 127.0.0.1",
      `MATOCS_LISTEN_PORT = ${csPort}`,
      "MATOCL_LISTEN_HOST = 127.0.0.1",
      `MATOCL_LISTEN_PORT = ${clPort}`,
      "",
    ].join("\n"),
  );
  const processes: Array<ReturnType<typeof spawnQuiet>> = [];
  const master = spawnQuiet(["mfsmaster", "-c", masterCfg, "-f", "start"]);
  processes.push(master);
  await waitPort(clPort, "the MooseFS master");
  for (let i = 0; i < CHUNK_SERVERS; i++) {
    const csDir = join(dir, `cs${i}`);
    mkdirSync(join(csDir, "hdd"), { recursive: true });
    writeFileSync(join(csDir, "mfshdd.cfg"), `${join(csDir, "hdd")}\n`);
    const cfg = join(csDir, "mfschunkserver.cfg");
    writeFileSync(cfg, [`WORKING_USER = ${user}`, `DATA_PATH = ${csDir}`, `HDD_CONF_FILENAME = ${join(csDir, "mfshdd.cfg")}`, "MASTER_HOST = 127.0.0.1", `MASTER_PORT = ${csPort}`, "CSSERV_LISTEN_HOST = 127.0.0.1", `CSSERV_LISTEN_PORT = ${PORT_BASE + 10 + i}`, ""].join("\n"));
    processes.push(spawnQuiet(["mfschunkserver", "-c", cfg, "-f", "start"]));
    await waitPort(PORT_BASE + 10 + i, `MooseFS chunk server ${i + 1}`);
  }
  const mount = join(dir, "mnt");
  mkdirSync(mount, { recursive: true });
  const fuse = spawnQuiet(["mfsmount", mount, "-f", "-H", "127.0.0.1", "-P", String(clPort), "-o", MOUNT_OPTIONS]);
  processes.push(fuse);
  onCleanup(async () => {
    const umount = Bun.spawn(["umount", "-l", mount], { stdout: "ignore", stderr: "ignore" });
    await umount.exited;
  });
  await withTimeout("the MooseFS mount", START_TIMEOUT_MS, waitMounted(mount));
  // Three copies of every chunk, as Tessera's default (MooseFS 3 calls it the goal).
  if (Bun.which("mfssetgoal")) await Bun.spawn(["mfssetgoal", "-r", "3", mount], { stdout: "ignore", stderr: "ignore" }).exited;
  return { mount, pids: () => processes.map((child) => child.pid), description: `MooseFS (private: master, ${CHUNK_SERVERS} chunk servers, FUSE mount with ${MOUNT_OPTIONS})` };
}

function spawnQuiet(cmd: string[]) {
  return track(Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "ignore" }));
}

async function waitPort(port: number, what: string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    const open = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (socket) => (socket.end(), true),
      () => false,
    );
    if (open) return;
    if (performance.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${START_TIMEOUT_MS} ms`);
    await sleep(200);
  }
}

async function waitMounted(mount: string): Promise<void> {
  for (;;) {
    const mounted = readFileSync("/proc/mounts", "utf8").split("\n").some((line) => line.split(" ")[1] === mount);
    if (mounted) return;
    await sleep(200);
  }
}

// ---- the same operations through the mount (POSIX calls, Bun's fs thread pool) ----

/** A one-chunk file's bytes, the same size as bench/meta-ops' open pool. */
const OPEN_FILE_BYTES = 1024;
const OPEN_POOL_FILES = 64;
const DELETE_FILES_PER_WORKER_MIN = 50;

/**
 * The step of `op` on a POSIX mount, as close to meta-ops' as POSIX allows: create is
 * open(O_CREAT|O_EXCL)+close, open is open+close of a one-chunk file (its locations are asked
 * of the master on open), fileStatus is stat, delete is unlink of files the create phase made.
 */
export class PosixWorkload {
  private phase = 0;
  private readonly created = new Map<number, string[][]>();
  private openPool?: string[];

  constructor(private readonly root: string) {}

  async prepare(op: MetaOp, workers: number): Promise<MetaStep<null>> {
    if (!META_OPS.includes(op)) throw new Error(`unknown op ${op}`);
    const dir = join(this.root, `${op}-${workers}-${++this.phase}`);
    const folder = (w: number) => join(dir, `w${w}`);
    for (let w = 0; w < workers; w++) await mkdir(folder(w), { recursive: true });
    switch (op) {
      case "create": {
        const created: string[][] = Array.from({ length: workers }, () => []);
        this.created.set(workers, created);
        return async (_client, w, n) => {
          const path = join(folder(w), `f${n}`);
          await (await open(path, "wx")).close();
          created[w]!.push(path);
        };
      }
      case "mkdirs":
        return async (_client, w, n) => {
          await mkdir(join(folder(w), `d${n}`));
        };
      case "open": {
        if (!this.openPool) {
          const poolDir = join(this.root, "open-pool");
          await mkdir(poolDir, { recursive: true });
          this.openPool = Array.from({ length: OPEN_POOL_FILES }, (_, i) => join(poolDir, `f${i}`));
          for (const path of this.openPool) await writeFile(path, new Uint8Array(OPEN_FILE_BYTES).fill(7));
        }
        const pool = this.openPool;
        return async (_client, w, n) => {
          await (await open(pool[(w * 7 + n) % pool.length]!, "r")).close();
        };
      }
      case "fileStatus": {
        const made = this.created.get(workers) ?? [];
        return async (_client, w, n) => {
          const mine = made[w] ?? [];
          await stat(mine.length > 0 ? mine[n % mine.length]! : folder(w));
        };
      }
      case "rename": {
        for (let w = 0; w < workers; w++) await writeFile(join(folder(w), "r0"), new Uint8Array(0));
        return async (_client, w, n) => rename(join(folder(w), `r${n}`), join(folder(w), `r${n + 1}`));
      }
      case "delete": {
        const files = (this.created.get(workers) ?? []).map((list) => [...list].reverse());
        this.created.delete(workers);
        for (let w = 0; w < workers; w++) {
          const mine = (files[w] ??= []);
          for (let i = mine.length; i < DELETE_FILES_PER_WORKER_MIN; i++) {
            const path = join(folder(w), `x${i}`);
            await writeFile(path, new Uint8Array(0));
            mine.unshift(path);
          }
        }
        return async (_client, w) => {
          const path = files[w]!.pop();
          if (path === undefined) return false;
          await unlink(path);
        };
      }
    }
  }
}
