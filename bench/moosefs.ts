// MooseFS as the reference of the metadata benches, measured in the same run on the same
// machine: a master, 3 chunk servers and a FUSE mount of their own in temp folders, started
// only when MooseFS is installed (mfsmount, mfsmaster and mfschunkserver on the PATH) as the
// current user, with every config file in the temp folder (nothing in /etc or /var), and
// stopped and unmounted at the end, on an error and on Ctrl-C. `--moosefs-mount DIR` uses a
// mount that is already there instead. This file never installs anything; without MooseFS a
// bench prints one line and goes on.
//
// Loopback: MooseFS refuses it between chunk servers and master (a chunk server will not
// connect to a master at 127.0.0.0/8, and the master drops a chunk server that registers from
// there: "you cannot use localhost for communication between chunkserver and master"). So the
// master's chunk-server port and the chunk servers' data ports listen on this machine's own
// IPv4 address (the first non-loopback one; the traffic still stays inside the kernel), the
// chunk servers prove themselves to the master with a random AUTH_CODE, and the client port
// and the exports accept 127.0.0.1 only. Without such an address MooseFS is skipped.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces, userInfo } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { arg, onCleanup, readLines, sleep, track } from "./support.ts";

const CHUNK_SERVERS = 3;
// Three copies of every chunk, as Tessera's default replication (MooseFS calls it the goal;
// its default is 2).
const GOAL = 3;
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const POLL_INTERVAL_MS = 200;
// The kernel and mfsmount cache attributes for a second and folder entries for a second by
// default; with them a stat loop would measure the cache, not the master. Tessera's client
// caches nothing. MooseFS's daemons and mount renice themselves to -19 and turn the OOM
// killer off for themselves by default: on a machine shared with other work (and with
// Tessera's peers, which run at 0) that would be neither fair nor polite.
const MOUNT_OPTIONS = "mfsattrcacheto=0,mfsentrycacheto=0,mfsdirentrycacheto=0,mfsnice=0,mfsallowoomkiller";
const DAEMON_SETTINGS = ["NICE_LEVEL = 0", "DISABLE_OOM_KILLER = 0", "LOCK_MEMORY = 0"];
const LOG_TAIL_LINES = 30;

export interface MooseFs {
  /** Where the file system is mounted. */
  mount: string;
  /** The processes of the private MooseFS: master, chunk servers, mfsmount (none for a mount given by flag: its CPU counts as the rest of the machine). */
  pids(): number[];
  /** What it is, in a few words, for the output. */
  description: string;
  /** Unmounts and stops a private MooseFS (nothing for a mount given by flag); safe to call twice. */
  stop(): Promise<void>;
}

const missing = (tools: string[]) => tools.filter((tool) => !Bun.which(tool));

const isMounted = (mount: string) =>
  readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === mount);

/** A MooseFS to measure beside Tessera, or a line saying why it is skipped. */
export async function startMooseFs(root: string): Promise<MooseFs | string> {
  const given = arg("moosefs-mount");
  if (given) {
    if (!isMounted(given)) return `MooseFS skipped: --moosefs-mount ${given} is not a mount point`;
    return { mount: given, pids: () => [], description: `MooseFS mounted at ${given} (given)`, stop: async () => {} };
  }
  if (!Bun.which("mfsmount")) return "MooseFS skipped: mfsmount is not on the PATH (install MooseFS to measure it beside Tessera in the same run)";
  const absent = missing(["mfsmaster", "mfschunkserver"]);
  if (absent.length > 0) return `MooseFS skipped: mfsmount is on the PATH but ${absent.join(" and ")} ${absent.length > 1 ? "are" : "is"} not`;
  const host = hostAddress();
  if (!host) return "MooseFS skipped: its chunk servers refuse loopback addresses, and this machine has no other IPv4 address";
  const moose = new PrivateMooseFs(join(root, "moosefs"), host);
  onCleanup(() => moose.stop(), () => moose.stopNow());
  try {
    await moose.start();
    return moose;
  } catch (err) {
    const tail = moose.logTail();
    await moose.stop();
    return `MooseFS skipped: it did not start: ${(err as Error).message}${tail ? ` (last lines: ${tail})` : ""}`;
  }
}

