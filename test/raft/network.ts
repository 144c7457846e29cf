// An in-process network of RaftCores for scenario tests, after etcd raft_test.go's `network`:
// every node persists each Ready at once into its MemoryStorage, messages are delivered
// synchronously until the cluster is quiet, and links can be cut, isolated and recovered.
import { RaftCore, type RaftConfig } from "../../src/raft/core.ts";
import { RaftError } from "../../src/raft/errors.ts";
import { MemoryStorage } from "../../src/raft/storage.ts";
import type { ConfState, Entry, Message, MessageType, PeerId, ReadState, Ready } from "../../src/raft/types.ts";
import { mulberry32 } from "../sim/prng.ts";

/** Delivery rounds stabilize() runs at most: a livelock fails the test instead of hanging. */
const STABILIZE_ROUNDS_MAX = 10_000;

export interface TestNode {
  id: PeerId;
  core: RaftCore;
  storage: MemoryStorage;
  applied: Entry[];
  readStates: ReadState[];
  logs: string[];
}

export interface NetworkOptions {
  electionTicks?: number;
  heartbeatTicks?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  seed?: number;
  /** Configuration every node starts with (default: all ids as voters). */
  confState?: ConfState;
  extra?: Partial<RaftConfig>;
}

export class Network {
  readonly nodes = new Map<PeerId, TestNode>();
  private readonly cut = new Set<string>();
  private readonly ignored = new Set<MessageType>();
  /** Messages sent so far (for assertions on traffic). */
  readonly sent: Message[] = [];
  /** Typed errors thrown by step() on delivery. */
  readonly stepErrors: RaftError[] = [];
  /** Optional filter: return false to drop a message. */
  filter: ((m: Message) => boolean) | undefined;
  private readonly rand: () => number;

  constructor(
    ids: PeerId[],
    readonly opts: NetworkOptions = {},
  ) {
    this.rand = mulberry32(opts.seed ?? 1);
    const cs = opts.confState ?? { voters: ids, learners: [] };
    for (const id of ids) this.add(id, new MemoryStorage(cs));
  }

  /** Adds a node (e.g. a new server with an empty configuration). */
  add(id: PeerId, storage: MemoryStorage = new MemoryStorage()): TestNode {
    const logs: string[] = [];
    const core = new RaftCore({
      id,
      storage,
      rand: (n) => Math.floor(this.rand() * n),
      electionTicks: this.opts.electionTicks ?? 10,
      heartbeatTicks: this.opts.heartbeatTicks ?? 1,
      preVote: this.opts.preVote ?? false,
      checkQuorum: this.opts.checkQuorum ?? false,
      logger: (level, text) => logs.push(`${level}: ${text}`),
      ...this.opts.extra,
    });
    const node: TestNode = { id, core, storage, applied: [], readStates: [], logs };
    this.nodes.set(id, node);
    return node;
  }

  /** Simulates a crash and restart: a new core from what storage holds. */
  restart(id: PeerId): TestNode {
    const old = this.node(id);
    const node = this.add(id, old.storage);
    node.applied = old.applied;
    return node;
  }

  node(id: PeerId): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  core(id: PeerId): RaftCore {
    return this.node(id).core;
  }

