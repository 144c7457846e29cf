// The chaos checkers must catch what they claim to (issue 18): each is given a planted bad
// history (a lost write, a stale read, a phantom read, a non-linearizable hot key, a wrong job
// output, fsck never healthy) and must flag it, and a good history of the same shape must pass.
import { describe, expect, it } from "vitest";
import { concatBytes, contentOf, digestOf, History, outcomeOfError, valueOf, withTimeout } from "./history.ts";
import { checkFsck, checkHotKeysLinearizable, checkJobs, checkReadback, checkReads, summarize } from "./checkers/index.ts";
import type { Observed } from "./checkers/readback.ts";
import type { HistoryOp, Outcome } from "./types.ts";
import { expectedJobDigest, jobInputText, wordCountDigest } from "./workloads/jobs.ts";
import { RequestError } from "../../src/protocol/errors.ts";

/** A history built by hand: each op given its call and return time. */
function build(ops: Array<Partial<HistoryOp> & Pick<HistoryOp, "f" | "key" | "callMs"> & { ret: number; outcome: Outcome }>): HistoryOp[] {
  return ops.map((o, id) => {
    const { ret, ...rest } = o;
    return { process: "p0", workload: "files", ...rest, id, retMs: ret } as HistoryOp;
  });
}

const A = "p0-1#100";
const B = "p0-2#70000"; // spans two 64 KiB chunks
const C = "p0-3#33";
const dA = digestOf(contentOf(A));
const dB = digestOf(contentOf(B));

/** create A, read A, append C, read A+C, overwrite B, read B, rename to /f1, read /f0 absent, delete /f1. */
function goodFiles(): HistoryOp[] {
  return build([
    { f: "create", key: "/f0", value: A, callMs: 0, ret: 1, outcome: "ok" },
    { f: "read", key: "/f0", result: dA, callMs: 2, ret: 3, outcome: "ok" },
    { f: "append", key: "/f0", value: C, callMs: 4, ret: 5, outcome: "ok" },
    { f: "read", key: "/f0", result: digestOf(concatBytes([contentOf(A), contentOf(C)])), callMs: 6, ret: 7, outcome: "ok" },
    { f: "write", key: "/f0", value: B, callMs: 8, ret: 9, outcome: "ok" },
    { f: "read", key: "/f0", result: dB, callMs: 10, ret: 11, outcome: "ok" },
    { f: "rename", key: "/f0", to: "/f1", callMs: 12, ret: 13, outcome: "ok" },
    { f: "read", key: "/f0", result: null, callMs: 14, ret: 15, outcome: "ok" },
    { f: "create", key: "/f2", value: C, callMs: 16, ret: 17, outcome: "ok" },
    { f: "delete", key: "/f2", callMs: 18, ret: 19, outcome: "ok" },
    { f: "create", key: "/f3", value: A, callMs: 20, ret: 21, outcome: "fail", error: "ALREADY_EXISTS: x" },
  ]);
}

const healed = (): Map<string, Observed> =>
  new Map<string, Observed>([
    ["/f0", null],
    ["/f1", contentOf(B)],
    ["/f2", null],
  ]);

describe("known content", () => {
  it("contentOf is deterministic, sized, and valueOf inverts it; bytes of no value decode to nothing", () => {
    expect(contentOf(B).length).toBe(70_000);
    expect(valueOf(contentOf(B))).toBe(B);
    expect(valueOf(contentOf("h1-2-3#64"))).toBe("h1-2-3#64");
    const tampered = contentOf(B).slice();
    tampered[65_000] ^= 1;
    expect(valueOf(tampered)).toBeUndefined();
    // A prefix decodes to a shorter value of the same name, which no write wrote: phantom.
    expect(valueOf(contentOf(B).subarray(0, 1000))).toBe("p0-2#1000");
  });

  it("errors: a refusal on the merits is fail, a timeout or unreachable cluster is info; withTimeout bounds a hung op", async () => {
    expect(outcomeOfError(new RequestError("NOT_FOUND", "no such file")).outcome).toBe("fail");
    expect(outcomeOfError(new RequestError("ALREADY_EXISTS", "exists")).outcome).toBe("fail");
    expect(outcomeOfError(new RequestError("TIMEOUT", "slow")).outcome).toBe("info");
    expect(outcomeOfError(new RequestError("UNAVAILABLE", "gone")).outcome).toBe("info");
    expect(outcomeOfError(new Error("socket hang up")).outcome).toBe("info");
    const history = new History();
    await expect(withTimeout(20, () => new Promise(() => {}))).rejects.toThrow(/no answer within 20 ms/);
    const op = history.invoke({ process: "p", workload: "files", f: "read", key: "/x" });
    history.complete(op, "info", { error: "TIMEOUT: no answer" });
    expect(history.ops[0]).toMatchObject({ id: 0, outcome: "info" });
    expect(() => history.complete(op, "ok")).toThrow(/completed twice/);
  });
});

