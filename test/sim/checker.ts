// The Raft safety properties (Raft paper Figure 3), checked after every simulator step on the
// node the step touched (the others did not change, so this equals checking every node):
//   Election Safety       at most one leader per term, over the whole run;
//   Leader Append-Only    a leader never overwrites or deletes entries in its log;
//   Log Matching          two logs with an entry of the same index and term agree up to it;
//   Leader Completeness   an entry committed in some term is in the log of every later leader;
//   State Machine Safety  no two servers apply different entries at one index.
import type { RaftCore } from "../../src/raft/core.ts";
import type { Entry, PeerId } from "../../src/raft/types.ts";

export class SafetyViolation extends Error {
  override name = "SafetyViolation";
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameEntry(a: Entry, b: Entry): boolean {
  return a === b || (a.index === b.index && a.term === b.term && a.type === b.type && bytesEqual(a.data, b.data));
}

interface SeenEntry {
  readonly entry: Entry;
  readonly prevTerm: number;
}

export class SafetyChecker {
  /** term -> the leader elected in it (Election Safety, all time). */
  private readonly leaders = new Map<number, PeerId>();
  /** (index, term) -> the entry and its predecessor's term, as first seen in any log. */
  private readonly seen = new Map<number, Map<number, SeenEntry>>();
  /** index -> entry known committed somewhere. */
  private readonly committed = new Map<number, Entry>();
  /** index -> entry applied somewhere. */
  private readonly applied = new Map<number, Entry>();
  /** index -> canonical snapshot bytes taken at that index somewhere. */
  private readonly snapshots = new Map<number, Uint8Array>();
  /** Per node incarnation: last (index, term) seen while leader of a term; entries checked. */
  private readonly leaderTail = new Map<string, { term: number; index: number; entryTerm: number }>();
  private readonly verified = new Map<string, { first: number; ents: Entry[] }>();
  private readonly commitSeen = new Map<string, number>();
  checks = 0;

  constructor(private readonly seed: number) {}

  private fail(what: string): never {
    throw new SafetyViolation(`seed=${this.seed}: ${what}`);
  }

  /** Checks one node after a step. `inc` distinguishes incarnations across crashes. */
  check(core: RaftCore, inc: string): void {
    this.checks++;
    const log = core.log;
    const first = log.firstIndex();
    const last = log.lastIndex();
    const ents = last >= first ? log.slice(first, last + 1, Number.MAX_SAFE_INTEGER) : [];

    // Log Matching, inductively: every (index, term) pins one entry and its predecessor's term.
    const cache = this.verified.get(inc) ?? { first, ents: [] };
    const nextCache: Entry[] = new Array(ents.length);
    let prevTerm = log.term(first - 1);
    let prevEntry: Entry | undefined;
    for (let k = 0; k < ents.length; k++) {
      const e = ents[k];
      nextCache[k] = e;
      const cached = cache.ents[e.index - cache.first];
      const cachedPrev = k > 0 ? cache.ents[e.index - cache.first - 1] : undefined;
      if (!(cached === e && (k === 0 || cachedPrev === prevEntry))) {
        let byTerm = this.seen.get(e.index);
        if (!byTerm) this.seen.set(e.index, (byTerm = new Map()));
        const s = byTerm.get(e.term);
        if (!s) byTerm.set(e.term, { entry: e, prevTerm });
        else {
          if (!sameEntry(s.entry, e)) this.fail(`Log Matching: ${core.id} holds a different entry at index ${e.index} term ${e.term}`);
          if (s.prevTerm !== prevTerm) {
            this.fail(`Log Matching: ${core.id} has term ${prevTerm} before (${e.index}, ${e.term}); another log has ${s.prevTerm}`);
          }
        }
      }
      prevTerm = e.term;
      prevEntry = e;
    }
    this.verified.set(inc, { first, ents: nextCache });

    // Committed entries: one per index, ever.
    const commit = log.committed;
    const seenCommit = this.commitSeen.get(inc) ?? first - 1;
    if (commit < seenCommit) this.fail(`commit of ${core.id} went back from ${seenCommit} to ${commit}`);
    for (let i = Math.max(seenCommit + 1, first); i <= commit; i++) {
      const e = ents[i - first];
      const known = this.committed.get(i);
      if (!known) this.committed.set(i, e);
      else if (!sameEntry(known, e)) this.fail(`committed entry ${i} of ${core.id} (term ${e.term}) differs from one committed before (term ${known.term})`);
    }
    this.commitSeen.set(inc, commit);

    if (core.role === "leader") {
      const term = core.term;
      const prior = this.leaders.get(term);
      if (prior === undefined) {
        this.leaders.set(term, core.id);
        // Leader Completeness: every entry known committed so far is in the new leader's log.
        for (const [i, e] of this.committed) {
          if (i < first) continue;
          if (i > last) this.fail(`Leader Completeness: leader ${core.id} of term ${term} lacks committed entry ${i}`);
          if (!sameEntry(ents[i - first], e)) this.fail(`Leader Completeness: leader ${core.id} of term ${term} has a different entry at committed index ${i}`);
        }
      } else if (prior !== core.id) {
        this.fail(`Election Safety: ${prior} and ${core.id} are both leaders of term ${term}`);
      }
      const key = `${inc}@${term}`;
      const tail = this.leaderTail.get(key);
      if (tail && tail.index >= first - 1) {
        if (last < tail.index) this.fail(`Leader Append-Only: leader ${core.id} log shrank from ${tail.index} to ${last}`);
        if (log.term(tail.index) !== tail.entryTerm) this.fail(`Leader Append-Only: leader ${core.id} rewrote entry ${tail.index}`);
      }
      this.leaderTail.set(key, { term, index: last, entryTerm: log.term(last) });
    }
  }

  /** State Machine Safety: called for each entry a node applies. */
  applied_(id: PeerId, e: Entry): void {
    const known = this.applied.get(e.index);
    if (!known) this.applied.set(e.index, e);
    else if (!sameEntry(known, e)) this.fail(`State Machine Safety: ${id} applied term ${e.term} at index ${e.index}, another node applied term ${known.term}`);
  }

  /** Two snapshots of the state machine at one index must be equal. */
  snapshotTaken(id: PeerId, index: number, data: Uint8Array): void {
    const known = this.snapshots.get(index);
    if (!known) this.snapshots.set(index, data);
    else if (!bytesEqual(known, data)) this.fail(`State Machine Safety: ${id}'s snapshot at ${index} differs from another node's`);
  }

  get leaderTerms(): number {
    return this.leaders.size;
  }
}
