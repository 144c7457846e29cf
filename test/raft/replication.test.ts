// Log replication and commitment: Raft paper §5.3 (log repair, Figure 7), §5.4.2 (only
// current-term entries commit by counting, Figure 8), and the flow control around them
// (batching by maxSizePerMsg, the inflight window, probe state, fast backtracking).
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/raft/storage.ts";
import type { AppendMessage, Entry, Message } from "../../src/raft/types.ts";
import { Network, Solo, entriesOfTerms, terms, type SoloOptions } from "./network.ts";

/** A network of the given logs: each [id, terms of entries 1..n, current term]. */
function networkOfLogs(spec: [string, number[], number][], opts: ConstructorParameters<typeof Network>[1] = {}): Network {
  const ids = spec.map(([id]) => id);
  const net = new Network([], opts);
  for (const [id, ts, term] of spec) {
    const st = new MemoryStorage({ voters: ids, learners: [] });
    st.append(entriesOfTerms(ts));
    st.setHardState({ term, vote: "", commit: 0 });
    net.add(id, st);
  }
  return net;
}

describe("§5.3 log replication", () => {
  it("§5.3: a committed entry is applied by every server, in log order", () => {
    const net = new Network(["a", "b", "c"]);
    net.campaign("a");
    for (const x of ["x", "y", "z"]) net.propose("a", x);
    for (const id of ["a", "b", "c"]) expect(net.appliedText(id)).toEqual(["x", "y", "z"]);
  });

  it("§5.3: the leader commits once a majority stores the entry, even with a minority down", () => {
    const net = new Network(["a", "b", "c", "d", "e"]);
    net.campaign("a");
    net.isolate("d");
    net.isolate("e");
    net.propose("a", "x");
    expect(net.appliedText("a")).toEqual(["x"]);
    expect(net.appliedText("d")).toEqual([]);
  });

  it("§5.3: the follower refuses an append whose previous entry does not match, and hints where to retry", () => {
    const s = new Solo("b", ["a", "b"], { entries: entriesOfTerms([1, 1, 2, 2, 2]), term: 3 });
    const out = s.step({ type: "app", from: "a", term: 4, index: 5, logTerm: 3, entries: [], commit: 0 });
    // Fast backtracking: the last index whose term is <= 3 is 5 (term 2).
    expect(out).toMatchObject([{ type: "appResp", reject: true, index: 5, rejectHint: 5, logTerm: 2 }]);
    const out2 = s.step({ type: "app", from: "a", term: 4, index: 7, logTerm: 3, entries: [], commit: 0 });
    expect(out2).toMatchObject([{ type: "appResp", reject: true, index: 7, rejectHint: 5, logTerm: 2 }]);
  });

  // Figure 7: the leader of term 8 and six possible follower logs (a)-(f).
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: [string, number[]][] = [
    ["a: missing one entry", [1, 1, 1, 4, 4, 5, 5, 6, 6]],
    ["b: missing many entries", [1, 1, 1, 4]],
    ["c: one extra uncommitted entry", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]],
    ["d: extra entries of a later term", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]],
    ["e: missing entries and extra of term 4", [1, 1, 1, 4, 4, 4, 4]],
    ["f: extra entries of terms 2 and 3", [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]],
  ];
  for (const [name, log] of followers) {
    it(`§5.3 Figure 7 (${name}): the leader brings the follower's log to match its own`, () => {
      // A third, empty server lets the leader win whatever the follower votes.
      const net = networkOfLogs(
        [
          ["L", leaderLog, 7],
          ["F", log, 7],
          ["X", [], 7],
        ],
        { extra: { maxSizePerMsg: 64 } },
      );
      net.campaign("L");
      expect(net.core("L").role).toBe("leader");
      expect(net.core("L").term).toBe(8);
      net.propose("L", "after");
      expect(terms(net.core("F"))).toEqual(terms(net.core("L")));
      expect(terms(net.core("F"))).toEqual([...leaderLog, 8, 8]);
      expect(net.core("F").log.committed).toBe(12);
    });
  }

  it("§5.3: fast backtracking repairs a long divergent log in few round trips", () => {
    const many = Array.from({ length: 200 }, () => 2);
    const net = networkOfLogs(
      [
        ["L", [1, ...Array.from({ length: 50 }, () => 3)], 3],
        ["F", [1, ...many], 3],
        ["X", [1], 3],
      ],
      { extra: { maxSizePerMsg: 1 << 20 } },
    );
    net.campaign("L");
    const rejects = net.sent.filter((m) => m.type === "appResp" && m.from === "F" && m.reject);
    expect(rejects.length).toBeLessThanOrEqual(2);
    expect(terms(net.core("F"))).toEqual(terms(net.core("L")));
  });
});

