// A deterministic simulation of a Raft cluster (TigerBeetle VOPR / FoundationDB style): N
// RaftCores, a network that drops, delays, reorders, duplicates and partitions, a disk that
// loses what was not synced when a node crashes, a key-value state machine with clients, and
// a safety checker run after every event. Everything follows from one seed.
//
// One simulator step is one unit of time: every live node ticks (mostly), messages due are
// delivered in random order, due disk syncs complete, clients act, faults strike. The driver
// follows the Ready contract of core.ts as src/raft/node.ts does: rd.messages leave when the
// Ready is taken (a leader's appends race its own write, dissertation §10.2.1), committed
// entries that were already stable are applied then too, and the write completes 0..n steps
// later; only then do rd.messagesAfterPersist leave and advance(rd) run. A crash in between
// loses the write. Half the seeds give one node a slow disk (writes take 4-8 steps), so while
// it leads its followers' acks come back before its own write is done, and leaders lose power
// with a write in flight. A leader that counted its own copy before it was durable is flagged
// at once by the checker's Durable Commit, and by Leader Completeness after such a crash.
//
// Half the check-quorum seeds read under a leader lease (leaseTicks > 0), half of those with
// ticks 3 times finer (electionTicks 30), so an election fits inside a lease. Their clocks
// drift within the bound the lease assumes (at most leaseDriftTicks skipped ticks in any
// election timeout); the other seeds' clocks skip ticks freely. Followers also "lose the
// connection" to the leader at random and forget it, and one campaigns at once (as node.ts
// does on a disconnect), and restarts happen mid-lease.
import { RaftCore, type RaftConfig } from "../../src/raft/core.ts";
import { ConfChangeRejectedError, NotAMemberError, ProposalDroppedError, RaftError, ReadIndexDroppedError, LeaderTransferError } from "../../src/raft/errors.ts";
import { MemoryStorage } from "../../src/raft/storage.ts";
import type { Entry, Message, PeerId, Ready } from "../../src/raft/types.ts";
import { SafetyChecker, SafetyViolation } from "./checker.ts";
import { decodeCommand, encodeCommand, KvStore, type KvCommand } from "./kv.ts";
import { checkLinearizable, type KvOp } from "./linearizability.ts";
import { Rng } from "./prng.ts";

/** Steps a client waits for its operation before giving its outcome up as unknown. */
const CLIENT_OP_TIMEOUT_STEPS = 60;
/** Messages in flight at most; the network drops beyond it (bounds memory of a sick run). */
const NETWORK_IN_FLIGHT_MAX = 20_000;
/** Trace lines kept for a failure report. */
const TRACE_LINES_MAX = 80;
/** Steps the final, fault-free phase may take to show progress (liveness). */
const HEAL_STEPS_MAX = 400;
/** Lease seeds: ticks a clock may skip per election timeout (10 steps), and what the lease allows for. */
const SIM_LEASE_DRIFT_TICKS = 1;

export interface SimOptions {
  seed: number;
  steps: number;
  /** Voters at start: 3 or 5. Default: from the seed. */
  voters?: number;
  /** Check linearizability of the client history at the end (default true). */
  linearizability?: boolean;
  /** Require progress after healing at the end (default true). */
  liveness?: boolean;
}

export interface SimResult {
  seed: number;
  steps: number;
  events: number;
  leaderTerms: number;
  maxCommit: number;
  snapshotsSent: number;
  confChanges: number;
  crashes: number;
  clientOps: number;
  /** Reads answered under a leader lease (0 on seeds without one). */
  leaseReads: number;
  linearizable: boolean | "unknown";
}

interface SimNode {
  readonly id: PeerId;
  /** The synced disk: survives crashes. */
  readonly storage: MemoryStorage;
  core: RaftCore | undefined;
  incarnation: number;
  kv: KvStore;
  pending: Ready | undefined;
  syncAt: number;
  /** Steps a disk write of this node takes at most. */
  syncDelayMax: number;
  /** Step of this node's last skipped tick (bounded clock drift on lease seeds). */
  lastTickSkip: number;
  /** Proposals submitted here, by command id. */
  waiting: Map<string, KvOp>;
  /** Reads submitted here, by ctx. */
  reads: Map<string, KvOp>;
  /** Reads whose read index is known, waiting for the state machine to reach it. */
  readyReads: { index: number; op: KvOp; key: string }[];
}