describe("readback checker", () => {
  it("passes a history whose every acknowledged write reads back", () => {
    const result = checkReadback(goodFiles(), healed());
    expect(result.valid).toBe(true);
    expect(result.counts).toMatchObject({ lost: 0, resurrected: 0 });
  });

  it("flags a lost write (the overwrite rolled back), a missing file, and a deleted file that came back", () => {
    const rolledBack = healed();
    rolledBack.set("/f1", concatBytes([contentOf(A), contentOf(C)]));
    const r1 = checkReadback(goodFiles(), rolledBack);
    expect(r1.valid).toBe(false);
    expect(r1.counts?.lost).toBe(1);
    expect(JSON.stringify(r1.anomalies)).toContain("rolled back to an earlier state");

    const missing = healed();
    missing.set("/f1", null);
    expect(checkReadback(goodFiles(), missing).counts?.lost).toBe(1);

    const resurrected = healed();
    resurrected.set("/f2", contentOf(C));
    const r3 = checkReadback(goodFiles(), resurrected);
    expect(r3.valid).toBe(false);
    expect(r3.counts?.resurrected).toBe(1);
  });

  it("a trailing info op may have happened or not, a put or append in part; anything else is lost", () => {
    const history = build([
      { f: "create", key: "/g", value: A, callMs: 0, ret: 1, outcome: "ok" },
      { f: "append", key: "/g", value: B, callMs: 2, ret: 3, outcome: "info", error: "TIMEOUT: t" },
      { f: "create", key: "/h", value: C, callMs: 4, ret: 5, outcome: "ok" },
      { f: "write", key: "/h", value: A, callMs: 6, ret: 7, outcome: "info", error: "TIMEOUT: t" },
    ]);
    const at = (g: Uint8Array | null, h: Uint8Array | null) =>
      new Map<string, Observed>([
        ["/g", g],
        ["/h", h],
      ]);
    const a = contentOf(A);
    const b = contentOf(B);
    expect(checkReadback(history, at(a, contentOf(C))).valid).toBe(true);
    expect(checkReadback(history, at(concatBytes([a, b]), a)).valid).toBe(true);
    expect(checkReadback(history, at(concatBytes([a, b.subarray(0, 65_536)]), a)).valid).toBe(true);
    // The acknowledged create's bytes gone: lost, info or not.
    expect(checkReadback(history, at(b, a)).counts?.lost).toBe(1);
    expect(checkReadback(history, at(null, a)).counts?.lost).toBe(1);
    // An overwrite is atomic: half of it is not a state /h may be in.
    expect(checkReadback(history, at(a, concatBytes([contentOf(C), a]))).valid).toBe(false);
  });

  it("a path the cluster could not read after the heal counts as lost", () => {
    const observed = healed();
    observed.set("/f1", { error: "READ_FAILED: no replica" });
    const result = checkReadback(goodFiles(), observed);
    expect(result.valid).toBe(false);
    expect(result.counts).toMatchObject({ lost: 1, unreadable: 1 });
  });
});

