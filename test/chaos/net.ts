// The chaos run's network (issue 18): one network namespace per peer, each joined by a veth
// pair to a bridge in the host's namespace, which also holds an address so that the test's
// clients reach every peer. Faults are real packets dropped or slowed:
//   - partitions: nftables drop rules inside the peers' namespaces (silent drops, as a cut
//     cable; a blackhole route would fail connects at once, which real partitions do not);
//   - loss: nftables `numgen random mod 100 < N` drops on every peer's traffic;
//   - delay: a tbf qdisc on every peer's veth, a slow link whose queue delays packets. This
//     kernel has no netem, so there is no fixed added latency and no reordering.
// Clients (the test process, in the host's namespace) are never cut off: as in Jepsen, the
// nemesis partitions the servers from one another.
//
// Names carry the run's owner pid (base 36) so that a run can be told from another one still
// alive, and leftovers of dead runs are swept at the start of the next run.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const NS_PREFIX = "tch-";
const LINK_PREFIX_BRIDGE = "tcb-";
const LINK_PREFIX_VETH = "tcv-";
/** Subnets 10.231.X.0/24, one per live run. */
const SUBNET_BASE = "10.231";
const HOST_OCTET = 1;
const PEER_OCTET_FIRST = 11;
const NFT_TABLE = "chaos";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command synchronously (ip, nft and tc return in milliseconds). */
export function sh(argv: readonly string[], input?: string): CommandResult {
  const result = spawnSync(argv[0]!, argv.slice(1), { input, encoding: "utf8", timeout: 10_000 });
  return { code: result.status ?? -1, stdout: result.stdout ?? "", stderr: (result.stderr ?? "") + (result.error ? String(result.error) : "") };
}

function must(argv: readonly string[], input?: string): string {
  const result = sh(argv, input);
  if (result.code !== 0) throw new Error(`${argv.join(" ")} failed (${result.code}): ${result.stderr.trim().slice(0, 300)}`);
  return result.stdout;
}

function which(program: string): boolean {
  return ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"].some((dir) => existsSync(`${dir}/${program}`));
}

/**
 * Why this machine cannot run the chaos harness, in one line, or undefined when it can: it
 * needs root, `ip`, `tc` and `nft`, and the right to create a namespace.
 */
