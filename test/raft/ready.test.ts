// The Ready contract (core.ts header, etcd rawnode): what must be persisted comes with the
// messages that depend on it, mustSync says when an fsync is owed, and the driver may keep
// stepping the core between ready() and advance(). Messages that promise durable state (append
// acks, votes) wait for the write, and so does everything in a Ready that changes term or vote;
// the leader's own appends leave before its write (dissertation §10.2.1), and the leader counts
// its own copy only in advance().
import { describe, expect, it } from "vitest";
import { MESSAGES_AFTER_PERSIST, type Message } from "../../src/raft/types.ts";
import { Solo } from "./network.ts";

const mk = (i: number, term = 1) => ({ index: i, term, type: "normal" as const, data: new Uint8Array([i]) });

/** Leader "a" of a, b, c at term 1 whose first entry every follower acknowledged. */
function establishedLeader(): Solo {
  const s = new Solo("a", ["a", "b", "c"]);
  s.core.campaign();
  s.drain();
  s.step({ type: "voteResp", from: "b", term: 1, reject: false });
  s.step({ type: "appResp", from: "b", term: 1, index: 1, reject: false, rejectHint: 0, logTerm: 0 });
  s.step({ type: "appResp", from: "c", term: 1, index: 1, reject: false, rejectHint: 0, logTerm: 0 });
  return s;
}