/** This machine's first IPv4 address outside 127.0.0.0/8. */
function hostAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === "IPv4" && !address.internal && !address.address.startsWith("127.")) return address.address;
  }
  return undefined;
}

/** Ports free right now on `hostname`, all distinct (each held open until all are taken). */
function freePorts(hostname: string, count: number): number[] {
  const listeners = Array.from({ length: count }, () => Bun.listen({ hostname, port: 0, socket: { data() {} } }));
  const ports = listeners.map((listener) => listener.port);
  for (const listener of listeners) listener.stop(true);
  return ports;
}

/** The chunk server's data port in the master's "chunkserver register end (packet version: 6) - ip: A / port: P", logged once it has told the master what it holds. */
export function registeredPort(line: string): number | undefined {
  const port = /chunkserver register end .* port: (\d+)/.exec(line)?.[1];
  return port === undefined ? undefined : Number(port);
}

/** The fewest copies any chunk has in `mfscheckfile FILE`'s answer (" chunks with 3 copies:   1"); 0 when it lists none. */
export function fewestCopies(output: string): number {
  const counts = [...output.matchAll(/chunks with (\d+) cop/g)].map((match) => Number(match[1]));
  return counts.length === 0 ? 0 : Math.min(...counts);
}

interface Daemon {
  name: string;
  child: Subprocess<"ignore", "ignore", "pipe">;
  log: string[];
}

class PrivateMooseFs implements MooseFs {
  readonly mount: string;
  description = "";
  private readonly daemons: Daemon[] = [];
  private mountProcess?: Daemon;
  private readonly registered = new Set<number>();
  private masterReady = false;
  private deadlineMs = Infinity;
  private stopping?: Promise<void>;

  constructor(
    private readonly dir: string,
    private readonly host: string,
  ) {
    this.mount = join(dir, "mnt");
  }

  // An arrow, so `moose.pids` can be passed on as a function.
  readonly pids = (): number[] => [...this.daemons, ...(this.mountProcess ? [this.mountProcess] : [])].map((daemon) => daemon.child.pid);