describe("reads checker", () => {
  it("passes reads that saw the model's state", () => {
    const result = checkReads(goodFiles());
    expect(result.valid).toBe(true);
    expect(result.counts).toMatchObject({ reads: 4, stale: 0, phantom: 0 });
  });

  it("flags a stale read (bytes overwritten before the read began) and a read of a file deleted before it", () => {
    const history = goodFiles();
    (history[5] as { result?: string | null }).result = dA; // after the overwrite with B, A again
    (history[7] as { result?: string | null }).result = dB; // after the rename away, /f0 still there
    const result = checkReads(history);
    expect(result.valid).toBe(false);
    expect(result.counts).toMatchObject({ stale: 2, phantom: 0 });
  });

  it("flags a phantom read: bytes the path never held", () => {
    const history = goodFiles();
    (history[1] as { result?: string | null }).result = digestOf(contentOf("someone-else#100"));
    const result = checkReads(history);
    expect(result.valid).toBe(false);
    expect(result.counts).toMatchObject({ stale: 0, phantom: 1 });
  });

  it("hot keys: a value never put is phantom; a value replaced by an acknowledged put before the get began is stale", () => {
    const hot = (ops: Parameters<typeof build>[0]) => build(ops).map((op) => ({ ...op, workload: "hot-keys" as const }));
    const good = hot([
      { f: "put", key: "k0", value: "v1#64", callMs: 0, ret: 1, outcome: "ok" },
      { f: "put", key: "k0", value: "v2#64", callMs: 2, ret: 3, outcome: "ok" },
      { f: "get", key: "k0", result: "v2#64", callMs: 4, ret: 5, outcome: "ok" },
      { f: "put", key: "k0", value: "v3#64", callMs: 6, ret: Infinity, outcome: "info" },
      { f: "get", key: "k0", result: "v3#64", callMs: 7, ret: 8, outcome: "ok" },
    ]);
    expect(checkReads(good).valid).toBe(true);
    const stale = good.map((op) => (op.id === 2 ? { ...op, result: "v1#64" } : op));
    expect(checkReads(stale).counts).toMatchObject({ stale: 1, phantom: 0 });
    const phantom = good.map((op) => (op.id === 2 ? { ...op, result: "corrupt:sha256:00:64" } : op));
    expect(checkReads(phantom).counts).toMatchObject({ stale: 0, phantom: 1 });
  });
});

describe("linearizability checker (hot keys, namespace ops)", () => {
  const hot = (ops: Parameters<typeof build>[0]) => build(ops).map((op) => ({ ...op, workload: "hot-keys" as const, process: `c${op.id}` }));

  it("passes concurrent puts, gets, deletes and exclusive creates that have a linearization, info ops included", () => {
    const history = hot([
      { f: "put", key: "k0", value: "a#64", callMs: 0, ret: 10, outcome: "ok" },
      { f: "put", key: "k0", value: "b#64", callMs: 1, ret: 11, outcome: "ok" },
      { f: "get", key: "k0", result: "b#64", callMs: 2, ret: 12, outcome: "ok" },
      { f: "get", key: "k0", result: "a#64", callMs: 13, ret: 14, outcome: "ok" },
      { f: "delete", key: "k0", callMs: 15, ret: 16, outcome: "ok" },
      { f: "delete", key: "k0", callMs: 17, ret: 18, outcome: "fail", error: "NOT_FOUND: gone" },
      { f: "create", key: "k0", value: "c#64", callMs: 19, ret: 20, outcome: "ok" },
      { f: "create", key: "k0", value: "d#64", callMs: 21, ret: 22, outcome: "fail", error: "ALREADY_EXISTS: there" },
      { f: "put", key: "k0", value: "e#64", callMs: 23, ret: 24, outcome: "info", error: "TIMEOUT: t" },
      { f: "get", key: "k0", result: "c#64", callMs: 25, ret: 26, outcome: "ok" },
      { f: "put", key: "k1", value: "x#64", callMs: 0, ret: 1, outcome: "fail", error: "AccessDenied: no" },
      { f: "get", key: "k1", result: null, callMs: 2, ret: 3, outcome: "ok" },
    ]);
    const result = checkHotKeysLinearizable(history, [{ key: "k0", value: "e#64", atMs: 100 }]);
    expect(result.valid).toBe(true);
  });

  it("flags a stale get after an acknowledged put, a create that succeeded on an existing key, and a final read of a lost put", () => {
    const stale = hot([
      { f: "put", key: "k0", value: "a#64", callMs: 0, ret: 1, outcome: "ok" },
      { f: "put", key: "k0", value: "b#64", callMs: 2, ret: 3, outcome: "ok" },
      { f: "get", key: "k0", result: "a#64", callMs: 4, ret: 5, outcome: "ok" },
    ]);
    const r1 = checkHotKeysLinearizable(stale);
    expect(r1.valid).toBe(false);
    expect(r1.summary).toMatch(/NOT linearizable on key k0/);

    const doubleCreate = hot([
      { f: "create", key: "k0", value: "a#64", callMs: 0, ret: 1, outcome: "ok" },
      { f: "create", key: "k0", value: "b#64", callMs: 2, ret: 3, outcome: "ok" },
    ]);
    expect(checkHotKeysLinearizable(doubleCreate).valid).toBe(false);

    const deleteSawNothing = hot([
      { f: "put", key: "k0", value: "a#64", callMs: 0, ret: 1, outcome: "ok" },
      { f: "delete", key: "k0", callMs: 2, ret: 3, outcome: "fail", error: "NOT_FOUND: none" },
    ]);
    expect(checkHotKeysLinearizable(deleteSawNothing).valid).toBe(false);

    const lostPut = hot([
      { f: "put", key: "k0", value: "a#64", callMs: 0, ret: 1, outcome: "ok" },
      { f: "put", key: "k0", value: "b#64", callMs: 2, ret: 3, outcome: "ok" },
    ]);
    expect(checkHotKeysLinearizable(lostPut, [{ key: "k0", value: "b#64", atMs: 10 }]).valid).toBe(true);
    expect(checkHotKeysLinearizable(lostPut, [{ key: "k0", value: "a#64", atMs: 10 }]).valid).toBe(false);
  });
});