interface InFlight {
  at: number;
  msg: Message;
}

interface Client {
  op: KvOp | undefined;
  node: PeerId | undefined;
  deadline: number;
  leaderHint: PeerId;
  seq: number;
}

export class Simulation {
  readonly rng: Rng;
  readonly checker: SafetyChecker;
  readonly nodes = new Map<PeerId, SimNode>();
  private readonly ids: PeerId[];
  private now = 0;
  private clock = 0;
  private inFlight: InFlight[] = [];
  /** Partition groups (undefined: fully connected). */
  private groups: Map<PeerId, number> | undefined;
  private readonly clients: Client[] = [];
  readonly history: KvOp[] = [];
  private readonly trace: string[] = [];
  private events = 0;
  private readonly r: {
    drop: number;
    dup: number;
    maxDelay: number;
    syncDelayMax: number;
    tickSkip: number;
    forgetLeader: number;
    compactEvery: number;
    compactKeep: number;
    crash: number;
    crashLeader: number;
    crashUnsynced: number;
    crashLeaderUnsynced: number;
    isolateLeader: number;
    restart: number;
    partition: number;
    heal: number;
    conf: number;
    transfer: number;
    clientRate: number;
    keys: string[];
  };
  stats = { snapshotsSent: 0, confChanges: 0, crashes: 0, clientOps: 0 };
  private faultsOn = true;
  /**
   * Late ticks (a stalled process catching up with its clock: RaftCore.tick(late)), drawn from
   * a stream of their own so that every seed's other draws stay what they were.
   */
  private readonly lateRng: Rng;
  private readonly lateTick: number;

