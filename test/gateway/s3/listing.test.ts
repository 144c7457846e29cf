// S3 listing over the folder tree (src/gateway/s3/listing.ts) against an in-memory tree and a
// reference that lists a sorted array of keys the way S3 documents it: keys in byte order,
// prefix, start-after, delimiter groups, max-keys. Paging by the last item returned must
// visit every key and CommonPrefix once, in order, however the tree folds the keys.
import { describe, it, expect } from "vitest";
import { listObjects, compareKeys, type FolderTree, type TreeEntry, type ListRequest, type ListResult } from "../../../src/gateway/s3/listing.ts";
import { INTERNAL_FOLDER, S3_ATTRIBUTE } from "../../../src/gateway/s3/attributes.ts";

interface FakeFolder {
  entry: TreeEntry;
  children: Map<string, FakeFolder | TreeEntry>;
}

/** A tree built from keys ("a/" is a marker), counting the calls the listing makes. */
function fakeTree(keys: string[], options: { emptyFolders?: string[]; pageEntries?: number } = {}) {
  const root: FakeFolder = { entry: dirEntry(""), children: new Map() };
  const calls = { listPage: 0, entry: 0 };
  const folderAt = (folderKey: string, create: boolean): FakeFolder | undefined => {
    let at = root;
    for (const name of folderKey.split("/").slice(0, -1)) {
      let next = at.children.get(name);
      if (!next && create) {
        next = { entry: dirEntry(name), children: new Map() };
        at.children.set(name, next);
      }
      if (!next || !("children" in next)) return undefined;
      at = next;
    }
    return at;
  };
  for (const key of keys) {
    if (key.endsWith("/")) {
      folderAt(key, true)!.entry.attributes[S3_ATTRIBUTE.marker] = "1";
      continue;
    }
    const cut = key.lastIndexOf("/") + 1;
    const name = key.slice(cut);
    folderAt(key.slice(0, cut), true)!.children.set(name, { name, kind: "file", sizeBytes: key.length, mtimeMs: 1, attributes: { [S3_ATTRIBUTE.etag]: `"${key}"` } });
  }
  for (const folder of options.emptyFolders ?? []) folderAt(folder, true);
  const tree: FolderTree = {
    async *pages(folderKey, afterName) {
      const folder = folderAt(folderKey, false);
      if (!folder) return;
      const names = [...folder.children.keys()].sort(compareKeys).filter((name) => compareKeys(name, afterName) > 0);
      const pageEntries = options.pageEntries ?? 1_000;
      for (let at = 0; at < names.length; at += pageEntries) {
        calls.listPage += 1;
        yield names.slice(at, at + pageEntries).map((name) => entryOf(folder.children.get(name)!));
      }
    },
    async entry(folderKey, name) {
      calls.entry += 1;
      const child = folderAt(folderKey, false)?.children.get(name);
      return child ? entryOf(child) : undefined;
    },
  };
  return { tree, calls };
}

function dirEntry(name: string): TreeEntry {
  return { name, kind: "dir", sizeBytes: 0, mtimeMs: 1, attributes: {} };
}

function entryOf(child: FakeFolder | TreeEntry): TreeEntry {
  return "children" in child ? child.entry : child;
}

/** S3's listing of a sorted key list, as documented. */
function reference(keys: string[], request: ListRequest): { items: string[]; isTruncated: boolean } {
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const items: string[] = [];
  let last: string | undefined;
  for (const key of sorted) {
    if (!key.startsWith(request.prefix) || Buffer.compare(Buffer.from(key), Buffer.from(request.after)) <= 0) continue;
    let item = key;
    if (request.delimiter) {
      const at = key.indexOf(request.delimiter, request.prefix.length);
      if (at >= 0) item = `${key.slice(0, at + request.delimiter.length)}\u0000prefix`;
      if (item === last || item === `${request.after}\u0000prefix`) continue;
    }
    if (items.length === request.maxKeys) return { items, isTruncated: true };
    items.push(item);
    last = item;
  }
  return { items, isTruncated: false };
}

function itemsOf(result: ListResult): string[] {
  const items = [...result.objects.map((o) => o.key), ...result.commonPrefixes.map((p) => `${p}\u0000prefix`)];
  return items.sort((a, b) => Buffer.compare(Buffer.from(a.replace("\u0000prefix", "")), Buffer.from(b.replace("\u0000prefix", ""))));
}

async function pageAll(tree: FolderTree, request: Omit<ListRequest, "after">, maxPages = 10_000): Promise<string[]> {
  const all: string[] = [];
  let after = "";
  for (let page = 0; page < maxPages; page++) {
    const result = await listObjects(tree, { ...request, after });
    all.push(...itemsOf(result));
    if (!result.isTruncated) return all;
    expect(result.last).not.toBe("");
    after = result.last;
  }
  throw new Error("the listing did not end");
}