describe("§5.4.2 committing entries from previous terms", () => {
  // etcd TestLeaderOnlyCommitsLogFromCurrentTerm.
  for (const [ack, wantCommit] of [
    [1, 0],
    [2, 0],
    [3, 3],
  ] as const) {
    it(`§5.4.2: a follower ack up to ${ack} commits ${wantCommit} (only current-term entries commit by counting)`, () => {
      const s = new Solo("a", ["a", "b"], { entries: entriesOfTerms([1, 2]), term: 2 });
      s.core.campaign();
      s.drain();
      s.step({ type: "voteResp", from: "b", term: 3, reject: false });
      expect(s.core.role).toBe("leader");
      expect(s.core.log.lastIndex()).toBe(3); // the empty entry of term 3
      s.step({ type: "appResp", from: "b", term: 3, index: ack, reject: false, rejectHint: 0, logTerm: 0 });
      expect(s.core.log.committed).toBe(wantCommit);
    });
  }

  it("§5.4.2 Figure 8: an old-term entry on a majority is not committed, and is rightly overwritten", () => {
    // State (c) of Figure 8, entry 1 committed everywhere: S1 holds (2, term 2) and leads term 4
    // with S2 and S3's votes; S5 holds (2, term 3).
    const spec: [string, number[], number][] = [
      ["S1", [1, 2], 3],
      ["S2", [1, 2], 3],
      ["S3", [1], 3],
      ["S4", [1], 3],
      ["S5", [1, 3], 3],
    ];
    const net = networkOfLogs(spec, { extra: { maxSizePerMsg: 1 } });
    for (const n of net.nodes.values()) n.storage.setHardState({ term: 3, vote: "", commit: 1 });
    for (const id of net.nodes.keys()) net.restart(id);
    // S1 "crashes" before its term-4 entry reaches anyone: drop appends carrying term-4 entries.
    // (Appends the follower would refuse anyway still pass: they are how S1 finds S3's gap.)
    net.filter = (m: Message) =>
      !(m.type === "app" && m.entries.some((e: Entry) => e.term === 4) && net.core(m.to).log.matchTerm(m.index, m.logTerm));
    net.cutLink("S1", "S5");
    net.campaign("S1");
    expect(net.core("S1").role).toBe("leader");
    expect(net.core("S1").term).toBe(4);
    // (2, term 2) is now on S1, S2, S3: a majority. It must not count as committed.
    expect(net.core("S3").log.term(2)).toBe(2);
    expect(net.core("S1").log.committed).toBe(1);
    // S1 crashes; S5 (last term 3) wins with S2, S3, S4 and overwrites index 2.
    net.filter = undefined;
    net.isolate("S1");
    net.campaign("S5"); // term 4: refused, the others voted for S1 in term 4
    net.campaign("S5"); // term 5
    expect(net.core("S5").role).toBe("leader");
    net.propose("S5", "x");
    for (const id of ["S2", "S3", "S4", "S5"]) expect(net.core(id).log.term(2)).toBe(3);
    for (const n of net.nodes.values()) expect(n.applied.some((e) => e.index === 2 && e.term === 2)).toBe(false);
  });
});

describe("flow control: batching, pipelining, probing", () => {
  function leaderWith(opts: SoloOptions): Solo {
    const s = new Solo("a", ["a", "b"], opts);
    s.core.campaign();
    s.drain();
    s.step({ type: "voteResp", from: "b", term: 1, reject: false });
    return s;
  }

  it("appends carry at most maxSizePerMsg bytes of entries (at least one entry)", () => {
    const s = leaderWith({ maxSizePerMsg: 300 });
    // b acks the empty entry: b goes to replicate state.
    s.step({ type: "appResp", from: "b", term: 1, index: 1, reject: false, rejectHint: 0, logTerm: 0 });
    s.core.step({ type: "appResp", from: "b", to: "a", term: 1, index: 0, reject: true, rejectHint: 0, logTerm: 0 });
    const p = (n: number) => new Uint8Array(n);
    for (let i = 0; i < 10; i++) s.core.propose(p(100));
    s.core.propose(p(1000));
    const apps = s.drain().filter((m): m is AppendMessage => m.type === "app");
    expect(apps.length).toBeGreaterThan(0);
    for (const m of apps) {
      const bytes = m.entries.reduce((n, e) => n + e.data.byteLength + 24, 0);
      expect(m.entries.length === 1 || bytes <= 300).toBe(true);
    }
  });

  it("in replicate state at most maxInflightMsgs appends are in flight; a heartbeat reply frees one slot", () => {
    const s = leaderWith({ maxInflightMsgs: 2 });
    s.step({ type: "appResp", from: "b", term: 1, index: 1, reject: false, rejectHint: 0, logTerm: 0 });
    let apps = 0;
    for (let i = 0; i < 5; i++) {
      s.core.propose(new Uint8Array([i]));
      apps += s.drain().filter((m) => m.type === "app" && m.to === "b").length;
    }
    expect(apps).toBe(2);
    expect(s.core.status().progress.get("b")?.state).toBe("replicate");
    // The appends were lost: a heartbeat reply frees one slot and replication resumes.
    const out = s.step({ type: "heartbeatResp", from: "b", term: 1, ctx: "" });
    expect(out.filter((m) => m.type === "app").length).toBe(1);
  });

  it("a rejected append moves the follower to probe state: one append per round trip", () => {
    const s = leaderWith({});
    s.step({ type: "appResp", from: "b", term: 1, index: 0, reject: true, rejectHint: 0, logTerm: 0 });
    expect(s.core.status().progress.get("b")?.state).toBe("probe");
    s.core.propose(new Uint8Array([1]));
    s.core.propose(new Uint8Array([2]));
    expect(s.drain().filter((m) => m.type === "app").length).toBe(0);
  });

  it("a heartbeat never carries a commit beyond the follower's match", () => {
    const s = leaderWith({});
    s.step({ type: "appResp", from: "b", term: 1, index: 1, reject: false, rejectHint: 0, logTerm: 0 });
    s.core.tick();
    const hb = s.drain().filter((m) => m.type === "heartbeat");
    expect(hb).toMatchObject([{ to: "b", commit: 1 }]);
  });
});