  cutLink(a: PeerId, b: PeerId): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  isolate(id: PeerId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other);
  }

  recover(): void {
    this.cut.clear();
    this.ignored.clear();
  }

  ignore(type: MessageType): void {
    this.ignored.add(type);
  }

  /**
   * Persists, sends and applies one Ready of a node; returns the messages it released (those
   * that may leave before the write, then those that wait for it: here the write is instant).
   */
  processReady(id: PeerId): Message[] {
    const n = this.node(id);
    if (!n.core.hasReady()) return [];
    const rd: Ready = n.core.ready();
    if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    for (const e of rd.committedEntries) n.applied.push(e);
    for (const r of rd.readStates) n.readStates.push(r);
    n.core.advance(rd);
    return [...rd.messages, ...rd.messagesAfterPersist];
  }

  /** Delivers messages (and everything they cause) until no node has anything to do. */
  stabilize(initial: Message[] = []): void {
    let queue = initial;
    for (let round = 0; round < STABILIZE_ROUNDS_MAX; round++) {
      // advance() may itself produce work (a candidate counting its durable vote becomes
      // leader; a leader counting its durable entries commits): quiet means no Ready either.
      let busy = false;
      for (const node of this.nodes.values()) {
        if (!node.core.hasReady()) continue;
        busy = true;
        queue.push(...this.processReady(node.id));
      }
      if (queue.length === 0 && !busy) return;
      const batch = queue;
      queue = [];
      for (const m of batch) this.deliver(m);
    }
    throw new Error("network did not stabilize");
  }

  deliver(m: Message): void {
    this.sent.push(m);
    if (this.cut.has(`${m.from}>${m.to}`) || this.ignored.has(m.type)) return;
    if (this.filter && !this.filter(m)) return;
    const to = this.nodes.get(m.to);
    if (!to) return;
    try {
      to.core.step(m);
    } catch (e) {
      if (e instanceof RaftError) this.stepErrors.push(e);
      else throw e;
    }
  }

  /** Ticks a node n times, stabilizing after each tick. */
  tick(id: PeerId, n = 1): void {
    for (let i = 0; i < n; i++) {
      this.core(id).tick();
      this.stabilize();
    }
  }

  /** Ticks every node n times. */
  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.core.tick();
      this.stabilize();
    }
  }

  campaign(id: PeerId): void {
    this.core(id).campaign();
    this.stabilize();
  }

  propose(id: PeerId, text: string): void {
    this.core(id).propose(new TextEncoder().encode(text));
    this.stabilize();
  }

  leader(): PeerId | undefined {
    let best: RaftCore | undefined;
    for (const n of this.nodes.values()) if (n.core.role === "leader" && (!best || n.core.term > best.term)) best = n.core;
    return best?.id;
  }

  /** The data of node's applied normal entries, as text (empty no-ops left out). */
  appliedText(id: PeerId): string[] {
    const dec = new TextDecoder();
    return this.node(id).applied.filter((e) => e.type === "normal" && e.data.byteLength > 0).map((e) => dec.decode(e.data));
  }
}

export const enc = (s: string) => new TextEncoder().encode(s);

/** Builds a log of entries with the given terms at indexes 1..n. */
export function entriesOfTerms(terms: number[], startIndex = 1): Entry[] {
  return terms.map((term, i) => ({ index: startIndex + i, term, type: "normal" as const, data: enc(`t${term}i${startIndex + i}`) }));
}

/** A message as a test writes it: `to` defaults to the receiving core. */
export type Incoming = Message extends infer M ? (M extends Message ? Omit<M, "to"> & { to?: PeerId } : never) : never;

export type SoloOptions = Partial<RaftConfig> & { entries?: Entry[]; term?: number; vote?: PeerId; commit?: number; learners?: PeerId[] };

/** A lone core for message-level tests: persists its Readys into `storage` and collects output. */
export class Solo {
  readonly storage: MemoryStorage;
  readonly core: RaftCore;
  readonly logs: string[] = [];
  applied: Entry[] = [];
  readStates: ReadState[] = [];

  constructor(id: PeerId, voters: PeerId[], opts: SoloOptions = {}) {
    this.storage = new MemoryStorage({ voters, learners: opts.learners ?? [] });
    if (opts.entries) this.storage.append(opts.entries);
    this.storage.setHardState({ term: opts.term ?? 0, vote: opts.vote ?? "", commit: opts.commit ?? 0 });
    const rand = mulberry32(7);
    this.core = new RaftCore({
      id,
      storage: this.storage,
      rand: (n) => Math.floor(rand() * n),
      electionTicks: 10,
      heartbeatTicks: 1,
      preVote: false,
      checkQuorum: false,
      logger: (level, text) => this.logs.push(`${level}: ${text}`),
      ...opts,
    });
  }

  /** Processes every Ready; returns the messages released. */
  drain(): Message[] {
    const out: Message[] = [];
    for (let i = 0; i < 100 && this.core.hasReady(); i++) {
      const rd = this.core.ready();
      if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
      this.storage.append(rd.entries);
      if (rd.hardState) this.storage.setHardState(rd.hardState);
      out.push(...rd.messages, ...rd.messagesAfterPersist);
      this.applied.push(...rd.committedEntries);
      this.readStates.push(...rd.readStates);
      this.core.advance(rd);
    }
    return out;
  }

  step(m: Incoming): Message[] {
    this.core.step({ to: this.core.id, ...m } as Message);
    return this.drain();
  }
}

export function terms(core: RaftCore): number[] {
  const log = core.log;
  const out: number[] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i));
  return out;
}
