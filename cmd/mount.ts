// `tessera mount` and `tessera umount` (issue 17, docs/mount.md "Using it"): the cluster, or a
// folder of it, as a local folder through /dev/fuse. Parsing, checking the mount point,
// running in the foreground or as a daemon, and unmounting; the session is
// src/mount/fuse's and the file system src/mount/vfs's.
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, relative, resolve, isAbsolute } from "node:path";
import type { Command } from "commander";
import type { ClusterClient } from "../src/client/cluster.ts";
import { normalizePath } from "../src/protocol/paths.ts";
import { parseSizeBytes } from "../src/util/size.ts";
import { setLogLevel } from "../src/util/log.ts";
import { mountFuse, unmountPath } from "../src/mount/fuse/mount.ts";
import type { FuseMount } from "../src/mount/fuse/operations.ts";
import { createTesseraFileSystem } from "../src/mount/vfs/index.ts";
import type { MountReadCache } from "../src/mount/read-cache.ts";
import { openDiskReadCache, READ_CACHE_SIZE_BYTES_MIN } from "../src/mount/read-cache/disk-cache.ts";
import { formatBytes } from "./format.ts";
import type { ClientFlagsLike } from "./fs.ts";
import { deviceName, isTesseraMount, mountAt, mountPointState, TESSERA_FS_TYPE } from "./mount-point.ts";

/** How long `tessera mount` (the daemon's parent) waits for the mount to appear. Connecting to a cluster whose leader is being elected can take several seconds. */
export const MOUNT_READY_TIMEOUT_MS = 60_000;
const MOUNT_READY_POLL_MS = 20;

class MountUsageError extends Error {
  override name = "UsageError";
}

export interface MountFlags extends ClientFlagsLike {
  path?: string;
  readonly?: boolean;
  cacheDir?: string;
  cacheSize?: string;
  allowOther?: boolean;
  foreground?: boolean;
  logFile?: string;
  debug?: boolean;
}

/** How the mount reaches the cluster (cmd/tessera.ts: --join, --swarm-key or their variables). */
export interface MountCluster {
  /** Throws the usage error of a missing --join or --swarm-key, before anything starts. */
  check(flags: ClientFlagsLike): void;
  /** The mount acts for each caller's user itself (the vfs), so it connects as the cluster ("" user). */
  connect(flags: ClientFlagsLike, options: { user: string }): Promise<ClusterClient>;
}

/** A checked `tessera mount` command line. */
interface MountPlan {
  mountPoint: string;
  rootPath: string;
  cache?: { dir: string; sizeBytes: number };
  logFile?: string;
}