  async start(): Promise<void> {
    const { dir, host } = this;
    this.deadlineMs = performance.now() + START_TIMEOUT_MS;
    // The chunk-server port listens on the machine's address: only our chunk servers, which
    // know this code, may register with this master.
    const authCode = crypto.randomUUID();
    // As root the daemons would switch to the user "mfs" (which owns nothing here); as anyone
    // else they stay who they are and ignore these lines.
    const me = userInfo();
    const identity = me.uid === 0 ? ["WORKING_USER = root", "WORKING_GROUP = root"] : [`WORKING_USER = ${me.username}`];
    const [mlPort, clPort] = freePorts("127.0.0.1", 2);
    const [csPort, ...dataPorts] = freePorts(host, 1 + CHUNK_SERVERS);
    const masterDir = join(dir, "master");
    mkdirSync(masterDir, { recursive: true });
    mkdirSync(this.mount, { recursive: true });
    // An empty file system: the master starts a new one from this header (what Debian ships
    // as /var/lib/mfs/metadata.mfs.empty).
    writeFileSync(join(masterDir, "metadata.mfs"), "MFSM NEW");
    writeFileSync(join(dir, "mfsexports.cfg"), "127.0.0.1 / rw,alldirs,maproot=0\n");
    writeFileSync(join(dir, "mfstopology.cfg"), "");
    writeFileSync(join(dir, "mfsmount.cfg"), ""); // so /etc/mfs/mfsmount.cfg is not read
    const masterCfg = join(dir, "mfsmaster.cfg");
    writeFileSync(
      masterCfg,
      [
        ...identity,
        ...DAEMON_SETTINGS,
        `DATA_PATH = ${masterDir}`,
        `EXPORTS_FILENAME = ${join(dir, "mfsexports.cfg")}`,
        `TOPOLOGY_FILENAME = ${join(dir, "mfstopology.cfg")}`,
        `AUTH_CODE = ${authCode}`,
        "MATOML_LISTEN_HOST = 127.0.0.1",
        `MATOML_LISTEN_PORT = ${mlPort}`,
        `MATOCS_LISTEN_HOST = ${host}`,
        `MATOCS_LISTEN_PORT = ${csPort}`,
        "MATOCL_LISTEN_HOST = 127.0.0.1",
        `MATOCL_LISTEN_PORT = ${clPort}`,
        "",
      ].join("\n"),
    );
    this.spawn("master", ["mfsmaster", "-c", masterCfg, "-f", "start"]);
    await this.waitUntil(() => this.masterReady, "the master to start");

    for (let i = 0; i < CHUNK_SERVERS; i++) {
      const csDir = join(dir, `cs${i}`);
      mkdirSync(join(csDir, "hdd"), { recursive: true });
      writeFileSync(join(csDir, "mfshdd.cfg"), `${join(csDir, "hdd")}\n`);
      const cfg = join(csDir, "mfschunkserver.cfg");
      writeFileSync(
        cfg,
        [
          ...identity,
          ...DAEMON_SETTINGS,
          `DATA_PATH = ${csDir}`,
          `HDD_CONF_FILENAME = ${join(csDir, "mfshdd.cfg")}`,
          `AUTH_CODE = ${authCode}`,
          `BIND_HOST = ${host}`,
          `MASTER_HOST = ${host}`,
          `MASTER_PORT = ${csPort}`,
          `CSSERV_LISTEN_HOST = ${host}`,
          `CSSERV_LISTEN_PORT = ${dataPorts[i]}`,
          "",
        ].join("\n"),
      );
      this.spawn(`chunk server ${i + 1}`, ["mfschunkserver", "-c", cfg, "-f", "start"]);
    }
    await this.waitUntil(() => dataPorts.every((port) => this.registered.has(port)), `${CHUNK_SERVERS} chunk servers to register with the master`);

    this.mountProcess = this.spawn("mfsmount", ["mfsmount", this.mount, "-f", "-n", "-c", join(dir, "mfsmount.cfg"), "-H", "127.0.0.1", "-P", String(clPort), "-o", MOUNT_OPTIONS]);
    await this.waitUntil(() => isMounted(this.mount), "the FUSE mount");
    let goal = "goal 2 (MooseFS's default: mfssetgoal is not on the PATH)";
    if (Bun.which("mfssetgoal")) {
      const set = Bun.spawnSync(["mfssetgoal", "-r", String(GOAL), this.mount], { stdout: "ignore", stderr: "pipe" });
      if (set.exitCode !== 0) throw new Error(`mfssetgoal -r ${GOAL} failed: ${set.stderr.toString().trim()}`);
      goal = `goal ${GOAL}`;
      await this.waitForCopies();
    }
    this.description = `MooseFS (private: master, ${CHUNK_SERVERS} chunk servers on ${host}, FUSE mount with ${MOUNT_OPTIONS}; ${goal})`;
  }

  /**
   * Until a file written now gets GOAL copies at once: a chunk server that registered but has
   * not yet reported its space gets no new chunk, and the master only adds missing copies
   * after REPLICATIONS_DELAY_INIT (60 s) from its start.
   */
  private async waitForCopies(): Promise<void> {
    if (!Bun.which("mfscheckfile")) return;
    const probe = join(this.mount, ".start-probe");
    let copies = 0;
    await this.waitUntil(() => {
      writeFileSync(probe, "probe");
      const check = Bun.spawnSync(["mfscheckfile", probe], { stdout: "pipe", stderr: "ignore" });
      copies = fewestCopies(check.stdout.toString());
      rmSync(probe);
      return copies >= GOAL;
    }, `a new file to get ${GOAL} copies`);
  }