const ORDER_KEYS = ["a/b", "a-c", "a.txt", "a0", "a/", "a/bb/c", "a/b-", "a/bb/", "a!", "a ", "b", "a-/x", "a-b/y", "é", "\u{1F600}", "\uFFFD", "z/ /q", "z/!"];

describe("compareKeys", () => {
  it("is the byte order of UTF-8, not of UTF-16 code units", () => {
    const words = ["a/b", "a-c", "a.txt", "a0", "\u{1F600}", "\uFFFD", "\uE000", "é", "", "a"];
    const byBytes = [...words].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...words].sort(compareKeys)).toEqual(byBytes);
    expect(compareKeys("\u{1F600}", "\uFFFD")).toBeGreaterThan(0);
    expect("\u{1F600}" < "\uFFFD").toBe(true); // why compareKeys exists
  });
});

describe("listObjects: key order over the folder tree", () => {
  it("lists 'a-c', 'a.txt' before 'a/b' and 'a0' after it, as S3 does", async () => {
    const keys = ["a/b", "a-c", "a.txt", "a0"];
    const { tree } = fakeTree(keys);
    const result = await listObjects(tree, { prefix: "", delimiter: "", after: "", maxKeys: 1000 });
    expect(result.objects.map((o) => o.key)).toEqual(["a-c", "a.txt", "a/b", "a0"]);
    expect(result.isTruncated).toBe(false);
  });

  it("matches the reference for every key, prefix, resume point and delimiter of a tricky set", async () => {
    const { tree } = fakeTree(ORDER_KEYS, { pageEntries: 2 });
    const points = ["", ...ORDER_KEYS, "a-", "a/b/", "a/c", "a-b", "a-b/", "zz", "a/\u0000"];
    const prefixes = ["", "a", "a/", "a-", "a/b", "a/b/", "z/", "z", "é", "q"];
    for (const prefix of prefixes) {
      for (const delimiter of ["", "/", "-", "b"]) {
        for (const after of points) {
          for (const maxKeys of [1, 3, 1000]) {
            const request = { prefix, delimiter, after, maxKeys };
            const result = await listObjects(tree, request);
            const expected = reference(ORDER_KEYS, request);
            expect({ request, items: itemsOf(result), isTruncated: result.isTruncated }).toEqual({ request, items: expected.items, isTruncated: expected.isTruncated });
          }
        }
      }
    }
  });

  it("pages through the tricky set one item at a time with and without a delimiter", async () => {
    const { tree } = fakeTree(ORDER_KEYS, { pageEntries: 1 });
    for (const delimiter of ["", "/", "."]) {
      for (const prefix of ["", "a", "a/"]) {
        expect(await pageAll(tree, { prefix, delimiter, maxKeys: 1 })).toEqual(reference(ORDER_KEYS, { prefix, delimiter, after: "", maxKeys: 100_000 }).items);
      }
    }
  });

  it("matches the reference on random trees of short names", async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ["a", "b", "-", ".", "/", "0", " ", "~"];
    for (let round = 0; round < 20; round++) {
      const keys = new Set<string>();
      while (keys.size < 40) {
        let key = "";
        const length = 1 + Math.floor(random() * 6);
        for (let i = 0; i < length; i++) key += alphabet[Math.floor(random() * alphabet.length)];
        // Only keys the namespace can hold: no empty segment, no name that is both a file and a folder.
        if (key.startsWith("/") || key.includes("//")) continue;
        keys.add(key);
      }
      const valid = [...keys].filter((key) => ![...keys].some((other) => other !== key && !key.endsWith("/") && other.startsWith(`${key}/`)));
      const { tree } = fakeTree(valid, { pageEntries: 3 });
      for (const prefix of ["", "a", "a/", "b-", "-"]) {
        for (const delimiter of ["", "/", "a"]) {
          for (const maxKeys of [2, 1000]) {
            expect(await pageAll(tree, { prefix, delimiter, maxKeys })).toEqual(reference(valid, { prefix, delimiter, after: "", maxKeys: 100_000 }).items);
          }
        }
      }
    }
  });
});