/** Where a daemon's log goes unless --log-file says: $XDG_STATE_HOME/tessera (default ~/.local/state/tessera), one file per mount point. */
export function defaultLogFile(mountPoint: string, env: Record<string, string | undefined> = process.env): string {
  const stateHome = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(env.HOME || homedir(), ".local", "state");
  const name = mountPoint.replace(/^\/+/, "").replace(/\//g, "-").replace(/[^A-Za-z0-9._-]/g, "_") || "root";
  return join(stateHome, "tessera", `mount-${name}.log`);
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The checks that need no cluster and no kernel: flags, then the mount point. */
function planMount(mountPointArg: string, flags: MountFlags): MountPlan {
  const mountPoint = realMountPoint(mountPointArg);
  let rootPath = "/";
  if (flags.path !== undefined) {
    try {
      rootPath = normalizePath(flags.path);
    } catch {
      throw new MountUsageError(`--path "${flags.path}" is not a path of the file system (it starts with / and has no empty, "." or ".." names)`);
    }
  }
  let cache: MountPlan["cache"];
  if ((flags.cacheDir === undefined) !== (flags.cacheSize === undefined)) {
    throw new MountUsageError(flags.cacheDir === undefined ? "--cache-size needs --cache-dir: the read cache is a folder of that size" : "--cache-dir needs --cache-size: say how much of the disk the read cache may take (for example 10GiB)");
  }
  if (flags.cacheDir !== undefined && flags.cacheSize !== undefined) {
    const sizeBytes = parseSizeBytes(flags.cacheSize);
    if (sizeBytes === undefined) throw new MountUsageError(`--cache-size "${flags.cacheSize}" is not a size (for example 10GiB, 512MiB or 1073741824)`);
    if (sizeBytes < READ_CACHE_SIZE_BYTES_MIN) throw new MountUsageError(`--cache-size ${flags.cacheSize} is too small: the read cache needs at least ${formatBytes(READ_CACHE_SIZE_BYTES_MIN)}`);
    const dir = resolve(flags.cacheDir);
    // Reads through the mount would wait on the cache, which would wait on the mount.
    if (isInside(dir, mountPoint)) throw new MountUsageError(`--cache-dir ${flags.cacheDir} is inside the mount point: give a folder on a local disk`);
    cache = { dir, sizeBytes };
  }
  const logFile = flags.logFile === undefined ? undefined : resolve(flags.logFile);
  if (logFile !== undefined && isInside(logFile, mountPoint)) throw new MountUsageError(`--log-file ${flags.logFile} is inside the mount point: give a file on a local disk`);
  return { mountPoint, rootPath, ...(cache ? { cache } : {}), ...(logFile ? { logFile } : {}) };
}

/**
 * Refuses a mount point that cannot take the mount (no side effects: it runs before the
 * cluster and root checks, so bad input answers first); whether a dead mount is there to clear.
 */
function checkMountPoint(mountPoint: string): { stale: boolean } {
  const state = mountPointState(mountPoint);
  switch (state.kind) {
    case "ready":
      return { stale: false };
    case "stale":
      return { stale: true };
    case "missing":
      throw new MountUsageError(`the mount point ${mountPoint} does not exist: make an empty folder there first`);
    case "not-a-folder":
      throw new MountUsageError(`the mount point ${mountPoint} is not a folder`);
    case "not-empty":
      throw new MountUsageError(`the mount point ${mountPoint} is not empty (${state.entries} entr${state.entries === 1 ? "y" : "ies"}): mount on an empty folder`);
    case "mounted":
      throw new MountUsageError(
        isTesseraMount(state.mount)
          ? `${mountPoint} is already mounted (Tessera): unmount it first with tessera umount ${mountPoint}`
          : `${mountPoint} is already a mount point (${state.mount.fsType}): unmount it first or choose another folder`,
      );
    case "unreadable":
      throw new MountUsageError(`the mount point ${mountPoint} cannot be read (${state.code})`);
  }
}

/** Checks the mount point again (it may have changed) and detaches a dead mount there. */
async function prepareMountPoint(mountPoint: string, log: (line: string) => void): Promise<void> {
  if (!checkMountPoint(mountPoint).stale) return;
  // The process that served it died (kill -9, a crash): the kernel keeps the mount and answers
  // ENOTCONN. A lazy unmount detaches it whatever still holds it open.
  log(`${mountPoint} is a mount whose process is gone: detaching it`);
  try {
    await unmountPath(mountPoint, { lazy: true });
  } catch (err) {
    throw new Error(`${mountPoint} is a dead mount and could not be detached: ${(err as Error).message}`);
  }
  if (checkMountPoint(mountPoint).stale) throw new Error(`${mountPoint} is still a dead mount after detaching it`);
}

/** Root mounts with mount(2); another user only through the setuid fusermount3 (src/mount/fuse/mount.ts). */
function requireMountRights(): void {
  if (process.getuid && process.getuid() !== 0 && Bun.which("fusermount3") === null) {
    throw new Error("mounting needs root, or fusermount3 (Debian's fuse3 package) for a mount by another user: run tessera mount as root, or install fuse3");
  }
}

/** The real path of a folder the kernel lists mounts under (a symbolic link in the path resolved); as given when it cannot be resolved (missing, or a dead mount). */
function realMountPoint(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

/** The command that runs this program again: the compiled binary alone, or Bun with the script. */
function selfCommand(): string[] {
  const script = process.argv[1];
  const compiled = script === undefined || script.startsWith("/$bunfs/") || script.includes("~BUN");
  return compiled ? [process.execPath] : [process.execPath, script];
}

/** The child's command line: the same mount, in the foreground, with every relative path made absolute (the child runs in /). */
function daemonArgs(plan: MountPlan, flags: MountFlags, logFile: string): string[] {
  const args = ["mount", plan.mountPoint, "--foreground", "--log-file", logFile, "--path", plan.rootPath];
  for (const address of flags.join ?? []) args.push("--join", address);
  const swarmKey = flags.swarmKey ?? process.env.TESSERA_SWARM_KEY;
  if (swarmKey) args.push("--swarm-key", resolve(swarmKey));
  if (flags.readonly) args.push("--readonly");
  if (flags.allowOther) args.push("--allow-other");
  if (flags.debug) args.push("--debug");
  if (plan.cache) args.push("--cache-dir", plan.cache.dir, "--cache-size", String(plan.cache.sizeBytes));
  return args;
}

/** Starts the mount as a detached child and waits until the kernel lists it, or the child fails. */
async function runDaemon(plan: MountPlan, flags: MountFlags): Promise<void> {
  const logFile = plan.logFile ?? defaultLogFile(plan.mountPoint);
  mkdirSync(dirname(logFile), { recursive: true });
  const logFd = openSync(logFile, "a");
  const startOffset = statSync(logFile).size;

  const child = Bun.spawn([...selfCommand(), ...daemonArgs(plan, flags, logFile)], {
    cwd: "/",
    detached: true,
    stdin: "ignore",
    stdout: "ignore",
    stderr: logFd,
    env: process.env,
  });
  closeSync(logFd);
  let exitCode: number | undefined;
  void child.exited.then((code) => (exitCode = code));
  const deadline = performance.now() + MOUNT_READY_TIMEOUT_MS;
  for (;;) {
    // Until the daemon detaches a dead mount at the point, that one is listed (the new mount may
    // even get its id and device again); between the two, the folder beneath is there. The
    // mount is up when the folder, opened (which asks the server), is on the device the kernel
    // lists at the point for a Tessera mount.
    const device = exitCode === undefined ? await openedDevice(plan.mountPoint, deadline) : undefined;
    const mounted = mountAt(plan.mountPoint);
    if (device !== undefined && mounted?.fsType === TESSERA_FS_TYPE && mounted.device === device && exitCode === undefined) break;
    if (exitCode !== undefined) {
      const sentence = lastErrorLine(logFile, startOffset) ?? `the mount process exited with code ${exitCode}; see ${logFile}`;
      const err = new Error(sentence);
      // The child's exit code says whether it was bad input (2) or a failure (1).
      if (exitCode === 2) err.name = "UsageError";
      throw err;
    }
    if (performance.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`the mount did not appear at ${plan.mountPoint} within ${MOUNT_READY_TIMEOUT_MS / 1000} s; see ${logFile}`);
    }
    await Bun.sleep(MOUNT_READY_POLL_MS);
  }
  child.unref();
  if (flags.json) process.stdout.write(`${JSON.stringify({ mountPoint: plan.mountPoint, pid: child.pid, logFile })}\n`);
  else process.stdout.write(`Tessera mounted at ${plan.mountPoint} (process ${child.pid}, log ${logFile}); unmount with: tessera umount ${plan.mountPoint}\n`);
}

/**
 * The device ("major:minor") of the folder at `path` when opening it succeeds before
 * `deadline`. Opening asks a FUSE mount's server (a dead one answers ENOTCONN at once), where a
 * stat may be answered from the kernel's attribute cache even for a dead mount.
 */
async function openedDevice(path: string, deadline: number): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - performance.now()))));
  const opened = open(path, "r").then(
    async (handle) => {
      try {
        return deviceName((await handle.stat()).dev);
      } finally {
        await handle.close();
      }
    },
    () => undefined,
  );
  try {
    return await Promise.race([opened, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The child's last "tessera: ..." line (main's one-sentence error) written after `offset`. */
function lastErrorLine(logFile: string, offset: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(logFile).subarray(offset).toString("utf8");
  } catch {
    return undefined;
  }
  const lines = text.split("\n").filter((line) => line.startsWith("tessera: "));
  return lines.at(-1)?.slice("tessera: ".length);
}

/** Lines of the mount's own log: to the --log-file, else stderr. */
function mountLog(logFile: string | undefined): { line(text: string): void; close(): void } {
  let fd = 2;
  if (logFile !== undefined) {
    mkdirSync(dirname(logFile), { recursive: true });
    fd = openSync(logFile, "a");
  }
  return {
    line: (text) => {
      try {
        writeSync(fd, `${new Date().toISOString()} mount: ${text}\n`);
      } catch {
        // A full disk or a closed terminal must not stop the mount.
      }
    },
    close: () => {
      if (fd !== 2) closeSync(fd);
    },
  };
}

/** Mounts in this process and serves until the kernel ends the session (umount, fusermount3 -u, a signal). */
async function runForeground(plan: MountPlan, flags: MountFlags, cluster: MountCluster): Promise<void> {
  const log = mountLog(plan.logFile);
  if (flags.debug) setLogLevel("debug");
  try {
    await prepareMountPoint(plan.mountPoint, log.line);
    const client = await cluster.connect(flags, { user: "" });
    let readCache: MountReadCache | undefined;
    let mount: FuseMount;
    try {
      let root;
      try {
        root = await client.fs.stat(plan.rootPath);
      } catch (err) {
        if ((err as { code?: string }).code === "NOT_FOUND") throw new MountUsageError(`--path ${plan.rootPath} does not exist in the file system`);
        throw err;
      }
      if (root.kind !== "dir") throw new MountUsageError(`--path ${plan.rootPath} is not a folder`);
      if (plan.cache) readCache = openDiskReadCache({ dir: plan.cache.dir, sizeBytes: plan.cache.sizeBytes, log: log.line });
      const fileSystem = createTesseraFileSystem(client.fs, {
        rootPath: plan.rootPath,
        readonly: flags.readonly ?? false,
        allowOther: flags.allowOther ?? false,
        ...(readCache ? { readCache } : {}),
        // statfs (df) answers the cluster's capacity, asked of the admin service.
        capacity: () => client.admin.report(),
        log: log.line,
      });
      mount = await mountFuse(plan.mountPoint, fileSystem, {
        allowOther: flags.allowOther ?? false,
        defaultPermissions: flags.allowOther ?? false,
        readonly: flags.readonly ?? false,
        fsName: "tessera",
        ...(flags.debug ? { debug: log.line } : {}),
      });
    } catch (err) {
      await readCache?.close().catch(() => {});
      await client.close().catch(() => {});
      throw err;
    }
    log.line(`mounted ${plan.rootPath} of the cluster (entry peer ${client.entryPeer}) at ${plan.mountPoint}${flags.readonly ? ", read-only" : ""}${plan.cache ? `, read cache ${plan.cache.dir} of ${formatBytes(plan.cache.sizeBytes)}` : ""}`);
    // A daemon's stdout is /dev/null; in a terminal this says the folder is ready.
    if (flags.json) process.stdout.write(`${JSON.stringify({ mountPoint: plan.mountPoint, pid: process.pid })}\n`);
    else process.stdout.write(`Tessera mounted at ${plan.mountPoint}; Ctrl-C or tessera umount ${plan.mountPoint} unmounts\n`);
    const stopSignals = unmountOnSignals(mount, log.line);
    let closedError: unknown;
    try {
      await mount.closed;
    } catch (err) {
      closedError = err;
    }
    stopSignals();
    // The session has ended: the kernel sent every FLUSH and RELEASE it had, so what programs
    // wrote and closed is committed; what remains is our side's.
    await readCache?.close().catch((err) => log.line(`closing the read cache failed: ${(err as Error).message}`));
    await client.close().catch(() => {});
    if (closedError) throw new Error(`the mount at ${plan.mountPoint} ended with an error: ${(closedError as Error).message}`);
    log.line(`unmounted ${plan.mountPoint}`);
  } finally {
    log.close();
  }
}

/**
 * SIGINT or SIGTERM unmounts; when a program still has a file open there (EBUSY) the mount is
 * detached instead and served until the last such file closes. A second signal exits at once
 * (130), leaving a dead mount the next `tessera mount` or `umount -l` clears.
 */
function unmountOnSignals(mount: FuseMount, log: (line: string) => void): () => void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(130);
    log(`${signal}: unmounting ${mount.mountPoint}`);
    mount.unmount().catch(async (err) => {
      // The session may end before the unmount call answers: gone from the kernel's table is unmounted.
      if (!mountAt(mount.mountPoint)) return;
      log(`unmounting failed (${(err as Error).message.replace(/\.$/, "")}): detaching, the mount serves its open files until they close`);
      await mount.unmount({ lazy: true }).catch((lazyErr) => log(`detaching failed: ${(lazyErr as Error).message}`));
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}

async function runUmount(mountPointArg: string, flags: { lazy?: boolean }): Promise<void> {
  const mountPoint = realMountPoint(mountPointArg);
  const mounted = mountAt(mountPoint);
  if (!mounted) throw new Error(`${mountPoint} is not mounted`);
  if (!isTesseraMount(mounted)) throw new Error(`${mountPoint} is not a Tessera mount (it is ${mounted.fsType}): use umount`);
  try {
    await unmountPath(mountPoint, { lazy: flags.lazy ?? false });
  } catch (err) {
    // unmountPath's refusals (busy, not root) are already one sentence each.
    if ((err as Error).name === "MountError") throw err;
    throw new Error(`cannot unmount ${mountPoint}: ${(err as Error).message}`);
  }
}

export function addMountCommands(program: Command, cluster: MountCluster, addClientOptions: (command: Command) => Command): void {
  addClientOptions(
    program
      .command("mount")
      .description("mount the cluster (or --path, a folder of it) as a local folder through FUSE (as root, or through fusermount3)")
      .argument("<mountpoint>", "an existing empty folder"),
  )
    .option("--path <path>", "the folder of the file system to mount (default /)")
    .option("--readonly", "mount read-only (writes answer EROFS)")
    .option("--cache-dir <dir>", "keep chunk pieces read through the mount in this local folder (with --cache-size)")
    .option("--cache-size <size>", `the most the read cache keeps, like 10GiB (with --cache-dir; at least ${formatBytes(READ_CACHE_SIZE_BYTES_MIN)})`)
    .option("--allow-other", "let other local users use the mount, each as their own user; the kernel checks modes (default_permissions)")
    .option("-f, --foreground", "stay in the foreground and log to stderr; Ctrl-C unmounts")
    .option("--log-file <file>", "where the mount logs (default without -f: $XDG_STATE_HOME/tessera/mount-<mountpoint>.log, ~/.local/state/tessera/... when unset)")
    .option("-d, --debug", "log every request the kernel makes and its answer")
    .action(async (mountPointArg: string, flags: MountFlags) => {
      const plan = planMount(mountPointArg, flags);
      checkMountPoint(plan.mountPoint);
      cluster.check(flags);
      requireMountRights();
      if (flags.foreground) {
        await runForeground(plan, flags, cluster);
        return;
      }
      // The checks above answered bad input at once; the daemon clears a dead mount itself, in its log.
      await runDaemon(plan, flags);
    });

  program
    .command("umount")
    .description("unmount a Tessera mount (umount and fusermount3 -u work too); its process then exits")
    .argument("<mountpoint>")
    .option("-l, --lazy", "detach now even if programs have files open there; the mount ends when they close them")
    .action(runUmount);
}