export function chaosUnsupportedReason(): string | undefined {
  if (process.platform !== "linux") return "the chaos run needs Linux network namespaces";
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "the chaos run needs root (network namespaces, tmpfs mounts)";
  for (const program of ["ip", "tc", "nft"]) if (!which(program)) return `the chaos run needs the ${program} command (${program === "nft" ? "Debian package nftables" : "iproute2"})`;
  const probe = `${NS_PREFIX}probe-${process.pid.toString(36)}`;
  const made = sh(["ip", "netns", "add", probe]);
  if (made.code !== 0) return `cannot create a network namespace: ${made.stderr.trim().split("\n")[0]}`;
  try {
    const nft = sh(["ip", "netns", "exec", probe, "nft", "add", "table", "inet", NFT_TABLE]);
    if (nft.code !== 0) return `nftables does not work in a namespace: ${nft.stderr.trim().split("\n")[0]}`;
  } finally {
    sh(["ip", "netns", "del", probe]);
  }
  return undefined;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The owner pid of a chaos name `tch-<pid36>-...`, `tcb-<pid36>-...`, `tcv-<pid36>-...`. */
function ownerOf(name: string): number | undefined {
  const match = /^tc[hbv]-([0-9a-z]+)-/.exec(name);
  return match ? Number.parseInt(match[1]!, 36) : undefined;
}

function namespaces(): string[] {
  return sh(["ip", "netns", "list"])
    .stdout.split("\n")
    .map((line) => line.split(" ")[0]!.trim())
    .filter(Boolean);
}

function links(): string[] {
  return sh(["ip", "-o", "link", "show"])
    .stdout.split("\n")
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

function killNamespaceProcesses(ns: string): void {
  for (const pid of sh(["ip", "netns", "pids", ns]).stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * Removes namespaces and links left by chaos runs whose owner process is dead (a run killed
 * before its cleanup), with the processes still running in them. Returns what it removed.
 */
export function sweepStale(): string[] {
  const removed: string[] = [];
  for (const ns of namespaces()) {
    const owner = ownerOf(ns);
    if (!ns.startsWith(NS_PREFIX) || owner === undefined || pidAlive(owner)) continue;
    killNamespaceProcesses(ns);
    sh(["ip", "netns", "del", ns]);
    removed.push(ns);
  }
  for (const link of links()) {
    const owner = ownerOf(link);
    if (owner === undefined || pidAlive(owner)) continue;
    sh(["ip", "link", "del", link]);
    removed.push(link);
  }
  return removed;
}

let runsInThisProcess = 0;

/** The network of one chaos run: `count` namespaces on one bridge, in a /24 of its own. */
export class ChaosNet {
  readonly runId: string;
  readonly bridge: string;
  readonly hostAddress: string;
  readonly peerAddresses: readonly string[];
  readonly namespaces: readonly string[];
  private readonly vethsHost: readonly string[];
  private closed = false;

  private constructor(readonly count: number, subnet: number) {
    this.runId = `${process.pid.toString(36)}-${(runsInThisProcess++).toString(36)}`;
    this.bridge = `${LINK_PREFIX_BRIDGE}${this.runId}`;
    this.hostAddress = `${SUBNET_BASE}.${subnet}.${HOST_OCTET}`;
    this.peerAddresses = Array.from({ length: count }, (_, i) => `${SUBNET_BASE}.${subnet}.${PEER_OCTET_FIRST + i}`);
    this.namespaces = Array.from({ length: count }, (_, i) => `${NS_PREFIX}${this.runId}-p${i}`);
    this.vethsHost = Array.from({ length: count }, (_, i) => `${LINK_PREFIX_VETH}${this.runId}-${i}`);
    for (const name of [this.bridge, ...this.vethsHost]) if (name.length > 15) throw new Error(`interface name ${name} is longer than 15 bytes`);
  }

  /** Creates the namespaces, bridge and links (sweeping dead runs' leftovers first). */
  static create(count: number): ChaosNet {
    sweepStale();
    const used = new Set<number>();
    for (const match of sh(["ip", "-o", "-4", "addr", "show"]).stdout.matchAll(/inet 10\.231\.(\d+)\./g)) used.add(Number(match[1]));
    let subnet = -1;
    for (let candidate = 1 + (process.pid % 200); candidate < 1 + (process.pid % 200) + 254; candidate++) {
      const x = ((candidate - 1) % 254) + 1;
      if (!used.has(x)) {
        subnet = x;
        break;
      }
    }
    if (subnet < 0) throw new Error("no free 10.231.X.0/24 subnet for the chaos run");
    const net = new ChaosNet(count, subnet);
    try {
      net.build();
    } catch (err) {
      net.destroy();
      throw err;
    }
    return net;
  }

  private build(): void {
    must(["ip", "link", "add", this.bridge, "type", "bridge"]);
    must(["ip", "addr", "add", `${this.hostAddress}/24`, "dev", this.bridge]);
    must(["ip", "link", "set", this.bridge, "up"]);
    for (let i = 0; i < this.count; i++) {
      const ns = this.namespaces[i]!;
      const host = this.vethsHost[i]!;
      const inner = `tci-${this.runId}-${i}`;
      must(["ip", "netns", "add", ns]);
      must(["ip", "link", "add", host, "type", "veth", "peer", "name", inner]);
      must(["ip", "link", "set", inner, "netns", ns]);
      must(["ip", "link", "set", host, "master", this.bridge]);
      must(["ip", "link", "set", host, "up"]);
      const exec = ["ip", "netns", "exec", ns];
      must([...exec, "ip", "link", "set", inner, "name", "eth0"]);
      must([...exec, "ip", "addr", "add", `${this.peerAddresses[i]}/24`, "dev", "eth0"]);
      must([...exec, "ip", "link", "set", "eth0", "up"]);
      must([...exec, "ip", "link", "set", "lo", "up"]);
      // One table per namespace; the chains hold the run's faults, flushed to heal.
      must([...exec, "nft", "-f", "-"], `table inet ${NFT_TABLE} {
  chain input { type filter hook input priority 0; policy accept; }
  chain output { type filter hook output priority 0; policy accept; }
}
`);
    }
  }

  /** `ip netns exec <ns of peer i>`: the prefix that runs a command inside peer i's namespace. */
  execPrefix(peer: number): string[] {
    return ["ip", "netns", "exec", this.namespaces[peer]!];
  }

  private nft(peer: number, script: string): void {
    must([...this.execPrefix(peer), "nft", "-f", "-"], script);
  }

  /** Drops every packet between the peers of `a` and those of `b` (both directions). */
  partition(a: readonly number[], b: readonly number[]): void {
    this.dropFromTo(a, b);
    this.dropFromTo(b, a);
  }

  /** Drops packets sent by the peers of `from` to those of `to`; the reverse direction flows. */
  dropFromTo(from: readonly number[], to: readonly number[]): void {
    // Dropped on the sender's output and on the receiver's input: either alone would do.
    for (const sender of from) {
      const targets = to.filter((peer) => peer !== sender).map((peer) => this.peerAddresses[peer]);
      if (targets.length > 0) this.nft(sender, `add rule inet ${NFT_TABLE} output ip daddr { ${targets.join(", ")} } counter drop comment "partition"\n`);
    }
    for (const receiver of to) {
      const sources = from.filter((peer) => peer !== receiver).map((peer) => this.peerAddresses[peer]);
      if (sources.length > 0) this.nft(receiver, `add rule inet ${NFT_TABLE} input ip saddr { ${sources.join(", ")} } counter drop comment "partition"\n`);
    }
  }

  /** Drops `percent` % of every packet each peer sends, at random (clients' included). */
  loss(percent: number): void {
    if (!(percent > 0 && percent < 100)) throw new Error(`loss of ${percent} %: must be in (0, 100)`);
    for (let i = 0; i < this.count; i++) this.nft(i, `add rule inet ${NFT_TABLE} output numgen random mod 100 < ${Math.round(percent)} counter drop comment "loss"\n`);
  }

  /**
   * Slows every peer's link: a token bucket of `rateKbit` with a queue of up to `delayMs`, so
   * a busy link delays packets by up to that much (and drops beyond it). No netem here: an idle
   * link adds no delay and nothing is reordered.
   */
  delay(delayMs: number, rateKbit = 4_000): void {
    for (let i = 0; i < this.count; i++) {
      must([...this.execPrefix(i), "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", `${rateKbit}kbit`, "burst", "4kb", "latency", `${Math.round(delayMs)}ms`]);
    }
  }

  /** The counters of the drop rules (packets dropped so far) in each peer's namespace. */
  droppedPackets(): number[] {
    return this.namespaces.map((_, i) => {
      const listing = sh([...this.execPrefix(i), "nft", "list", "table", "inet", NFT_TABLE]).stdout;
      let total = 0;
      for (const match of listing.matchAll(/counter packets (\d+) bytes \d+ drop/g)) total += Number(match[1]);
      return total;
    });
  }

  /** tbf statistics per peer: packets sent, dropped and overlimits (delayed). */
  delayStats(): Array<{ sent: number; dropped: number; overlimits: number; backlogBytes: number }> {
    return this.namespaces.map((_, i) => {
      const text = sh([...this.execPrefix(i), "tc", "-s", "qdisc", "show", "dev", "eth0"]).stdout;
      const tbf = text.slice(text.indexOf("qdisc tbf"));
      const sent = /Sent \d+ bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)/.exec(tbf);
      const backlog = /backlog (\d+)b/.exec(tbf);
      return { sent: Number(sent?.[1] ?? 0), dropped: Number(sent?.[2] ?? 0), overlimits: Number(sent?.[3] ?? 0), backlogBytes: Number(backlog?.[1] ?? 0) };
    });
  }

  /** Removes every network fault: flushes the drop rules and the slow links. */
  healAll(): void {
    for (let i = 0; i < this.count; i++) {
      for (const chain of ["input", "output"]) sh([...this.execPrefix(i), "nft", "flush", "chain", "inet", NFT_TABLE, chain]);
      sh([...this.execPrefix(i), "tc", "qdisc", "del", "dev", "eth0", "root"]);
    }
  }

  /** Removes the namespaces (killing what still runs in them) and the links. Idempotent. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    const present = new Set(namespaces());
    for (const ns of this.namespaces) {
      if (!present.has(ns)) continue;
      killNamespaceProcesses(ns);
      sh(["ip", "netns", "del", ns]);
    }
    const existing = new Set(links());
    for (const link of [...this.vethsHost, this.bridge]) if (existing.has(link)) sh(["ip", "link", "del", link]);
  }
}

/** Whether a file system path is a mount point (for the tmpfs data dirs). */
export function isMountPoint(path: string): boolean {
  return readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === path);
}
