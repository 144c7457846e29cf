// Log compaction and InstallSnapshot (Raft paper §7, Figure 13), sent in bounded pieces.
import { describe, expect, it } from "vitest";
import type { Message, SnapshotMessage, SnapshotMeta } from "../../src/raft/types.ts";
import { Network, Solo } from "./network.ts";

const CHUNK = 100;

/** A 3-node cluster where c missed many entries that a and b then compacted away. */
function farBehind(snapshotBytes: number): Network {
  const net = new Network(["a", "b", "c"], { extra: { snapshotChunkBytes: CHUNK, maxInflightSnapshotChunks: 3 } });
  net.campaign("a");
  net.isolate("c");
  for (let i = 0; i < 20; i++) net.propose("a", `e${i}`);
  for (const id of ["a", "b"]) {
    const n = net.node(id);
    const applied = n.core.log.applied;
    const data = new Uint8Array(snapshotBytes).map((_, i) => i % 251);
    n.storage.createSnapshot(applied, n.core.confStateAt(applied), data);
    n.storage.compact(applied);
  }
  return net;
}

describe("§7 log compaction and InstallSnapshot", () => {
  it("§7: a follower behind the leader's compacted log gets the snapshot in pieces of <= snapshotChunkBytes", () => {
    const net = farBehind(1050);
    net.recover();
    net.tickAll(3);
    const pieces = net.sent.filter((m): m is SnapshotMessage => m.type === "snapshot" && m.to === "c");
    expect(pieces.length).toBeGreaterThanOrEqual(11);
    expect(pieces.every((p) => p.data.byteLength <= CHUNK)).toBe(true);
    expect(pieces.filter((p) => p.done).length).toBeGreaterThanOrEqual(1);
    const c = net.node("c");
    const snap = c.storage.snapshot();
    expect(snap.meta.index).toBe(net.node("a").storage.snapshot().meta.index);
    expect(snap.data.byteLength).toBe(1050);
    expect(snap.data.every((b, i) => b === i % 251)).toBe(true);
    // After the snapshot, c is caught up by ordinary appends.
    net.propose("a", "after");
    expect(net.core("c").log.lastIndex()).toBe(net.core("a").log.lastIndex());
    expect(net.appliedText("c")).toEqual(["after"]);
  });

  it("§7: a lost piece is re-sent after the transfer stalls, from the last acknowledged offset", () => {
    const net = farBehind(1050);
    net.recover();
    let dropped = 0;
    net.filter = (m: Message) => {
      if (m.type === "snapshot" && m.offset === 300 && dropped === 0) {
        dropped++;
        return false;
      }
      return true;
    };
    net.tickAll(30);
    expect(dropped).toBe(1);
    expect(net.node("c").storage.snapshot().data.byteLength).toBe(1050);
    expect(net.node("c").logs.some((l) => l.includes("out of order"))).toBe(true);
  });

  it("§7: an out-of-order piece is rejected with a logged reason and leaves the follower's state alone", () => {
    const s = new Solo("b", ["a", "b"], { snapshotChunkBytes: CHUNK });
    const meta: SnapshotMeta = { index: 10, term: 2, confState: { voters: ["a", "b"], learners: [] } };
    const piece = (offset: number, done = false) => ({ type: "snapshot" as const, from: "a", term: 2, meta, offset, data: new Uint8Array(CHUNK), done });
    const r1 = s.step(piece(100));
    expect(r1).toMatchObject([{ type: "snapshotResp", reject: true, nextOffset: 0, snapshotIndex: 10 }]);
    expect(s.logs.some((l) => l.startsWith("warn") && l.includes("no transfer of this snapshot in progress"))).toBe(true);
    expect(s.step(piece(0))).toMatchObject([{ type: "snapshotResp", reject: false, nextOffset: 100 }]);
    const r3 = s.step(piece(300));
    expect(r3).toMatchObject([{ type: "snapshotResp", reject: true, nextOffset: 100 }]);
    expect(s.logs.some((l) => l.includes("out of order: expected offset 100"))).toBe(true);
    expect(s.core.stats.rejectedSnapshotPieces).toBe(2);
    // Duplicates are acknowledged, not rejected.
    expect(s.step(piece(0))).toMatchObject([{ type: "snapshotResp", reject: false, nextOffset: 100 }]);
    // Nothing was installed by the bad pieces.
    expect(s.core.log.lastIndex()).toBe(0);
    expect(s.core.log.committed).toBe(0);
    // The rest, in order, installs it.
    s.step(piece(100));
    const done = s.step(piece(200, true));
    expect(done).toMatchObject([{ type: "appResp", index: 10, reject: false }]);
    expect(s.storage.snapshot().meta.index).toBe(10);
    expect(s.storage.snapshot().data.byteLength).toBe(300);
    expect(s.core.log.committed).toBe(10);
  });

  it("§7: a snapshot over maxSnapshotBytes is refused (bounded reassembly)", () => {
    const s = new Solo("b", ["a", "b"], { maxSnapshotBytes: 150 });
    const meta: SnapshotMeta = { index: 10, term: 2, confState: { voters: ["a", "b"], learners: [] } };
    const piece = (offset: number) => ({ type: "snapshot" as const, from: "a", term: 2, meta, offset, data: new Uint8Array(100), done: false });
    s.step(piece(0));
    expect(s.step(piece(100))).toMatchObject([{ type: "snapshotResp", reject: true, nextOffset: 0 }]);
    expect(s.logs.some((l) => l.includes("maxSnapshotBytes"))).toBe(true);
  });

  it("§7: a snapshot covering entries the follower already has just advances its commit", () => {
    const s = new Solo("b", ["a", "b"]);
    s.step({ type: "app", from: "a", term: 1, index: 0, logTerm: 0, entries: [1, 2, 3].map((i) => ({ index: i, term: 1, type: "normal" as const, data: new Uint8Array([i]) })), commit: 0 });
    const meta: SnapshotMeta = { index: 2, term: 1, confState: { voters: ["a", "b"], learners: [] } };
    const out = s.step({ type: "snapshot", from: "a", term: 1, meta, offset: 0, data: new Uint8Array(5), done: true });
    expect(out).toMatchObject([{ type: "appResp", index: 2 }]);
    expect(s.core.log.lastIndex()).toBe(3);
    expect(s.storage.snapshot().meta.index).toBe(0);
  });

  it("§7: a restarted follower resumes from the installed snapshot", () => {
    const net = farBehind(400);
    net.recover();
    net.tickAll(3);
    const snapIndex = net.node("c").storage.snapshot().meta.index;
    expect(snapIndex).toBeGreaterThan(0);
    const c = net.restart("c");
    expect(c.core.log.firstIndex()).toBe(snapIndex + 1);
    expect(c.core.log.committed).toBeGreaterThanOrEqual(snapIndex);
    expect(c.core.confState().voters).toEqual(["a", "b", "c"]);
  });
});
