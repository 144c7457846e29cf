// The leader's view of one follower (etcd tracker/progress.go, inflights.go): how far its log
// matches, what to send next, and the flow-control state:
//   probe     — we do not know where the logs agree: one append per heartbeat interval;
//   replicate — the logs agree up to `match`: pipeline appends, up to the inflight window;
//   snapshot  — the entries it needs are compacted: stream the snapshot in pieces.
import { assert } from "../util/assert.ts";
import type { Snapshot } from "./types.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** A ring of the last index of each append message in flight, bounded by `capacity`. */
export class Inflights {
  private readonly buf: number[];
  private start = 0;
  count = 0;

  constructor(readonly capacity: number) {
    assert(capacity > 0, "inflights capacity must be positive");
    this.buf = new Array<number>(capacity).fill(0);
  }

  add(lastIndex: number): void {
    assert(!this.full(), "inflights: add to a full window");
    this.buf[(this.start + this.count) % this.capacity] = lastIndex;
    this.count++;
  }

  /** Frees every message whose last index is <= `to` (acknowledged). */
  freeLE(to: number): void {
    while (this.count > 0 && this.buf[this.start] <= to) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  /** Frees the oldest message (a heartbeat reply proves the follower alive; see core.ts). */
  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.buf[this.start]);
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}

/** Where a snapshot transfer to this follower stands (state "snapshot" only). */
export interface SnapshotTransfer {
  readonly snapshot: Snapshot;
  /** Next byte offset to send. */
  sentOffset: number;
  /** The piece ending the snapshot went out (and nothing was re-requested since). */
  doneSent: boolean;
  /** Bytes the follower confirmed holding. */
  ackedOffset: number;
  /** Offset of the last go-back on a rejection (-1: none); damps duplicate rejections. */
  resentFrom: number;
  /** Ticks since the follower last acknowledged a piece; a stall restarts from ackedOffset. */
  stallTicks: number;
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** Probe state: an append is out; send no other until a reply or a heartbeat reply. */
  probeSent = false;
  /** Set by any message from the follower; check-quorum reads and clears it every election timeout. */
  recentActive = false;
  /** Lease round (the leader's send tick) of the newest heartbeat this follower answered; -1: none this term. */
  leaseRound = -1;
  readonly inflights: Inflights;
  transfer: SnapshotTransfer | undefined = undefined;

  constructor(
    next: number,
    maxInflightMsgs: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.transfer = undefined;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // Coming back from a snapshot: the follower holds at least the snapshot's index.
    const snapIndex = this.transfer?.snapshot.meta.index ?? 0;
    if (this.state === "snapshot") {
      this.resetState("probe");
      this.next = Math.max(this.match + 1, snapIndex + 1);
    } else {
      this.resetState("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshot: Snapshot): void {
    this.resetState("snapshot");
    this.transfer = { snapshot, sentOffset: 0, doneSent: false, ackedOffset: 0, resentFrom: -1, stallTicks: 0 };
  }

  /** An append was acknowledged up to n. Returns false when the ack is stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** An append with entries up to `lastIndex` was sent. */
  sentEntries(lastIndex: number, entryCount: number): void {
    if (this.state === "replicate") {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    } else {
      assert(false, `sending entries in state ${this.state}`);
    }
  }

  /**
   * An append at prev index `rejected` was refused; `matchHint` is where the follower thinks
   * the logs may agree. Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      // Pipelined appends: a rejection at or below match is a stale reply to an old message.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // Probe: only the reply to the probe that is out counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}