  constructor(readonly opts: SimOptions) {
    const seed = opts.seed;
    this.rng = new Rng(seed);
    this.lateRng = new Rng(seed ^ 0x1a7e71c5);
    this.lateTick = this.lateRng.float() * 0.3;
    this.checker = new SafetyChecker(seed, {
      durable: (id) => this.nodes.get(id)?.storage,
      live: (id) => this.nodes.get(id)?.core,
    });
    const rng = this.rng;
    const voters = opts.voters ?? (seed % 2 === 0 ? 3 : 5);
    const pool = voters + (voters === 3 ? 2 : 1);
    this.ids = Array.from({ length: pool }, (_, i) => `n${i + 1}`);
    // Three fault profiles, by seed: mild, crash-heavy (leaders die mid-replication, the
    // Figure 8 shapes), partition-heavy (stale leaders, removed servers, lost elections).
    const profile = seed % 3;
    this.r = {
      drop: rng.float() * 0.1,
      dup: rng.float() * 0.05,
      maxDelay: rng.range(1, 4),
      syncDelayMax: rng.range(0, 2),
      tickSkip: rng.float() * 0.1,
      forgetLeader: rng.float() * 0.03,
      compactEvery: rng.range(4, 30),
      compactKeep: rng.range(0, 3),
      crash: rng.float() * (profile === 1 ? 0.04 : 0.008),
      crashLeader: profile === 1 ? rng.float() * 0.08 : 0,
      // Crashes that hit a node between a Ready and its sync: what was not synced is lost.
      crashUnsynced: rng.float() * (profile === 1 ? 0.1 : 0.02),
      // The leader loses power while its own write is in flight (after its appends left).
      crashLeaderUnsynced: rng.float() * (profile === 1 ? 0.2 : 0.03),
      isolateLeader: profile === 2 ? rng.float() * 0.08 : 0,
      restart: 0.02 + rng.float() * (profile === 1 ? 0.3 : 0.08),
      partition: rng.float() * (profile === 2 ? 0.04 : 0.008),
      heal: 0.01 + rng.float() * 0.05,
      conf: rng.float() * 0.02,
      transfer: rng.float() * 0.006,
      clientRate: 0.1 + rng.float() * 0.4,
      keys: ["a", "b", "c"].slice(0, rng.range(1, 3)),
    };
    const extra = {
      // Some seeds run without check-quorum (stale leaders linger: ReadIndex must still be
      // safe) or without pre-vote (disruptive elections).
      checkQuorum: rng.chance(0.7),
      preVote: rng.chance(0.8),
      electionTicks: 10,
      heartbeatTicks: rng.range(1, 3),
      maxSizePerMsg: rng.pick([64, 256, 4096]),
      maxInflightMsgs: rng.range(1, 8),
      snapshotChunkBytes: rng.pick([16, 64, 256, 1 << 20]),
      maxInflightSnapshotChunks: rng.range(1, 4),
      maxUncommittedEntriesBytes: rng.pick([512, 1 << 20]),
      leaseTicks: 0,
      leaseDriftTicks: SIM_LEASE_DRIFT_TICKS,
    };
    // Half the check-quorum seeds read under a leader lease (dissertation §6.4.1). Half of
    // those tick 3 times finer (an election timeout of 30 steps), closer to a real cluster,
    // where a message takes far less than a tick: there an election fits inside a lease, and
    // a lease that outlives the voters' guard shows.
    if (extra.checkQuorum && rng.chance(0.5)) {
      if (rng.chance(0.5)) extra.electionTicks = 30;
      extra.leaseTicks = rng.range(1, extra.electionTicks - 1 - SIM_LEASE_DRIFT_TICKS);
    }
    this.coreConfig = extra;
    const initial = { voters: this.ids.slice(0, voters), learners: [] };
    for (const id of this.ids) {
      // Spare nodes start with an empty configuration: they join through conf changes.
      const storage = new MemoryStorage(initial.voters.includes(id) ? initial : { voters: [], learners: [] });
      const node: SimNode = {
        id,
        storage,
        core: undefined,
        incarnation: 0,
        kv: new KvStore(),
        pending: undefined,
        syncAt: 0,
        syncDelayMax: this.r.syncDelayMax,
        lastTickSkip: -Infinity,
        waiting: new Map(),
        reads: new Map(),
        readyReads: [],
      };
      this.nodes.set(id, node);
      this.start(node);
    }
    // Half the seeds have one node with a slow disk: while it leads, its own writes lag its
    // appends by several steps and its followers' acks come back first (§10.2.1).
    if (rng.chance(0.5)) rng.pick([...this.nodes.values()]).syncDelayMax = rng.range(4, 8);
    for (let c = 0; c < 3; c++) this.clients.push({ op: undefined, node: undefined, deadline: 0, leaderHint: "", seq: 0 });
  }

  private readonly coreConfig: Partial<RaftConfig>;

  private log(line: string): void {
    if (this.trace.length >= TRACE_LINES_MAX) this.trace.shift();
    this.trace.push(`[${this.now}] ${line}`);
  }

  private fail(what: string): never {
    const head = what.startsWith("seed=") ? what : `seed=${this.opts.seed}: ${what}`;
    throw new SafetyViolation(`${head}\n--- last events ---\n${this.trace.join("\n")}`);
  }

  private start(node: SimNode): void {
    node.incarnation++;
    const snap = node.storage.snapshot();
    node.kv = KvStore.restore(snap.data, snap.meta.index);
    node.core = new RaftCore({
      id: node.id,
      storage: node.storage,
      rand: (n) => this.rng.int(n),
      applied: snap.meta.index,
      electionTicks: 10,
      heartbeatTicks: 1,
      ...this.coreConfig,
    });
    node.pending = undefined;
    node.waiting = new Map();
    node.reads = new Map();
    node.readyReads = [];
  }

  private inc(node: SimNode): string {
    return `${node.id}#${node.incarnation}`;
  }