  private spawn(name: string, cmd: string[]): Daemon {
    const child = track(Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "pipe" }));
    const daemon: Daemon = { name, child, log: [] };
    if (name === "mfsmount") this.mountProcess = daemon;
    else this.daemons.push(daemon);
    void (async () => {
      for await (const line of readLines(child.stderr)) {
        daemon.log.push(line);
        if (daemon.log.length > LOG_TAIL_LINES) daemon.log.shift();
        if (line.includes("mfsmaster daemon initialized properly")) this.masterReady = true;
        const port = registeredPort(line);
        if (port !== undefined) this.registered.add(port);
      }
    })().catch(() => {});
    return daemon;
  }

  /** Polls `done` until it holds; fails when a process of ours exited, when stopped, or past the start's deadline. */
  private async waitUntil(done: () => boolean, what: string): Promise<void> {
    for (;;) {
      if (done()) return;
      const dead = [...this.daemons, ...(this.mountProcess ? [this.mountProcess] : [])].find((d) => d.child.exitCode !== null || d.child.signalCode !== null);
      if (dead) throw new Error(`waiting for ${what}: the ${dead.name} exited (${dead.child.signalCode ?? `code ${dead.child.exitCode}`}): ${dead.log.slice(-3).join(" | ")}`);
      if (this.stopping) throw new Error(`stopped while waiting for ${what}`);
      if (performance.now() > this.deadlineMs) throw new Error(`timed out after ${START_TIMEOUT_MS} ms waiting for ${what}`);
      await sleep(POLL_INTERVAL_MS);
    }
  }

  /** The last lines any daemon logged, for a failed start. */
  logTail(): string {
    return [...this.daemons, ...(this.mountProcess ? [this.mountProcess] : [])]
      .flatMap((daemon) => daemon.log.slice(-2).map((line) => `${daemon.name}: ${line}`))
      .join(" | ")
      .slice(-600);
  }

  /** Unmount first (a mount whose mfsmount is gone stays behind, "Transport endpoint is not connected"), then chunk servers, then the master. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (isMounted(this.mount)) {
        const plain = await Bun.spawn(unmountCommand(this.mount, false), { stdout: "ignore", stderr: "ignore" }).exited;
        if (plain !== 0 || isMounted(this.mount)) await Bun.spawn(unmountCommand(this.mount, true), { stdout: "ignore", stderr: "ignore" }).exited;
      }
      if (this.mountProcess) await stopProcess(this.mountProcess.child);
      await Promise.all(this.daemons.filter((daemon) => daemon.name !== "master").map((daemon) => stopProcess(daemon.child)));
      const master = this.daemons.find((daemon) => daemon.name === "master");
      if (master) await stopProcess(master.child);
    })();
    return this.stopping;
  }

  /** At exit, synchronously: a lazy unmount (so removing the temp folder never walks into the mount), then SIGKILL. */
  stopNow(): void {
    if (isMounted(this.mount)) Bun.spawnSync(unmountCommand(this.mount, true), { stdout: "ignore", stderr: "ignore" });
    for (const daemon of [...(this.mountProcess ? [this.mountProcess] : []), ...this.daemons]) daemon.child.kill("SIGKILL");
  }
}

/** `umount` as root; `fusermount3 -u` (the setuid helper) as anyone else. Lazy: detach now, clean up when no longer busy. */
function unmountCommand(mount: string, lazy: boolean): string[] {
  if (userInfo().uid === 0 || !Bun.which("fusermount3")) return lazy ? ["umount", "-l", mount] : ["umount", mount];
  return lazy ? ["fusermount3", "-u", "-z", mount] : ["fusermount3", "-u", mount];
}

async function stopProcess(child: Subprocess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await child.exited;
  clearTimeout(timer);
}
