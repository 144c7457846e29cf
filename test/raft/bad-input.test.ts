// Garbage in, typed error out, state untouched (DESIGN.md: "every decoder bounds sizes and
// rejects what it does not understand with a typed error"), and every bound holds (STYLE §5).
import { describe, expect, it } from "vitest";
import {
  EntryTooLargeError,
  InvalidMessageError,
  MisroutedMessageError,
  NotAMemberError,
  ProposalDroppedError,
  RaftConfigError,
  UnknownMessageTypeError,
} from "../../src/raft/errors.ts";
import { RaftCore } from "../../src/raft/core.ts";
import { MemoryStorage } from "../../src/raft/storage.ts";
import type { Message } from "../../src/raft/types.ts";
import { Network, Solo, entriesOfTerms } from "./network.ts";

function snapshotOf(core: RaftCore) {
  const st = core.status();
  return { term: st.term, vote: st.vote, lead: st.lead, role: st.role, commit: st.commit, last: st.lastIndex, conf: st.confState };
}

describe("bad input is rejected with typed errors and never corrupts state", () => {
  const bad: [string, unknown, new (...a: never[]) => Error][] = [
    ["an unknown message type", { type: "frobnicate", from: "a", to: "b", term: 9 }, UnknownMessageTypeError],
    ["a missing type", { from: "a", to: "b", term: 9 }, UnknownMessageTypeError],
    ["a negative term", { type: "heartbeat", from: "a", to: "b", term: -1, commit: 0, ctx: "" }, InvalidMessageError],
    ["a fractional index", { type: "app", from: "a", to: "b", term: 3, index: 1.5, logTerm: 1, entries: [], commit: 0 }, InvalidMessageError],
    [
      "entries out of sequence",
      { type: "app", from: "a", to: "b", term: 3, index: 2, logTerm: 1, entries: entriesOfTerms([1], 5), commit: 0 },
      InvalidMessageError,
    ],
    [
      "an entry of a term above the message's",
      { type: "app", from: "a", to: "b", term: 3, index: 2, logTerm: 1, entries: entriesOfTerms([4], 3), commit: 0 },
      InvalidMessageError,
    ],
    [
      "an entry with a non-byte payload",
      { type: "app", from: "a", to: "b", term: 3, index: 2, logTerm: 1, entries: [{ index: 3, term: 3, type: "normal", data: "x" }], commit: 0 },
      InvalidMessageError,
    ],
    [
      "a malformed conf entry",
      { type: "app", from: "a", to: "b", term: 3, index: 2, logTerm: 1, entries: [{ index: 3, term: 3, type: "conf", data: new Uint8Array([1, 2]) }], commit: 0 },
      InvalidMessageError,
    ],
    ["a message for another peer", { type: "heartbeat", from: "a", to: "zz", term: 9, commit: 0, ctx: "" }, MisroutedMessageError],
    ["a reply from a non-member", { type: "appResp", from: "zz", to: "b", term: 9, index: 1, reject: false, rejectHint: 0, logTerm: 0 }, NotAMemberError],
    ["an oversize snapshot piece", { type: "snapshot", from: "a", to: "b", term: 3, meta: { index: 5, term: 1, confState: { voters: ["a"], learners: [] } }, offset: 0, data: new Uint8Array(17 * 1024 * 1024), done: false }, InvalidMessageError],
    ["a read ctx over the bound", { type: "readIndex", from: "a", to: "b", term: 2, ctx: "x".repeat(300) }, InvalidMessageError],
    ["a null", null, InvalidMessageError],
    ["a heartbeat committing past our log", { type: "heartbeat", from: "a", to: "b", term: 9, commit: 50, ctx: "" }, InvalidMessageError],
    ["a message from itself", { type: "heartbeat", from: "b", to: "b", term: 9, commit: 0, ctx: "" }, InvalidMessageError],
    ["a vote whose last log term is above its term", { type: "vote", from: "a", to: "b", term: 3, index: 9, logTerm: 4, force: false }, InvalidMessageError],
  ];
  for (const [what, msg, err] of bad) {
    it(`step() of ${what} throws ${err.name}`, () => {
      const s = new Solo("b", ["a", "b", "c"], { entries: entriesOfTerms([1, 2]), term: 2, commit: 1 });
      s.drain();
      const before = snapshotOf(s.core);
      expect(() => s.core.step(msg as Message)).toThrow(err);
      expect(snapshotOf(s.core)).toEqual(before);
      expect(s.core.hasReady()).toBe(false);
    });
  }

  it("propose() refuses a payload over maxEntryBytes with EntryTooLargeError", () => {
    const net = new Network(["a"], { extra: { maxEntryBytes: 1024 } });
    net.campaign("a");
    const last = net.core("a").log.lastIndex();
    expect(() => net.core("a").propose(new Uint8Array(1025))).toThrow(EntryTooLargeError);
    expect(net.core("a").log.lastIndex()).toBe(last);
    expect(() => net.core("a").propose(new Uint8Array(1024))).not.toThrow();
  });

  it("propose() on a follower throws ProposalDroppedError with the leader hint", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    let err: unknown;
    try {
      net.core("b").propose(new Uint8Array([1]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProposalDroppedError);
    expect((err as ProposalDroppedError).leaderHint).toBe("a");
    expect((err as ProposalDroppedError).code).toBe("RAFT_PROPOSAL_DROPPED");
  });

  it("bound: the leader drops proposals past maxUncommittedEntriesBytes", () => {
    const net = new Network(["a", "b", "c"], { extra: { maxUncommittedEntriesBytes: 1000 } });
    net.campaign("a");
    net.isolate("a");
    for (let i = 0; i < 4; i++) net.core("a").propose(new Uint8Array(250));
    expect(() => net.core("a").propose(new Uint8Array(250))).toThrow(/uncommitted-limit/);
  });

  it("bound: outgoing messages past maxPendingMessages are dropped and counted", () => {
    const s = new Solo("a", ["a", "b", "c"], { maxPendingMessages: 4 });
    s.core.campaign();
    s.step({ type: "voteResp", from: "b", term: 1, reject: false });
    for (let i = 0; i < 10; i++) s.core.tick();
    const rd = s.core.ready();
    expect(rd.messages.length).toBe(4);
    expect(s.core.stats.droppedOutgoingMessages).toBeGreaterThan(0);
  });

  it("config is validated with a clear message", () => {
    const base = { id: "a", storage: new MemoryStorage({ voters: ["a"], learners: [] }), rand: () => 0 };
    expect(() => new RaftCore({ ...base, electionTicks: 2, heartbeatTicks: 2 })).toThrow(RaftConfigError);
    expect(() => new RaftCore({ ...base, electionTicks: 10, heartbeatTicks: 1, maxInflightMsgs: 0 })).toThrow(/maxInflightMsgs/);
    expect(() => new RaftCore({ ...base, electionTicks: 10, heartbeatTicks: 1, snapshotChunkBytes: 1 << 30 })).toThrow(/snapshotChunkBytes/);
    expect(() => new RaftCore({ ...base, id: "", electionTicks: 10, heartbeatTicks: 1 })).toThrow(/id/);
    expect(() => new RaftCore({ ...base, electionTicks: 10, heartbeatTicks: 1, applied: 5 })).toThrow(/applied/);
  });

  it("ready() twice without advance() is a broken contract (AssertionError)", () => {
    const s = new Solo("a", ["a"]);
    s.core.campaign();
    s.core.ready();
    expect(s.core.hasReady()).toBe(false);
    expect(() => s.core.ready()).toThrow(/advance/);
  });
});
