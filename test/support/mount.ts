// What the mount's end-to-end tests share (test/e2e/mount-*.test.ts, issue 17): a cluster of
// dist/tessera processes, `tessera mount` processes on folders of a temp dir, and the real
// programs (coreutils, tar, rsync, git, sqlite3, python3) run against the mount as a user
// would run them. The tests touch the mount only through those programs: what they prove is
// what the kernel and a POSIX program see. Every mount is unmounted (lazily, if it must be)
// and every process it started ended in `cleanup`, also when a test failed.
import { createHash, randomFillSync } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startCacheCluster, type CacheCluster } from "./cache-cluster.ts";
import { BINARY, ensureBinary, PeerProcesses } from "./processes.ts";
import { tempDir } from "./temp.ts";

export const MiB = 1024 * 1024;
/** How long a mount may take to appear in /proc/self/mountinfo after `tessera mount` starts. */
export const MOUNT_TIMEOUT_MS = 30_000;
/** How long a mount process may take to exit once its mount is gone. */
export const EXIT_TIMEOUT_MS = 15_000;

/**
 * Whether this process can mount: mount(2) of a FUSE file system needs root here (the route of
 * docs/mount.md), and the kernel's /dev/fuse. The mount tests skip, saying so in one line,
 * elsewhere.
 */
export function canMount(): boolean {
  return process.getuid?.() === 0 && existsSync("/dev/fuse");
}

export const CANNOT_MOUNT_REASON = "skipped: the mount tests need root and /dev/fuse (tessera mount calls mount(2) itself)";

/** Logs the skip once per file, so a run that skipped says why. */
export function sayWhySkipped(file: string): void {
  if (!canMount()) console.log(`${file}: ${CANNOT_MOUNT_REASON}`);
}

/**
 * The mount points in /proc/self/mountinfo with their mount ids and file system types (the
 * first field is the id, the fifth the mount point, with space, tab, newline and backslash
 * written as octal escapes; the type follows the " - " separator). Of mounts stacked on one
 * folder, the last listed (the one on top) is kept.
 */
export function mounts(): Map<string, { id: number; fsType: string }> {
  const found = new Map<string, { id: number; fsType: string }>();
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    if (!line) continue;
    const [before, after] = line.split(" - ");
    const fields = before!.split(" ");
    const mountPoint = fields[4]!.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    found.set(mountPoint, { id: Number(fields[0]), fsType: (after ?? "").split(" ")[0]! });
  }
  return found;
}

export const isMounted = (path: string): boolean => mounts().has(path);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to its end (never a shell unless `cmd` is `sh -c`), failing the wait after
 * `timeoutMs` with the program killed: a hung mount shows as a failed test, not a hung suite.
 */
export async function run(cmd: string[], options: { cwd?: string; timeoutMs?: number; env?: Record<string, string>; stdin?: Uint8Array | string } = {}): Promise<Run> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = Bun.spawn(cmd, {
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, LC_ALL: "C", ...options.env },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  if (timedOut) throw new Error(`${cmd.join(" ").slice(0, 200)} did not finish in ${timeoutMs} ms (killed); stderr: ${stderr.trim().slice(-300)}`);
  return { code, stdout, stderr };
}

/** Runs a program that must succeed; answers its stdout (a failure says the command and its stderr). */
export async function ok(cmd: string[], options: Parameters<typeof run>[1] = {}): Promise<string> {
  const result = await run(cmd, options);
  if (result.code !== 0) throw new Error(`${cmd.join(" ").slice(0, 200)} exited ${result.code}: ${result.stderr.trim().slice(-500)}`);
  return result.stdout;
}

/** `sh -c SCRIPT`, for pipes and redirections (`echo x > file`). */
export const sh = (script: string, options: Parameters<typeof run>[1] = {}) => run(["sh", "-c", script], options);

/** A file's SHA-256 as `sha256sum` computes it: through the mount, this reads what the kernel serves. */
export async function sha256sum(path: string, timeoutMs = 120_000): Promise<string> {
  return (await ok(["sha256sum", path], { timeoutMs })).split(" ")[0]!;
}