  /** After touching a node: check safety, then take a Ready if none is being synced. */
  private after(node: SimNode): void {
    this.events++;
    const core = node.core!;
    try {
      this.checker.check(core, this.inc(node));
    } catch (e) {
      if (e instanceof SafetyViolation) this.fail(e.message);
      throw e;
    }
    // A write in flight: what needs no disk leaves now (node.ts sends it the same way).
    if (node.pending !== undefined) for (const m of core.takeEarlyMessages()) this.send(m);
    if (node.pending === undefined && core.hasReady()) {
      const rd = core.ready();
      node.pending = rd;
      // 0. Messages that promise nothing about our disk leave at once, and entries that were
      // stable before this Ready apply at once (what node.ts does).
      for (const m of rd.messages) this.send(m);
      if (!rd.snapshot) {
        const firstNew = rd.entries.length > 0 ? rd.entries[0].index : Number.POSITIVE_INFINITY;
        this.applyEntries(node, rd.committedEntries.filter((e) => e.index < firstNew));
      }
      const delay = this.rng.range(0, node.syncDelayMax);
      node.syncAt = this.now + delay;
      if (delay === 0) this.sync(node);
    }
  }

  /** Applies committed entries this node has not applied yet, and answers their clients. */
  private applyEntries(node: SimNode, entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.index <= node.kv.appliedIndex) continue;
      this.checker.applied_(node.id, e);
      let cmd: KvCommand | undefined;
      if (e.type === "normal" && e.data.byteLength > 0) cmd = decodeCommand(e.data);
      const res = node.kv.apply(e.index, cmd);
      if (cmd) {
        const op = node.waiting.get(cmd.id);
        if (op) {
          node.waiting.delete(cmd.id);
          if (op.kind === "cas") op.output = { ok: res.ok };
          this.complete(op);
        }
      }
    }
  }

  /** The disk write of the pending Ready completed: persist, send the replies, apply, advance. */
  private sync(node: SimNode): void {
    const rd = node.pending!;
    const core = node.core!;
    node.pending = undefined;
    // 1. persist
    if (rd.snapshot) {
      node.storage.applySnapshot(rd.snapshot);
      node.kv = KvStore.restore(rd.snapshot.data, rd.snapshot.meta.index);
      node.readyReads = node.readyReads.filter((r) => r.index > rd.snapshot!.meta.index || this.answerRead(node, r));
      this.log(`${node.id} installed snapshot ${rd.snapshot.meta.index}`);
    }
    node.storage.append(rd.entries);
    if (rd.hardState) node.storage.setHardState(rd.hardState);
    // 2. send what vouches for the disk
    for (const m of rd.messagesAfterPersist) this.send(m);
    // 3. apply the rest
    this.applyEntries(node, rd.committedEntries);
    // 4. reads
    for (const rs of rd.readStates) {
      const op = node.reads.get(rs.ctx);
      if (!op) continue;
      node.reads.delete(rs.ctx);
      node.readyReads.push({ index: rs.index, op, key: op.key });
    }
    node.readyReads = node.readyReads.filter((r) => !(r.index <= node.kv.appliedIndex && this.answerRead(node, r)));
    if (rd.softState) this.log(`${node.id} is ${rd.softState.role} (lead ${rd.softState.lead || "-"}) at term ${core.term}`);
    core.advance(rd);
    this.maybeCompact(node);
    this.after(node);
  }

  private answerRead(node: SimNode, r: { op: KvOp; key: string }): boolean {
    r.op.output = { value: node.kv.get(r.key) };
    this.complete(r.op);
    return true;
  }

  private complete(op: KvOp): void {
    if (op.ret !== -1) return; // already timed out
    op.ret = ++this.clock;
    const c = this.clients[op.client];
    if (c.op === op) c.op = undefined;
  }

  private maybeCompact(node: SimNode): void {
    const applied = node.kv.appliedIndex;
    const snapIndex = node.storage.snapshot().meta.index;
    if (applied - snapIndex < this.r.compactEvery) return;
    const data = node.kv.snapshot();
    this.checker.snapshotTaken(node.id, applied, data);
    node.storage.createSnapshot(applied, node.core!.confStateAt(applied), data);
    node.storage.compact(Math.max(node.storage.firstIndex() - 1, applied - this.r.compactKeep));
  }

  private send(m: Message): void {
    if (m.type === "snapshot" && m.offset === 0) this.stats.snapshotsSent++;
    if (this.inFlight.length >= NETWORK_IN_FLIGHT_MAX || this.rng.chance(this.r.drop)) return;
    this.inFlight.push({ at: this.now + this.rng.range(1, this.r.maxDelay), msg: m });
    if (this.rng.chance(this.r.dup)) this.inFlight.push({ at: this.now + this.rng.range(1, this.r.maxDelay), msg: m });
  }

  private connected(a: PeerId, b: PeerId): boolean {
    return this.groups === undefined || this.groups.get(a) === this.groups.get(b);
  }

  private deliver(m: Message): void {
    const node = this.nodes.get(m.to);
    if (!node || !node.core || !this.connected(m.from, m.to)) return;
    try {
      node.core.step(m);
    } catch (e) {
      // Expected refusals of the protocol (a removed server's vote request, a reply from a
      // peer that left the configuration); anything else is a bug.
      if (!(e instanceof NotAMemberError)) {
        if (e instanceof RaftError) this.fail(`unexpected ${e.name} at ${node.id} for ${m.type} from ${m.from}: ${e.message}`);
        throw e;
      }
    }
    this.after(node);
  }

  private leaders(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.core?.role === "leader") out.push(n);
    return out;
  }

  /** The leader with the highest term, if any. */
  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.leaders()) if (!best || n.core!.term > best.core!.term) best = n;
    return best;
  }

  // ─── Clients ───────────────────────────────────────────────────────────────────────────

  private clientStep(ci: number): void {
    const c = this.clients[ci];
    if (c.op !== undefined) {
      if (this.now >= c.deadline) this.giveUp(c);
      return;
    }
    this.startOp(ci, c);
  }

  /** Gives an operation up: a write's outcome is unknown (it may still apply); a read did not happen. */
  private giveUp(c: Client): void {
        const op = c.op!;
        c.op = undefined;
        const node = c.node ? this.nodes.get(c.node) : undefined;
        if (op.kind === "get") {
          const i = this.history.indexOf(op);
          if (i >= 0) this.history.splice(i, 1);
        } else {
          op.ret = Number.POSITIVE_INFINITY;
          op.output = undefined;
        }
        if (node) {
          for (const [k, v] of node.waiting) if (v === op) node.waiting.delete(k);
          for (const [k, v] of node.reads) if (v === op) node.reads.delete(k);
          node.readyReads = node.readyReads.filter((r) => r.op !== op);
        }
        c.leaderHint = "";
  }

  private startOp(ci: number, c: Client): void {
    if (!this.rng.chance(this.r.clientRate)) return;
    const live = [...this.nodes.values()].filter((n) => n.core);
    if (live.length === 0) return;
    const hinted = c.leaderHint ? this.nodes.get(c.leaderHint) : undefined;
    const node = hinted?.core && this.rng.chance(0.8) ? hinted : this.rng.pick(live);
    const core = node.core!;
    const key = this.rng.pick(this.r.keys);
    const kindRoll = this.rng.float();
    const kind = kindRoll < 0.4 ? "get" : kindRoll < 0.8 ? "put" : "cas";
    const id = `c${ci}.${++c.seq}`;
    const value = `${id}`;
    let expect: string | null = null;
    if (kind === "cas") {
      const recent = this.history.filter((o) => o.key === key && o.value !== undefined);
      expect = recent.length > 0 && this.rng.chance(0.7) ? recent[recent.length - 1].value! : null;
    }
    const op: KvOp = { client: ci, key, kind, value: kind === "get" ? undefined : value, expect: kind === "cas" ? expect : undefined, call: ++this.clock, ret: -1 };
    try {
      if (kind === "get") {
        // node.ts's readBarrier asks the lease first; the core's readIndex() also uses it.
        const leased = core.role === "leader" && this.rng.chance(0.5) ? core.readIndexUnderLease() : undefined;
        if (leased !== undefined) {
          node.readyReads.push({ index: leased, op, key });
        } else {
          core.readIndex(id);
          node.reads.set(id, op);
        }
      } else {
        const cmd: KvCommand = kind === "put" ? { id, op: "put", key, value } : { id, op: "cas", key, expect, value };
        core.propose(encodeCommand(cmd));
        node.waiting.set(id, op);
      }
    } catch (e) {
      if (e instanceof ProposalDroppedError || e instanceof ReadIndexDroppedError) {
        // Refused before anything happened: not part of the history.
        c.leaderHint = e.leaderHint;
        this.after(node);
        return;
      }
      throw e;
    }
    this.stats.clientOps++;
    this.history.push(op);
    c.op = op;
    c.node = node.id;
    c.deadline = this.now + CLIENT_OP_TIMEOUT_STEPS;
    this.after(node);
  }

  // ─── Faults ────────────────────────────────────────────────────────────────────────────

  private faults(): void {
    const rng = this.rng;
    const all = [...this.nodes.values()];
    const up = all.filter((n) => n.core);
    if (rng.chance(this.r.crash) && up.length > 0) {
      const n = rng.pick(up);
      this.log(`CRASH ${n.id} (pending ready lost: ${n.pending ? n.pending.entries.length + " entries" : "none"})`);
      n.core = undefined;
      n.pending = undefined;
      this.stats.crashes++;
    }
    for (const n of all) {
      if (!n.core && rng.chance(this.r.restart)) {
        this.start(n);
        this.log(`RESTART ${n.id} term ${n.core!.term} commit ${n.core!.log.committed} last ${n.core!.log.lastIndex()}`);
        this.after(n);
      }
    }
    const unsynced = up.filter((n) => n.core && n.pending && (n.pending.mustSync || n.pending.hardState));
    if (unsynced.length > 0 && rng.chance(this.r.crashUnsynced)) {
      const n = rng.pick(unsynced);
      this.log(`CRASH before sync ${n.id} (lost: ${n.pending!.entries.length} entries, hard state ${JSON.stringify(n.pending!.hardState)})`);
      n.core = undefined;
      n.pending = undefined;
      this.stats.crashes++;
    }
    const lead0 = this.leader();
    if (lead0?.core && lead0.pending && lead0.pending.entries.length > 0 && rng.chance(this.r.crashLeaderUnsynced)) {
      this.log(`CRASH leader before its write ${lead0.id} (lost: ${lead0.pending.entries.length} entries from ${lead0.pending.entries[0].index}, commit ${lead0.core.log.committed})`);
      lead0.core = undefined;
      lead0.pending = undefined;
      this.stats.crashes++;
    }
    if (lead0?.core && rng.chance(this.r.forgetLeader)) this.leaderConnectionsDrop(lead0);
    if (lead0 && rng.chance(this.r.crashLeader)) {
      this.log(`CRASH leader ${lead0.id} (pending ready lost: ${lead0.pending ? lead0.pending.entries.length + " entries" : "none"})`);
      lead0.core = undefined;
      lead0.pending = undefined;
      this.stats.crashes++;
    }
    // Isolating whoever leads now (healing any other partition): leaders cut off right after
    // appending leave competing uncommitted suffixes, the raw material of Figure 8.
    if (lead0?.core && (this.groups === undefined || this.groups.get(lead0.id) === this.groups.get(this.ids.find((id) => id !== lead0.id)!)) && rng.chance(this.r.isolateLeader)) {
      this.groups = new Map(this.ids.map((id) => [id, id === lead0.id ? 1 : 0]));
      this.log(`ISOLATE leader ${lead0.id}`);
    } else if (this.groups === undefined && rng.chance(this.r.partition)) {
      this.groups = new Map();
      if (rng.chance(0.5)) {
        const iso = rng.pick(this.ids);
        for (const id of this.ids) this.groups.set(id, id === iso ? 1 : 0);
      } else {
        for (const id of this.ids) this.groups.set(id, rng.int(2));
      }
      this.log(`PARTITION ${[...this.groups].map(([id, g]) => `${id}:${g}`).join(" ")}`);
    } else if (this.groups !== undefined && rng.chance(this.r.heal)) {
      this.groups = undefined;
      this.log("HEAL");
    }
    const leader = this.leader();
    if (leader && rng.chance(this.r.conf)) this.confChange(leader);
    if (leader && rng.chance(this.r.transfer)) {
      const cs = leader.core!.confState();
      const to = rng.pick(cs.voters);
      try {
        leader.core!.transferLeadership(to);
        this.log(`TRANSFER ${leader.id} -> ${to}`);
      } catch (e) {
        if (!(e instanceof LeaderTransferError)) throw e;
      }
      this.after(leader);
    }
  }

  /**
   * The followers lose their connections to the leader, as node.ts sees it (peer:disconnect):
   * each forgets it, and the first other voter by id campaigns (on lease seeds the core defers
   * that until its lease guard ends). Half the time the leader is really cut off; else it was
   * a blip and it is alive and connected, still answering reads under its lease.
   */
  private leaderConnectionsDrop(leader: SimNode): void {
    const cut = this.rng.chance(0.5);
    if (cut) this.groups = new Map(this.ids.map((id) => [id, id === leader.id ? 1 : 0]));
    this.log(`LEADER CONNECTIONS DROP ${leader.id}${cut ? " (isolated)" : " (blip)"}`);
    const voters = leader.core!.confState().voters.filter((id) => id !== leader.id).sort();
    for (const n of this.nodes.values()) {
      if (!n.core || n === leader || n.core.lead !== leader.id) continue;
      n.core.forgetLeader();
      if (n.id === voters[0]) n.core.campaign();
      this.after(n);
    }
  }

  private confChange(leader: SimNode): void {
    const core = leader.core!;
    const cs = core.confState();
    const members = new Set([...cs.voters, ...cs.learners]);
    const nonMembers = this.ids.filter((id) => !members.has(id));
    const options: (() => { type: "addVoter" | "addLearner" | "removeNode"; nodeId: PeerId } | undefined)[] = [
      () => (nonMembers.length > 0 ? { type: "addLearner", nodeId: this.rng.pick(nonMembers) } : undefined),
      () => (cs.learners.length > 0 && cs.voters.length < 5 ? { type: "addVoter", nodeId: this.rng.pick(cs.learners) } : undefined),
      () => (cs.voters.length > 2 ? { type: "removeNode", nodeId: this.rng.pick(cs.voters) } : undefined),
      () => (cs.learners.length > 0 ? { type: "removeNode", nodeId: this.rng.pick(cs.learners) } : undefined),
      () => (cs.voters.length > 2 && this.rng.chance(0.3) ? { type: "addLearner", nodeId: this.rng.pick(cs.voters) } : undefined),
    ];
    const cc = this.rng.pick(options)();
    if (!cc) return;
    try {
      const pos = core.proposeConfChange(cc);
      this.stats.confChanges++;
      this.log(`CONF ${cc.type} ${cc.nodeId} at ${pos.index} by ${leader.id}`);
    } catch (e) {
      if (!(e instanceof ConfChangeRejectedError || e instanceof ProposalDroppedError)) throw e;
    }
    this.after(leader);
  }

  // ─── The loop ──────────────────────────────────────────────────────────────────────────

  step(): void {
    this.now++;
    const rng = this.rng;
    // Everything due this step, in random order: ticks, deliveries, disk syncs.
    type Ev = { kind: 0; node: SimNode } | { kind: 1; msg: Message } | { kind: 2; node: SimNode };
    const evs: Ev[] = [];
    const leases = (this.coreConfig.leaseTicks ?? 0) > 0;
    for (const n of this.nodes.values()) {
      if (n.core) {
        // A lease assumes bounded clock drift: on lease seeds a clock skips at most one tick in
        // any election timeout (SIM_LEASE_DRIFT_TICKS); elsewhere clocks skip freely.
        const mayskip = !leases || this.now - n.lastTickSkip >= (this.coreConfig.electionTicks ?? 10) / SIM_LEASE_DRIFT_TICKS;
        if (mayskip && rng.chance(this.r.tickSkip)) n.lastTickSkip = this.now;
        else evs.push({ kind: 0, node: n });
      }
      if (n.core && n.pending && n.syncAt <= this.now) evs.push({ kind: 2, node: n });
    }
    const rest: InFlight[] = [];
    for (const f of this.inFlight) {
      if (f.at <= this.now) evs.push({ kind: 1, msg: f.msg });
      else rest.push(f);
    }
    this.inFlight = rest;
    rng.shuffle(evs);
    for (const ev of evs) {
      if (ev.kind === 0) {
        if (!ev.node.core) continue;
        ev.node.core.tick(this.lateRng.chance(this.lateTick));
        this.after(ev.node);
      } else if (ev.kind === 1) {
        this.deliver(ev.msg);
      } else if (ev.node.core && ev.node.pending && ev.node.syncAt <= this.now) {
        this.sync(ev.node);
      }
    }
    for (let c = 0; c < this.clients.length; c++) this.clientStep(c);
    if (this.faultsOn) this.faults();
  }

  /** Runs the seed: faulty phase, then a healed phase that must make progress, then the history check. */
  run(): SimResult {
    for (let i = 0; i < this.opts.steps; i++) this.step();
    // Without pre-vote and check-quorum, a removed server that never learned of its removal
    // can disrupt the cluster forever (dissertation §4.2.3): plain Raft promises no liveness
    // there, so such seeds are checked for safety only.
    const disruptable = !this.coreConfig.preVote && !this.coreConfig.checkQuorum && this.stats.confChanges > 0;
    if (this.opts.liveness !== false && !disruptable) this.heal();
    // Operations still open at the end: writes have unknown outcomes, reads never happened.
    for (const c of this.clients) if (c.op) this.giveUp(c);
    let linearizable: boolean | "unknown" = true;
    if (this.opts.linearizability !== false) {
      const r = checkLinearizable(this.history);
      if (r.ok === false) {
        const lines = r.ops.map((o) => `  c${o.client} ${o.kind}(${o.key}${o.expect !== undefined ? ` expect=${o.expect}` : ""}${o.value !== undefined ? ` value=${o.value}` : ""}) -> ${JSON.stringify(o.output)} [${o.call}, ${o.ret}]`);
        this.fail(`history of key ${r.key} is not linearizable:\n${lines.join("\n")}`);
      }
      linearizable = r.ok;
    }
    let maxCommit = 0;
    for (const n of this.nodes.values()) if (n.core) maxCommit = Math.max(maxCommit, n.core.log.committed);
    return {
      seed: this.opts.seed,
      steps: this.now,
      events: this.events,
      leaderTerms: this.checker.leaderTerms,
      leaseReads: this.checker.leaseReads,
      maxCommit,
      ...this.stats,
      linearizable,
    };
  }

  /** Liveness: with the network healed and every node up, a leader commits a new entry everywhere. */
  private heal(): void {
    this.faultsOn = false;
    this.groups = undefined;
    this.r.drop = 0;
    this.r.dup = 0;
    for (const n of this.nodes.values()) {
      if (!n.core) {
        this.start(n);
        this.after(n);
      }
    }
    this.log("FINAL HEAL");
    let marker: { index: number; term: number; leader: SimNode } | undefined;
    for (let i = 0; i < HEAL_STEPS_MAX; i++) {
      this.step();
      const leader = this.leader();
      if (!leader) continue;
      const core = leader.core!;
      if (!marker || marker.leader !== leader || core.term !== marker.term) {
        try {
          const pos = core.propose(encodeCommand({ id: `final.${i}`, op: "put", key: "__final", value: String(i) }));
          marker = { index: pos.index, term: pos.term, leader };
          this.after(leader);
        } catch (e) {
          if (!(e instanceof ProposalDroppedError)) throw e;
          this.log(`final proposal at ${leader.id} dropped: ${e.reason}`);
        }
        continue;
      }
      const cs = core.confState();
      const done = [...cs.voters, ...cs.learners].every((id) => {
        const n = this.nodes.get(id)!;
        // The same leader in the same term: its entry at marker.index cannot have been replaced.
        return n.kv.appliedIndex >= marker!.index;
      });
      if (done) return;
    }
    const states = [...this.nodes.values()].map((n) => {
      const c = n.core!;
      return `${n.id}: ${c.role} term ${c.term} lead ${c.lead || "-"} commit ${c.log.committed} applied ${n.kv.appliedIndex} last ${c.log.lastIndex()} conf ${JSON.stringify(c.confState())}`;
    });
    const m = marker ? `marker ${marker.index}/${marker.term} at ${marker.leader.id}` : "no marker";
    this.fail(`liveness: no entry committed and applied on every member within ${HEAL_STEPS_MAX} steps of healing (${m})\n${states.join("\n")}`);
  }
}

export function runSeed(opts: SimOptions): SimResult {
  return new Simulation(opts).run();
}