describe("listObjects: markers, hiding, bounds", () => {
  it("lists a folder marker as a key of size 0, and the prefix's own marker first", async () => {
    const { tree } = fakeTree(["photos/", "photos/a.jpg", "photos/2024/", "photos/2024/b.jpg"]);
    const all = await listObjects(tree, { prefix: "photos/", delimiter: "", after: "", maxKeys: 1000 });
    expect(all.objects.map((o) => [o.key, o.sizeBytes])).toEqual([["photos/", 0], ["photos/2024/", 0], ["photos/2024/b.jpg", 17], ["photos/a.jpg", 12]]);
    const grouped = await listObjects(tree, { prefix: "photos/", delimiter: "/", after: "", maxKeys: 1000 });
    expect(grouped.objects.map((o) => o.key)).toEqual(["photos/", "photos/a.jpg"]);
    expect(grouped.commonPrefixes).toEqual(["photos/2024/"]);
  });

  it("never lists the gateway's internal folder, whatever the prefix", async () => {
    const { tree } = fakeTree([`${INTERNAL_FOLDER}/tmp/x`, `${INTERNAL_FOLDER}/uploads/1/part-00001`, ".a", "b"]);
    for (const prefix of ["", ".", INTERNAL_FOLDER, `${INTERNAL_FOLDER}/`, `${INTERNAL_FOLDER}/tmp/`]) {
      for (const delimiter of ["", "/"]) {
        const result = await listObjects(tree, { prefix, delimiter, after: "", maxKeys: 1000 });
        expect([...result.objects.map((o) => o.key), ...result.commonPrefixes].filter((key) => key.includes(INTERNAL_FOLDER))).toEqual([]);
      }
    }
    expect(itemsOf(await listObjects(tree, { prefix: "", delimiter: "/", after: "", maxKeys: 1000 }))).toEqual([".a", "b"]);
  });

  it("lists nothing under a prefix whose folder does not exist or is a file", async () => {
    const { tree } = fakeTree(["a/b", "c"]);
    expect(itemsOf(await listObjects(tree, { prefix: "x/", delimiter: "/", after: "", maxKeys: 10 }))).toEqual([]);
    expect(itemsOf(await listObjects(tree, { prefix: "c/", delimiter: "", after: "", maxKeys: 10 }))).toEqual([]);
  });

  it("shows an empty folder without a marker as a CommonPrefix under '/' (a documented difference), and nothing without a delimiter", async () => {
    const { tree } = fakeTree(["k"], { emptyFolders: ["empty/"] });
    expect((await listObjects(tree, { prefix: "", delimiter: "/", after: "", maxKeys: 10 })).commonPrefixes).toEqual(["empty/"]);
    expect(itemsOf(await listObjects(tree, { prefix: "", delimiter: "", after: "", maxKeys: 10 }))).toEqual(["k"]);
  });

  it("answers max-keys 0 with nothing and not truncated", async () => {
    const { tree } = fakeTree(["a", "b"]);
    expect(await listObjects(tree, { prefix: "", delimiter: "", after: "", maxKeys: 0 })).toEqual({ objects: [], commonPrefixes: [], isTruncated: false, last: "" });
  });
});

describe("listObjects: 2,500 keys paged with a delimiter", () => {
  const keys: string[] = [];
  for (let i = 0; i < 2_500; i++) keys.push(i % 5 === 0 ? `dir${String(i % 50).padStart(2, "0")}/k${String(i).padStart(5, "0")}` : `k${String(i).padStart(5, "0")}`);

  it("visits every key and CommonPrefix once, in order, 1,000 at a time", async () => {
    const { tree, calls } = fakeTree(keys);
    const pages: ListResult[] = [];
    let after = "";
    for (;;) {
      const result = await listObjects(tree, { prefix: "", delimiter: "/", after, maxKeys: 1000 });
      pages.push(result);
      if (!result.isTruncated) break;
      after = result.last;
    }
    expect(pages.map((p) => p.objects.length + p.commonPrefixes.length)).toEqual([1000, 1000, 10]);
    const items = pages.flatMap(itemsOf);
    expect(items).toEqual(reference(keys, { prefix: "", delimiter: "/", after: "", maxKeys: 100_000 }).items);
    expect(pages.flatMap((p) => p.commonPrefixes)).toHaveLength(10);
    // The folders behind the CommonPrefixes are never listed: one walk of the bucket's pages.
    expect(calls.listPage).toBeLessThan(12);
  });

  it("visits every key without a delimiter, and a prefix inside a folder", async () => {
    const { tree } = fakeTree(keys);
    expect(await pageAll(tree, { prefix: "", delimiter: "", maxKeys: 1000 })).toEqual([...keys].sort(compareKeys));
    expect(await pageAll(tree, { prefix: "dir0", delimiter: "/", maxKeys: 3 })).toEqual(["dir00/", "dir05/"].map((p) => `${p}\u0000prefix`));
    expect(await pageAll(tree, { prefix: "dir05/", delimiter: "/", maxKeys: 7 })).toEqual(keys.filter((k) => k.startsWith("dir05/")).sort(compareKeys));
  });
});
