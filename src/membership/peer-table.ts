// The peer table and its failure detector: what every later role reads to know who is in
// the cluster. Pure and clock-free: time comes in as an argument, so tests drive it exactly.
import type { Heartbeat } from "./heartbeat.ts";
import { assert } from "../util/assert.ts";
import { PEERS_LISTED_MAX } from "../protocol/limits.ts";
import type { PeerState } from "../protocol/views.ts";

export interface FailureDetectorConfig {
  /** No heartbeat for this long: the peer is suspect (still used, but not trusted with new work). */
  suspectAfterMs: number;
  /** No heartbeat for this long: the peer is dead, and its replicas and tasks are lost. */
  deadAfterMs: number;
  /** A dead peer is forgotten after this long, which bounds the table. */
  forgetAfterMs: number;
}

export const FAILURE_DETECTOR_DEFAULTS: FailureDetectorConfig = {
  suspectAfterMs: 3_000,
  deadAfterMs: 10_000,
  forgetAfterMs: 60 * 60 * 1000,
};

export interface PeerRecord {
  readonly id: string;
  heartbeat: Heartbeat;
  state: PeerState;
  /** Local clock time the last heartbeat arrived. */
  lastSeenMs: number;
  /** Local clock time the state last changed. */
  stateSinceMs: number;
  isSelf: boolean;
}

export interface PeerChange {
  id: string;
  from: PeerState | "unknown";
  to: PeerState | "forgotten";
  record: PeerRecord;
}

export class PeerTableFullError extends Error {
  override name = "PeerTableFullError";
}

export function validateFailureDetectorConfig(config: FailureDetectorConfig, heartbeatIntervalMs: number): void {
  const problems: string[] = [];
  if (!(heartbeatIntervalMs > 0)) problems.push("the heartbeat interval must be positive");
  if (!(config.suspectAfterMs > heartbeatIntervalMs)) problems.push("the suspect timeout must be longer than the heartbeat interval");
  if (!(config.deadAfterMs > config.suspectAfterMs)) problems.push("the dead timeout must be longer than the suspect timeout");
  if (!(config.forgetAfterMs > config.deadAfterMs)) problems.push("the forget timeout must be longer than the dead timeout");
  if (problems.length > 0) throw new RangeError(problems.join("; "));
}

export class PeerTable {
  private readonly records = new Map<string, PeerRecord>();

  constructor(
    readonly selfId: string,
    private readonly config: FailureDetectorConfig = FAILURE_DETECTOR_DEFAULTS,
  ) {}

  get size(): number {
    return this.records.size;
  }

  get(id: string): PeerRecord | undefined {
    return this.records.get(id);
  }

  /** Every known peer, this one included, ordered by id so listings are stable. */
  list(): PeerRecord[] {
    return [...this.records.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  inState(state: PeerState): PeerRecord[] {
    return this.list().filter((record) => record.state === state);
  }

  /**
   * Takes in a heartbeat (the peer's own, or one heard by gossip). Returns the state change it
   * caused, if any. Stale heartbeats (older incarnation or sequence) are ignored.
   */
  observe(heartbeat: Heartbeat, nowMs: number): PeerChange | undefined {
    const id = heartbeat.peerId;
    const existing = this.records.get(id);
    if (!existing) {
      if (this.records.size >= PEERS_LISTED_MAX) throw new PeerTableFullError(`the peer table holds ${PEERS_LISTED_MAX} peers already`);
      const record: PeerRecord = { id, heartbeat, state: "alive", lastSeenMs: nowMs, stateSinceMs: nowMs, isSelf: id === this.selfId };
      this.records.set(id, record);
      return { id, from: "unknown", to: "alive", record };
    }
    if (!isNewer(heartbeat, existing.heartbeat)) return undefined;
    existing.heartbeat = heartbeat;
    existing.lastSeenMs = nowMs;
    if (existing.state === "alive") return undefined;
    const from = existing.state;
    existing.state = "alive";
    existing.stateSinceMs = nowMs;
    return { id, from, to: "alive", record: existing };
  }

  /**
   * Credits every peer with `pauseMs` of silence: the time this peer itself could not listen
   * (a stall of its own), which says nothing about the others.
   */
  forgive(pauseMs: number): void {
    if (!(pauseMs > 0)) return;
    for (const record of this.records.values()) if (!record.isSelf) record.lastSeenMs += pauseMs;
  }

  /** Advances the failure detector to `nowMs`; returns every state change, in id order. */
  tick(nowMs: number): PeerChange[] {
    const changes: PeerChange[] = [];
    for (const record of this.list()) {
      if (record.isSelf) continue;
      const silentMs = nowMs - record.lastSeenMs;
      let next: PeerState | "forgotten" = record.state;
      if (silentMs >= this.config.forgetAfterMs) next = "forgotten";
      else if (silentMs >= this.config.deadAfterMs) next = "dead";
      else if (silentMs >= this.config.suspectAfterMs) next = record.state === "dead" ? "dead" : "suspect";
      if (next === record.state) continue;
      const from = record.state;
      if (next === "forgotten") {
        this.records.delete(record.id);
      } else {
        record.state = next;
        record.stateSinceMs = nowMs;
      }
      changes.push({ id: record.id, from, to: next, record });
    }
    return changes;
  }
}

/** Whether heartbeat `a` is newer than `b` from the same peer: later incarnation, then sequence. */
export function isNewer(a: Heartbeat, b: Heartbeat): boolean {
  assert(a.peerId === b.peerId, "heartbeats of two peers compared");
  if (a.incarnation !== b.incarnation) return a.incarnation > b.incarnation;
  return a.sequence > b.sequence;
}
