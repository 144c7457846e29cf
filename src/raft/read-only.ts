// ReadIndex bookkeeping on the leader (Raft dissertation §6.4, etcd read_only.go): each read
// records the commit index when it arrived, then waits for a quorum of heartbeat replies
// carrying its ctx, which proves the leader was still the leader after the read arrived.
import { assert } from "../util/assert.ts";
import type { PeerId } from "./types.ts";

export interface ReadRequest {
  readonly ctx: string;
  /** The leader's commit index when the read arrived: the read may be served at or after it. */
  readonly index: number;
  /** Who asked: the leader itself, or a follower that forwarded the read. */
  readonly from: PeerId;
  readonly acks: Set<PeerId>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadRequest>();
  /** ctxs in arrival order: a quorum for a later ctx confirms every earlier one too. */
  private queue: string[] = [];

  constructor(
    /** Reads waiting for their heartbeat round at most; more are refused. */
    readonly maxPending: number,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  has(ctx: string): boolean {
    return this.pending.has(ctx);
  }

  add(index: number, ctx: string, from: PeerId): void {
    assert(!this.pending.has(ctx), `read ctx ${ctx} already pending`);
    assert(this.queue.length < this.maxPending, "read-only queue over its bound");
    this.pending.set(ctx, { ctx, index, from, acks: new Set() });
    this.queue.push(ctx);
  }

  /** Records that `id` acknowledged the heartbeat for ctx; returns the acks so far. */
  recvAck(id: PeerId, ctx: string): Set<PeerId> | undefined {
    const rs = this.pending.get(ctx);
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns every read up to and including ctx. */
  advance(ctx: string): ReadRequest[] {
    const i = this.queue.indexOf(ctx);
    if (i < 0) return [];
    const done = this.queue.slice(0, i + 1).map((c) => {
      const rs = this.pending.get(c);
      assert(rs !== undefined, `read ctx ${c} queued but not pending`);
      this.pending.delete(c);
      return rs;
    });
    this.queue = this.queue.slice(i + 1);
    return done;
  }

  lastPendingCtx(): string {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1] : "";
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
