// The leader's metadata sync planner (src/master/rpc/sync-plan.ts): Alluxio's
// metadata.sync.interval as -1 (load once), 0 (every access) and a duration, for stats and
// list pages, and the one-name range of a looked-up entry.
import { describe, expect, it } from "vitest";
import { nameBefore, pageRange, planList, planStat, type StatPlanInput } from "../../src/master/rpc/sync-plan.ts";
import { compareNames, NAME_BYTES_MAX, validateName } from "../../src/protocol/paths.ts";

const isName = (text: string) => {
  try {
    validateName(text);
    return true;
  } catch {
    return false;
  }
};


const NOW = 1_000_000;
const stat = (input: Partial<StatPlanInput> & Pick<StatPlanInput, "syncIntervalMs" | "present">) => planStat({ folderSyncedMs: undefined, lastCheckedMs: undefined, nowMs: NOW, ...input }).kind;

describe("planStat", () => {
  it("-1 (load once): a file the namespace has is trusted; a missing name is looked up only in a folder never listed", () => {
    expect(stat({ syncIntervalMs: -1, present: "file" })).toBe("none");
    expect(stat({ syncIntervalMs: -1, present: "file", folderSyncedMs: 1 })).toBe("none");
    expect(stat({ syncIntervalMs: -1, present: "missing" })).toBe("stat");
    expect(stat({ syncIntervalMs: -1, present: "missing", folderSyncedMs: 5 })).toBe("none");
    // Looked up once already (it was not there): loaded once means once.
    expect(stat({ syncIntervalMs: -1, present: "missing", lastCheckedMs: NOW - 10 })).toBe("none");
  });

  it("0: every stat of a file or a missing name looks it up", () => {
    expect(stat({ syncIntervalMs: 0, present: "file" })).toBe("stat");
    expect(stat({ syncIntervalMs: 0, present: "file", lastCheckedMs: NOW, folderSyncedMs: NOW })).toBe("stat");
    expect(stat({ syncIntervalMs: 0, present: "missing", folderSyncedMs: NOW })).toBe("stat");
  });

  it("1s: a file checked (or its folder listed) within the last second is trusted, older is looked up", () => {
    expect(stat({ syncIntervalMs: 1_000, present: "file" })).toBe("stat");
    expect(stat({ syncIntervalMs: 1_000, present: "file", lastCheckedMs: NOW - 1_000 })).toBe("none");
    expect(stat({ syncIntervalMs: 1_000, present: "file", lastCheckedMs: NOW - 1_001 })).toBe("stat");
    expect(stat({ syncIntervalMs: 1_000, present: "file", lastCheckedMs: NOW - 5_000, folderSyncedMs: NOW - 200 })).toBe("none");
    expect(stat({ syncIntervalMs: 1_000, present: "missing", folderSyncedMs: NOW - 200 })).toBe("none");
    expect(stat({ syncIntervalMs: 1_000, present: "missing", folderSyncedMs: NOW - 2_000 })).toBe("stat");
    expect(stat({ syncIntervalMs: 1_000, present: "missing", lastCheckedMs: NOW - 20 })).toBe("none");
  });

  it("never looks up a folder (its listing syncs it) nor a file written into Tessera and not persisted yet", () => {
    for (const syncIntervalMs of [-1, 0, 1_000]) {
      expect(stat({ syncIntervalMs, present: "folder" })).toBe("none");
      expect(stat({ syncIntervalMs, present: "file", localOnly: true })).toBe("none");
    }
  });
});

describe("planList", () => {
  it("-1: a folder never listed is listed (page by page), then never again", () => {
    expect(planList({ syncIntervalMs: -1, folderSyncedMs: undefined, after: "", nowMs: NOW })).toEqual({ kind: "list", after: "" });
    expect(planList({ syncIntervalMs: -1, folderSyncedMs: undefined, after: "m", nowMs: NOW })).toEqual({ kind: "list", after: "m" });
    expect(planList({ syncIntervalMs: -1, folderSyncedMs: 1, after: "", nowMs: NOW }).kind).toBe("none");
  });

  it("0: every page lists its own range", () => {
    expect(planList({ syncIntervalMs: 0, folderSyncedMs: NOW, after: "k", nowMs: NOW })).toEqual({ kind: "list", after: "k" });
  });

  it("1s: a listing completed within the second is trusted", () => {
    expect(planList({ syncIntervalMs: 1_000, folderSyncedMs: NOW - 1_000, after: "", nowMs: NOW }).kind).toBe("none");
    expect(planList({ syncIntervalMs: 1_000, folderSyncedMs: NOW - 1_001, after: "", nowMs: NOW }).kind).toBe("list");
    expect(planList({ syncIntervalMs: 1_000, folderSyncedMs: undefined, after: "", nowMs: NOW }).kind).toBe("list");
  });
});

describe("pageRange", () => {
  it("covers (after, last name] while more follows, and the rest of the folder on the last page", () => {
    expect(pageRange("", { entries: [{ name: "a" }, { name: "b" }], next: "b" })).toEqual({ after: "", through: "b", complete: false });
    expect(pageRange("b", { entries: [{ name: "c" }], next: "" })).toEqual({ after: "b", through: "", complete: true });
    expect(pageRange("", { entries: [], next: "" })).toEqual({ after: "", through: "", complete: true });
  });
});

describe("nameBefore", () => {
  it("is below the name, and no valid name lies between", () => {
    for (const name of ["b", "file.txt", "a b", "é", "日本", "x\u00a0", "😀", "a\uE000"]) {
      const before = nameBefore(name);
      expect(compareNames(before, name)).toBeLessThan(0);
      expect(Buffer.byteLength(before)).toBeLessThanOrEqual(NAME_BYTES_MAX);
      // Names just below `name` are at most `before`.
      for (const candidate of [name.slice(0, -1), `${[...name].slice(0, -1).join("")}~`, `${before}`]) {
        if (isName(candidate) && compareNames(candidate, name) < 0) expect(compareNames(candidate, before)).toBeLessThanOrEqual(0);
      }
      // The name's own prefix plus anything is either >= name or <= before.
      const prefix = [...name].slice(0, -1).join("");
      for (const tail of ["a", "z", "~", "\u07ff", "\uffff", "\u{10ffff}"]) {
        const candidate = prefix + String.fromCodePoint([...name].pop()!.codePointAt(0)! - 1) + tail;
        if (isName(candidate) && compareNames(candidate, name) < 0) expect(compareNames(candidate, before)).toBeLessThanOrEqual(0);
      }
    }
  });

  it("drops a last space (the smallest name character) and keeps C1 controls and surrogates out", () => {
    expect(nameBefore("a ")).toBe("a");
    expect(nameBefore(" ")).toBe("");
    expect(nameBefore("x\u00a0").startsWith("x~")).toBe(true);
    expect(nameBefore("a\uE000").startsWith("a\uD7FF")).toBe(true);
  });
});