describe("Ready / advance", () => {
  it("§3.8: a granted vote comes with the hard state that records it, and leaves only after it is synced", () => {
    const s = new Solo("b", ["a", "b", "c"]);
    s.core.step({ type: "vote", from: "a", to: "b", term: 1, index: 0, logTerm: 0, force: false });
    const rd = s.core.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: "a", commit: 0 });
    expect(rd.mustSync).toBe(true);
    expect(rd.messages).toEqual([]);
    expect(rd.messagesAfterPersist).toMatchObject([{ type: "voteResp", to: "a", reject: false }]);
    s.core.advance(rd);
  });

  it("§5.3: an append ack comes with the entries it acknowledges and waits for them; a commit-only change needs no fsync", () => {
    const s = new Solo("b", ["a", "b"]);
    const e = mk(1);
    s.core.step({ type: "app", from: "a", to: "b", term: 1, index: 0, logTerm: 0, entries: [e], commit: 0 });
    const rd = s.core.ready();
    expect(rd.entries).toEqual([e]);
    expect(rd.messages).toEqual([]);
    expect(rd.messagesAfterPersist).toMatchObject([{ type: "appResp", index: 1 }]);
    expect(rd.mustSync).toBe(true);
    s.storage.append(rd.entries);
    s.storage.setHardState(rd.hardState!);
    s.core.advance(rd);
    s.core.step({ type: "heartbeat", from: "a", to: "b", term: 1, commit: 1, ctx: "" });
    const rd2 = s.core.ready();
    expect(rd2.hardState?.commit).toBe(1);
    expect(rd2.mustSync).toBe(false);
    expect(rd2.committedEntries).toEqual([e]);
    // A heartbeat reply promises nothing about the disk: it may leave at once.
    expect(rd2.messages).toMatchObject([{ type: "heartbeatResp" }]);
    s.core.advance(rd2);
    expect(s.core.log.applied).toBe(1);
  });

  it("MESSAGES_AFTER_PERSIST names exactly the replies that vouch for the disk", () => {
    expect([...MESSAGES_AFTER_PERSIST].sort()).toEqual(["appResp", "preVoteResp", "snapshotResp", "voteResp"]);
  });

  it("§10.2.1: the leader's appends leave before its own write, but it counts its own copy only after advance()", () => {
    const s = establishedLeader();
    expect(s.core.role).toBe("leader");
    const before = s.core.log.committed;
    s.core.propose(new Uint8Array([9]));
    const rd = s.core.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    // The appends carrying entry 2 are in the messages that may leave now.
    expect(rd.messages.filter((m) => m.type === "app").map((m) => (m as Message & { type: "app" }).entries.map((e) => e.index))).toEqual([[2], [2]]);
    // One follower's ack arrives while the leader still writes: 1 durable copy of 3 is no quorum.
    s.core.step({ type: "appResp", from: "b", to: "a", term: 1, index: 2, reject: false, rejectHint: 0, logTerm: 0 });
    expect(s.core.log.committed).toBe(before);
    s.storage.append(rd.entries);
    s.core.advance(rd);
    // Now the leader's copy is durable: two of three.
    expect(s.core.log.committed).toBe(2);
  });

  it("§5.3: two followers' durable copies commit an entry before the leader's own write is done", () => {
    const s = establishedLeader();
    s.core.propose(new Uint8Array([9]));
    const rd = s.core.ready();
    s.core.step({ type: "appResp", from: "b", to: "a", term: 1, index: 2, reject: false, rejectHint: 0, logTerm: 0 });
    s.core.step({ type: "appResp", from: "c", to: "a", term: 1, index: 2, reject: false, rejectHint: 0, logTerm: 0 });
    expect(s.core.log.committed).toBe(2);
    s.storage.append(rd.entries);
    s.core.advance(rd);
  });

  it("§3.8: a candidate's vote requests leave only once its new term and its vote for itself are durable", () => {
    const s = new Solo("a", ["a", "b", "c"]);
    s.core.campaign();
    const rd = s.core.ready();
    expect(rd.hardState).toMatchObject({ term: 1, vote: "a" });
    expect(rd.messages).toEqual([]);
    expect(rd.messagesAfterPersist.map((m) => m.type)).toEqual(["vote", "vote"]);
    s.storage.setHardState(rd.hardState!);
    s.core.advance(rd);
  });

  it("§3.8: nothing leaves in a term a crash could make the node forget, not even a heartbeat reply", () => {
    const s = new Solo("b", ["a", "b", "c"]);
    s.core.step({ type: "heartbeat", from: "a", to: "b", term: 3, commit: 0, ctx: "" });
    const rd = s.core.ready();
    expect(rd.hardState?.term).toBe(3);
    expect(rd.messages).toEqual([]);
    expect(rd.messagesAfterPersist.map((m) => m.type)).toEqual(["heartbeatResp"]);
    s.storage.setHardState(rd.hardState!);
    s.core.advance(rd);
    // In a term already on disk it may leave at once.
    s.core.step({ type: "heartbeat", from: "a", to: "b", term: 3, commit: 0, ctx: "" });
    expect(s.core.ready().messages.map((m) => m.type)).toEqual(["heartbeatResp"]);
  });

  it("a single voter leads at once but commits only through advance(): persist, then count, then apply", () => {
    const s = new Solo("a", ["a"]);
    s.core.campaign();
    expect(s.core.role).toBe("leader");
    s.drain();
    s.core.propose(new Uint8Array([7]));
    const rd = s.core.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    expect(rd.committedEntries).toEqual([]);
    s.storage.append(rd.entries);
    s.core.advance(rd);
    const rd2 = s.core.ready();
    expect(rd2.committedEntries.map((e) => e.index)).toEqual([2]);
    s.core.advance(rd2);
  });

  it("the core may be stepped between ready() and advance(); what it produced comes in the next Ready", () => {
    const s = new Solo("b", ["a", "b"]);
    s.core.step({ type: "app", from: "a", to: "b", term: 1, index: 0, logTerm: 0, entries: [mk(1)], commit: 0 });
    const rd = s.core.ready();
    expect(s.core.hasReady()).toBe(false);
    s.core.step({ type: "app", from: "a", to: "b", term: 1, index: 1, logTerm: 1, entries: [mk(2)], commit: 0 });
    expect(s.core.hasReady()).toBe(false);
    s.storage.append(rd.entries);
    s.core.advance(rd);
    expect(s.core.hasReady()).toBe(true);
    const rd2 = s.core.ready();
    expect(rd2.entries.map((e) => e.index)).toEqual([2]);
    expect(rd2.messagesAfterPersist).toMatchObject([{ type: "appResp", index: 2 }]);
    s.core.advance(rd2);
  });

  it("while a Ready is being written, the leader's heartbeats and a follower's answers to them may leave (takeEarlyMessages); append acks still wait", () => {
    const s = establishedLeader();
    s.core.propose(new Uint8Array([9]));
    const rd = s.core.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    // The write of entry 2 is slow: a heartbeat falls due meanwhile, and need not wait for it.
    s.core.tick();
    const early = s.core.takeEarlyMessages();
    expect(early.map((m) => [m.type, m.to]).sort()).toEqual([["heartbeat", "b"], ["heartbeat", "c"]]);
    expect(s.core.takeEarlyMessages()).toEqual([]);
    s.storage.append(rd.entries);
    s.core.advance(rd);
    // What was taken early is not sent again with the next Ready.
    expect(s.core.ready().messages.filter((m) => m.type === "heartbeat")).toEqual([]);

    const f = new Solo("b", ["a", "b", "c"]);
    f.step({ type: "heartbeat", from: "a", term: 1, commit: 0, ctx: "" });
    f.core.step({ type: "app", from: "a", to: "b", term: 1, index: 0, logTerm: 0, entries: [mk(1)], commit: 0 });
    const frd = f.core.ready();
    expect(frd.messagesAfterPersist).toMatchObject([{ type: "appResp", index: 1 }]);
    f.core.step({ type: "heartbeat", from: "a", to: "b", term: 1, commit: 0, ctx: "" });
    f.core.step({ type: "app", from: "a", to: "b", term: 1, index: 1, logTerm: 1, entries: [mk(2)], commit: 0 });
    // The answer to the heartbeat leaves; the ack of entry 2 waits for its own write, in the next Ready.
    expect(f.core.takeEarlyMessages().map((m) => m.type)).toEqual(["heartbeatResp"]);
    f.storage.append(frd.entries);
    f.core.advance(frd);
    expect(f.core.ready().messagesAfterPersist).toMatchObject([{ type: "appResp", index: 2 }]);
  });

  it("§3.8: nothing is taken early in a term or after a vote that is not durable yet", () => {
    const s = new Solo("b", ["a", "b", "c"]);
    s.core.step({ type: "heartbeat", from: "a", to: "b", term: 3, commit: 0, ctx: "" });
    const rd = s.core.ready();
    expect(rd.hardState?.term).toBe(3);
    // Term 3 is being written: a second heartbeat's answer waits too.
    s.core.step({ type: "heartbeat", from: "a", to: "b", term: 3, commit: 0, ctx: "" });
    expect(s.core.takeEarlyMessages()).toEqual([]);
    s.storage.setHardState(rd.hardState!);
    s.core.advance(rd);
    expect(s.core.ready().messages.map((m) => m.type)).toEqual(["heartbeatResp"]);

    // A candidate's vote requests, made while its new term is being written, wait for it.
    const c = new Solo("a", ["a", "b", "c"]);
    c.core.campaign();
    c.core.ready();
    expect(c.core.takeEarlyMessages()).toEqual([]);
  });

  it("committed entries below the Ready's new entries were stable before it (a driver may apply them first)", () => {
    const s = new Solo("b", ["a", "b"]);
    s.step({ type: "app", from: "a", term: 1, index: 0, logTerm: 0, entries: [mk(1)], commit: 0 });
    s.core.step({ type: "app", from: "a", to: "b", term: 1, index: 1, logTerm: 1, entries: [mk(2)], commit: 1 });
    const rd = s.core.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1]);
    expect(s.storage.lastIndex()).toBe(1);
    s.storage.append(rd.entries);
    s.core.advance(rd);
  });

  it("softState reports role and leader changes once", () => {
    const s = new Solo("a", ["a"]);
    s.core.campaign();
    const rd = s.core.ready();
    expect(rd.softState).toEqual({ lead: "a", role: "leader" });
    s.storage.append(rd.entries);
    s.core.advance(rd);
    if (s.core.hasReady()) expect(s.core.ready().softState).toBeUndefined();
  });
});
