// The Ready contract (core.ts header, etcd rawnode): what must be persisted comes with the
// messages that depend on it, mustSync says when an fsync is owed, and the driver may keep
// stepping the core between ready() and advance().
import { describe, expect, it } from "vitest";
import { Solo } from "./network.ts";

describe("Ready / advance", () => {
  it("a granted vote comes with the hard state that records it, and must be synced before it is sent", () => {
    const s = new Solo("b", ["a", "b", "c"]);
    s.core.step({ type: "vote", from: "a", to: "b", term: 1, index: 0, logTerm: 0, force: false });
    const rd = s.core.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: "a", commit: 0 });
    expect(rd.mustSync).toBe(true);
    expect(rd.messages).toMatchObject([{ type: "voteResp", to: "a", reject: false }]);
    s.core.advance(rd);
  });

  it("an append ack comes with the entries it acknowledges; a commit-only change needs no fsync", () => {
    const s = new Solo("b", ["a", "b"]);
    const e = { index: 1, term: 1, type: "normal" as const, data: new Uint8Array([1]) };
    s.core.step({ type: "app", from: "a", to: "b", term: 1, index: 0, logTerm: 0, entries: [e], commit: 0 });
    const rd = s.core.ready();
    expect(rd.entries).toEqual([e]);
    expect(rd.messages).toMatchObject([{ type: "appResp", index: 1 }]);
    expect(rd.mustSync).toBe(true);
    s.storage.append(rd.entries);
    s.storage.setHardState(rd.hardState!);
    s.core.advance(rd);
    s.core.step({ type: "heartbeat", from: "a", to: "b", term: 1, commit: 1, ctx: "" });
    const rd2 = s.core.ready();
    expect(rd2.hardState?.commit).toBe(1);
    expect(rd2.mustSync).toBe(false);
    expect(rd2.committedEntries).toEqual([e]);
    s.core.advance(rd2);
    expect(s.core.log.applied).toBe(1);
  });

  it("a single voter's entries are committed in the same Ready that persists them (persist, then apply)", () => {
    const s = new Solo("a", ["a"]);
    s.core.campaign();
    s.drain();
    s.core.propose(new Uint8Array([7]));
    const rd = s.core.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2]);
    s.storage.append(rd.entries);
    s.core.advance(rd);
  });

  it("the core may be stepped between ready() and advance(); what it produced comes in the next Ready", () => {
    const s = new Solo("b", ["a", "b"]);
    const mk = (i: number) => ({ index: i, term: 1, type: "normal" as const, data: new Uint8Array([i]) });
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
    expect(rd2.messages).toMatchObject([{ type: "appResp", index: 2 }]);
    s.core.advance(rd2);
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
