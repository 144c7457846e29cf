// The pure half of S3 listings (src/ufs/names.ts): pages in name order although S3 lists in key
// order, the folders a cut listing may still owe, and which of a file and a folder of one name
// is shown. A page must hold every name of its range (log.proto's SyncUnderStorage applies
// "(after, through] is exactly these entries"), so these are checked against a model: every
// split of a folder's keys into listings.
import { describe, it, expect } from "vitest";
import { assembleS3Page, compareNames, folderCandidates, type S3ListItem } from "../../src/ufs/names.ts";

const object = (key: string): S3ListItem => ({ kind: "object", key, sizeBytes: 1, mtimeMs: 5, fingerprint: `s3:etag="${key}";size=1` });
const prefix = (key: string): S3ListItem => ({ kind: "prefix", key });

describe("compareNames", () => {
  it("orders by UTF-8 bytes, not UTF-16 units", () => {
    // U+FF5E (3 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 ...), though its UTF-16 unit is larger.
    expect(compareNames("\uff5e", "\u{1f600}")).toBeLessThan(0);
    expect("\uff5e" < "\u{1f600}").toBe(false);
    expect(compareNames("data", "data.csv")).toBeLessThan(0);
    expect(compareNames("a", "a")).toBe(0);
  });
});

describe("folderCandidates", () => {
  it("names each prefix of the last key's name followed by a character below '/'", () => {
    expect(folderCandidates("p/data.csv", "p/", "")).toEqual(["data"]);
    expect(folderCandidates("p/a-b.c", "p/", "")).toEqual(["a", "a-b"]);
    expect(folderCandidates("p/a-b.c", "p/", "a")).toEqual(["a-b"]);
    expect(folderCandidates("p/plain", "p/", "")).toEqual([]);
    expect(folderCandidates("p/dir-x/", "p/", "")).toEqual(["dir"]);
  });
});

describe("assembleS3Page", () => {
  it("shows a file over a folder of the same name, and ignores the folder's own marker", () => {
    const page = assembleS3Page({ items: [object("p/"), object("p/dup"), prefix("p/dup/"), object("p/zz")], folderPrefix: "p/", after: "", limit: 10, truncated: false, foundFolders: [] });
    expect(page.entries.map((entry) => [entry.name, entry.directory])).toEqual([
      ["dup", false],
      ["zz", false],
    ]);
    expect(page.next).toBe("");
  });

  it("over every split of a folder's keys into listings, pages cover every name exactly once, in order", () => {
    // A model bucket in key order, with the names S3's key order puts out of name order.
    const keys = ["p/a", "p/data+/y", "p/data-1", "p/data.csv", "p/data/", "p/data/x", "p/e.f-g", "p/e.f/", "p/e/", "p/zz"].sort(compareNames);
    const listed = (startAfter: string, maxKeys: number): { items: S3ListItem[]; truncated: boolean } => {
      // S3 with delimiter "/": a folder is one common prefix, counted once against max-keys.
      const items: S3ListItem[] = [];
      const seen = new Set<string>();
      for (const key of keys) {
        if (compareNames(key, startAfter) <= 0) continue;
        const slash = key.indexOf("/", 2);
        const item = slash >= 0 && slash < key.length - 0 ? prefix(key.slice(0, slash + 1)) : object(key);
        if (item.kind === "prefix" && (seen.has(item.key) || compareNames(item.key, startAfter) <= 0)) continue;
        if (items.length === maxKeys) return { items, truncated: true };
        seen.add(item.key);
        items.push(item);
      }
      return { items, truncated: false };
    };
    const folderExists = (name: string) => keys.some((key) => key.startsWith(`p/${name}/`));
    const expected = ["a", "data", "data+", "data-1", "data.csv", "e", "e.f", "e.f-g", "zz"];
    for (const limit of [1, 2, 3, 4, 100]) {
      for (const maxKeys of [1, 2, 3, 100]) {
        const names: string[] = [];
        let after = "";
        for (let pages = 0; pages < 100; pages++) {
          // As S3UnderStorage.list: a listing whose every item is at or before `after` is
          // followed by the next (a continuation token resumes after its last key).
          let startAfter = `p/${after}`;
          let page;
          for (;;) {
            const { items, truncated } = listed(startAfter, Math.min(maxKeys, limit));
            const last = items[items.length - 1]?.key ?? "";
            const foundFolders = truncated ? folderCandidates(last, "p/", after).filter(folderExists) : [];
            page = assembleS3Page({ items, folderPrefix: "p/", after, limit, truncated, foundFolders });
            if (page.entries.length > 0 || !truncated) break;
            startAfter = last;
          }
          expect(page.entries.length).toBeLessThanOrEqual(limit);
          names.push(...page.entries.map((entry) => entry.name));
          if (page.next === "") break;
          after = page.next;
        }
        expect({ limit, maxKeys, names }).toEqual({ limit, maxKeys, names: expected });
      }
    }
  });
});