/** A local file's SHA-256, read in this process (for files off the mount only). */
export function sha256Local(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Writes `sizeBytes` of random bytes to a local file, a piece at a time (a 1 GiB file never sits in memory). */
export function writeRandomFile(path: string, sizeBytes: number): void {
  const piece = new Uint8Array(8 * MiB);
  const fd = openSync(path, "w");
  try {
    for (let written = 0; written < sizeBytes; ) {
      const size = Math.min(piece.length, sizeBytes - written);
      randomFillSync(piece, 0, size);
      writeSync(fd, piece, 0, size);
      written += size;
    }
  } finally {
    closeSync(fd);
  }
}

/** A tree of `files` small files of random bytes in folders of `perFolder` under `dir`, with set times and modes. */
export function makeTree(dir: string, files: number, perFolder: number): void {
  for (let i = 0; i < files; i++) {
    const folder = join(dir, `d${String(Math.floor(i / perFolder)).padStart(3, "0")}`);
    if (i % perFolder === 0) mkdirSync(folder, { recursive: true });
    // Sizes from 0 to ~6 KiB: empty files, files under a page and files over one.
    const bytes = new Uint8Array((i * 97) % 6_000);
    randomFillSync(bytes);
    const fd = openSync(join(folder, `f${String(i).padStart(5, "0")}.bin`), "w", i % 3 === 0 ? 0o600 : 0o644);
    writeSync(fd, bytes);
    closeSync(fd);
  }
}

export interface MountProcess {
  mountPoint: string;
  /** The id of the mount that was on the folder before this process started (a dead one), if any. */
  previousMountId?: number;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** What the mount process printed on stderr so far. */
  stderr(): string;
}

/**
 * A cluster of three peers and the mount processes of the tests of one file; `cleanup`
 * unmounts every mount (lazily when a plain unmount fails), kills what still runs, stops the
 * peers and removes the temp dir.
 */
export class MountHarness {
  readonly processes = new PeerProcesses();
  readonly root = tempDir("mount-e2e");
  cluster!: CacheCluster;
  private readonly mountProcesses = new Set<MountProcess>();
  private readonly mountPoints = new Set<string>();

  /** Builds the binary when missing and starts `peers` peers (every one alive, with a leader). */
  async start(peers = 3): Promise<void> {
    await ensureBinary();
    this.cluster = await startCacheCluster(this.processes, this.root.path, "peer", peers);
  }

  /** `--join` (one per peer: the flag repeats) and `--swarm-key` of this cluster, as `tessera mount` takes them. */
  joinFlags(): string[] {
    return [...this.cluster.peers.flatMap((peer) => ["--join", peer.addresses[0]!]), "--swarm-key", this.cluster.swarmKey];
  }

  /** A new empty folder under the temp dir, for a mount point or local files. */
  dir(name: string): string {
    const path = join(this.root.path, name);
    mkdirSync(path, { recursive: true });
    return path;
  }

  /** Starts `tessera mount MOUNTPOINT -f` with this cluster's flags (and `extra`) as a child process; does not wait. */
  spawnMount(mountPoint: string, extra: string[] = []): MountProcess {
    const previousMountId = mounts().get(mountPoint)?.id;
    const child = Bun.spawn([BINARY, "mount", mountPoint, ...this.joinFlags(), "-f", ...extra], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, TESSERA_LOG: process.env.TESSERA_LOG ?? "warn" },
    });
    let stderrText = "";
    void (async () => {
      const decoder = new TextDecoder();
      for await (const piece of child.stderr) stderrText = (stderrText + decoder.decode(piece, { stream: true })).slice(-64 * 1024);
    })().catch(() => {});
    // stdout is drained so a chatty mount never blocks on a full pipe.
    void (async () => {
      for await (const _ of child.stdout) {
        // drained
      }
    })().catch(() => {});
    const mount: MountProcess = { mountPoint, previousMountId, process: child, stderr: () => stderrText };
    this.mountProcesses.add(mount);
    this.mountPoints.add(mountPoint);
    return mount;
  }

  /** Mounts in the foreground (`-f`) as a child process and waits until the kernel lists the mount. */
  async mount(mountPoint: string, extra: string[] = []): Promise<MountProcess> {
    const mount = this.spawnMount(mountPoint, extra);
    await this.waitMounted(mount);
    return mount;
  }

  /**
   * Waits for `mount` in /proc/self/mountinfo (a new mount: a dead one left on the folder does
   * not count), failing at once (with its stderr) when its process exits first.
   */
  async waitMounted(mount: MountProcess): Promise<void> {
    const deadlineMs = performance.now() + MOUNT_TIMEOUT_MS;
    for (;;) {
      const listed = mounts().get(mount.mountPoint);
      if (listed?.fsType.startsWith("fuse")) {
        if (listed.id !== mount.previousMountId) return;
        // Over a dead mount, the kernel may give the new one the freed id: the new one answers
        // (the dead one says ENOTCONN). The answer must come from a FUSE file system, for the
        // recovery may have detached the dead mount since mountinfo was read, and then the
        // plain folder beneath answers too.
        const statfs = await run(["stat", "-f", "-c", "%T", mount.mountPoint], { timeoutMs: 5_000 });
        if (statfs.code === 0 && statfs.stdout.trim().startsWith("fuse")) return;
      }
      if (mount.process.exitCode !== null || mount.process.signalCode !== null) {
        throw new Error(`tessera mount exited (${mount.process.signalCode ?? `code ${mount.process.exitCode}`}) before mounting: ${mount.stderr().trim().slice(-500)}`);
      }
      if (performance.now() > deadlineMs) throw new Error(`${mount.mountPoint} was not mounted within ${MOUNT_TIMEOUT_MS} ms: ${mount.stderr().trim().slice(-500)}`);
      await Bun.sleep(20);
    }
  }

  /** Mounts as a daemon (no -f): `tessera mount` must exit 0 once the mount is up. */
  async mountDaemon(mountPoint: string, extra: string[] = []): Promise<Run> {
    this.mountPoints.add(mountPoint);
    return await run([BINARY, "mount", mountPoint, ...this.joinFlags(), ...extra], { timeoutMs: MOUNT_TIMEOUT_MS, env: { TESSERA_LOG: "warn" } });
  }

  /** Waits for a mount's process to exit, answering its exit code (a signal is an error). */
  async exited(mount: MountProcess, timeoutMs = EXIT_TIMEOUT_MS): Promise<number> {
    const code = await Promise.race([mount.process.exited, new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), timeoutMs))]);
    if (code === "timeout") throw new Error(`tessera mount ${mount.mountPoint} did not exit within ${timeoutMs} ms of its unmount`);
    this.mountProcesses.delete(mount);
    return code;
  }

  /** `tessera umount MOUNTPOINT`; then waits for the mount's process to exit and answers its code. */
  async unmount(mount: MountProcess): Promise<number> {
    await ok([BINARY, "umount", mount.mountPoint], { timeoutMs: EXIT_TIMEOUT_MS });
    return await this.exited(mount);
  }

  /** Remounts: unmount (the process must exit 0), then a fresh mount process on the same folder. */
  async remount(mount: MountProcess, extra: string[] = []): Promise<MountProcess> {
    const code = await this.unmount(mount);
    if (code !== 0) throw new Error(`tessera mount ${mount.mountPoint} exited ${code} after its unmount: ${mount.stderr().trim().slice(-500)}`);
    return await this.mount(mount.mountPoint, extra);
  }

  async cleanup(): Promise<void> {
    for (const mountPoint of this.mountPoints) {
      if (!isMounted(mountPoint)) continue;
      const plain = await run(["umount", mountPoint], { timeoutMs: 10_000 }).catch(() => undefined);
      if (plain?.code !== 0 && isMounted(mountPoint)) await run(["umount", "-l", mountPoint], { timeoutMs: 10_000 }).catch(() => undefined);
    }
    for (const mount of this.mountProcesses) mount.process.kill("SIGKILL");
    await Promise.all([...this.mountProcesses].map((mount) => mount.process.exited));
    this.mountProcesses.clear();
    // Daemon mounts have no child here: one still running after its unmount is found by its mount point.
    for (const pid of [...this.mountPoints].flatMap(processesNaming)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    await this.processes.stopAll();
    // Never remove the temp dir through a mount still listed: rm would walk the cluster's files.
    if ([...this.mountPoints].some(isMounted)) throw new Error(`a mount under ${this.root.path} is still listed after its unmount; the temp dir is left in place`);
    this.root.remove();
  }
}

/**
 * Processes of the binary (other than this one) with `mountPoint` among their arguments: the
 * mount process of that folder, also a daemon's, which is no child of the test. (Peers never
 * have a mount point among their arguments.)
 */
export function processesNaming(mountPoint: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (cmdline[0] === BINARY && cmdline.slice(1).includes(mountPoint)) pids.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