describe("jobs checker", () => {
  const value = "wc:42:300";
  const job = (result: string) => build([{ f: "job", key: "/out/j", value, result, callMs: 0, ret: 1, outcome: "ok" }]).map((op) => ({ ...op, workload: "jobs" as const }));

  it("the known answer is the word count of the seeded input", () => {
    const text = jobInputText(value);
    expect(jobInputText(value)).toBe(text);
    const counts = new Map<string, number>();
    for (const word of text.split(/\s+/).filter(Boolean)) counts.set(word, (counts.get(word) ?? 0) + 1);
    expect(expectedJobDigest(value)).toBe(wordCountDigest([...counts].map(([w, c]) => `${w}\t${c}`).reverse()));
  });

  it("passes a job whose output equals the known answer, flags a wrong output and an output lost after heal", () => {
    expect(checkJobs(job(expectedJobDigest(value)), new Map([["/out/j", expectedJobDigest(value)]])).valid).toBe(true);
    const wrong = checkJobs(job(wordCountDigest(["alpha\t1"])));
    expect(wrong.valid).toBe(false);
    expect(wrong.counts?.wrong).toBe(1);
    const lost = checkJobs(job(expectedJobDigest(value)), new Map([["/out/j", { error: "NOT_FOUND" }]]));
    expect(lost.valid).toBe(false);
    expect(lost.counts?.lost).toBe(1);
  });
});

describe("fsck checker", () => {
  it("passes once fsck says HEALTHY within the bound, fails when it never does", async () => {
    let polls = 0;
    const healing = await checkFsck(async () => ({ status: ++polls < 3 ? "UNDER_REPLICATED" : "HEALTHY" }), 5_000, 1);
    expect(healing.valid).toBe(true);
    const never = await checkFsck(async () => ({ status: "MISSING", missing: 2 }), 30, 1);
    expect(never.valid).toBe(false);
    expect(never.summary).toMatch(/not HEALTHY within 30 ms: last MISSING/);
  });
});

describe("summarize", () => {
  it("counts operations per workload and outcome, and the checkers' lost, stale and phantom figures", () => {
    const history = goodFiles();
    const results = [checkReadback(history, healed()), checkReads(history), checkHotKeysLinearizable(history), checkJobs(history)];
    const summary = summarize(history, results);
    expect(summary.rows).toEqual([{ workload: "files", attempted: 11, ok: 10, fail: 1, info: 0 }]);
    expect(summary).toMatchObject({ lost: 0, stale: 0, phantom: 0, linearizable: true, valid: true });
    expect(summary.text).toContain("lost writes 0; stale reads 0; phantom reads 0");
  });
});
