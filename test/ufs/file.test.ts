// A folder as an under-storage (src/ufs/file.ts), over a temporary folder: paged listings in
// name order with a page of names in memory, stat, ranged reads refused once the file changed,
// writes that appear whole or not at all, deletes and renames, and the failures in one sentence.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openUnderStorage } from "../../src/ufs/open.ts";
import { UnderStorageError } from "../../src/ufs/errors.ts";
import type { UnderStorage, UnderStorageEntry } from "../../src/ufs/under-storage.ts";
import { fileFingerprint, ReadType, WriteType, type MountRecord } from "../../src/protocol/mounts.ts";
import { tempDir } from "../support/temp.ts";

let root: { path: string; remove(): void };
let ufs: UnderStorage;

function record(dir: string): MountRecord {
  return { id: "f1", path: "/mnt", uri: `file://${dir}`, scheme: "file", options: {}, readonly: false, syncIntervalMs: -1, readType: ReadType.CACHE, writeType: WriteType.CACHE_THROUGH, replication: 1 };
}

function file(relative: string, body: string | Uint8Array = "x"): void {
  const path = join(root.path, relative);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, body);
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of stream) pieces.push(piece);
  return Buffer.concat(pieces);
}

async function failure(run: () => Promise<unknown>): Promise<UnderStorageError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(UnderStorageError);
    return err as UnderStorageError;
  }
  throw new Error("the call succeeded");
}

async function listAll(path: string, limit: number): Promise<UnderStorageEntry[]> {
  const entries: UnderStorageEntry[] = [];
  let after = "";
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await ufs.list(path, after, limit);
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    entries.push(...page.entries);
    if (page.next === "") return entries;
    expect(page.next > after).toBe(true);
    after = page.next;
  }
  throw new Error("the listing did not end");
}

beforeEach(() => {
  root = tempDir("ufs-file");
  ufs = openUnderStorage(record(root.path));
});

afterEach(async () => {
  await ufs.close();
  chmodSync(root.path, 0o755);
  root.remove();
});

describe("file:// listing and stat", () => {
  it("pages a folder of a few hundred names in byte order, folders included", async () => {
    const names = Array.from({ length: 250 }, (_, i) => `f${String(i).padStart(4, "0")}`);
    for (const name of [...names].reverse()) file(`big/${name}`);
    mkdirSync(join(root.path, "big/sub"));
    file("big/data.csv");
    mkdirSync(join(root.path, "big/data"));
    const entries = await listAll("big", 9);
    expect(entries.map((entry) => entry.name)).toEqual(["data", "data.csv", ...names, "sub"]);
    expect(entries.find((entry) => entry.name === "sub")).toMatchObject({ directory: true, sizeBytes: 0, fingerprint: "" });
    const one = entries.find((entry) => entry.name === "f0000")!;
    expect(one).toMatchObject({ directory: false, sizeBytes: 1 });
    expect(one.fingerprint).toBe(fileFingerprint(one.mtimeMs, 1));
  });

  it("stats a file, a folder and nothing; lists nested folders; hides what the namespace cannot hold", async () => {
    file("a/b/c.txt", "hello");
    utimesSync(join(root.path, "a/b/c.txt"), 1_700_000_000, 1_700_000_000.123);
    expect(await ufs.stat("a/b/c.txt")).toEqual({ name: "c.txt", directory: false, sizeBytes: 5, mtimeMs: 1_700_000_000_123, fingerprint: "file:mtime=1700000000123;size=5" });
    expect(await ufs.stat("a/b")).toMatchObject({ name: "b", directory: true });
    expect(await ufs.stat("a/missing")).toBeUndefined();
    expect(await ufs.stat("a/b/c.txt/under-a-file")).toBeUndefined();
    expect(await ufs.stat("")).toMatchObject({ directory: true });
    expect((await ufs.list("a", "", 10)).entries.map((entry) => entry.name)).toEqual(["b"]);
    // A dangling link and a control character in a name: neither can be an entry.
    symlinkSync(join(root.path, "nowhere"), join(root.path, "a/dangling"));
    file("a/bad\u0001name");
    expect((await ufs.list("a", "", 10)).entries.map((entry) => entry.name)).toEqual(["b"]);
    expect((await failure(() => ufs.stat("a/../../etc"))).code).toBe("INVALID");
    expect((await failure(() => ufs.list("nothing-here", "", 10))).code).toBe("NOT_FOUND");
  });

  it("a folder that does not exist, or is not a folder, fails check in one sentence", async () => {
    const gone = openUnderStorage(record(join(root.path, "gone")));
    const err = await failure(() => gone.check());
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toBe(`the folder ${join(root.path, "gone")} does not exist`);
    file("plain");
    expect((await failure(() => openUnderStorage(record(join(root.path, "plain"))).check())).code).toBe("INVALID");
    await ufs.check();
  });
});

describe("file:// reads", () => {
  it("reads a range of the version its fingerprint names, in pieces", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    file("blob", bytes);
    const entry = (await ufs.stat("blob"))!;
    expect(await bytesOf(ufs.read("blob", 5, bytes.length - 10, entry.fingerprint))).toEqual(bytes.subarray(5, bytes.length - 5));
    expect(await bytesOf(ufs.read("blob", 0, 0, entry.fingerprint))).toEqual(Buffer.alloc(0));
  });

  it("refuses with CHANGED a read of a file rewritten, or rewritten while it is read, or deleted", async () => {
    file("changing", "version one");
    utimesSync(join(root.path, "changing"), 1_700_000_000, 1_700_000_000);
    const old = (await ufs.stat("changing"))!;
    file("changing", "version TWO");
    const err = await failure(() => bytesOf(ufs.read("changing", 0, 5, old.fingerprint)));
    expect(err.code).toBe("CHANGED");
    expect(err.message).toBe(`file://${join(root.path, "changing")} changed in the under-storage; read it again`);

    // Changed between two pieces: the piece read after the change is never handed on.
    const bytes = randomBytes(2 * 1024 * 1024 + 1);
    file("midway", bytes);
    // An old mtime: the rewrite below cannot fall in the same millisecond.
    utimesSync(join(root.path, "midway"), 1_700_000_000, 1_700_000_000);
    const before = (await ufs.stat("midway"))!;
    const received: Uint8Array[] = [];
    const midway = await failure(async () => {
      for await (const piece of ufs.read("midway", 0, bytes.length, before.fingerprint)) {
        received.push(piece);
        if (received.length === 1) file("midway", randomBytes(bytes.length));
      }
    });
    expect(midway.code).toBe("CHANGED");
    expect(received.length).toBe(1);
    expect(Buffer.from(received[0]!)).toEqual(bytes.subarray(0, received[0]!.length));

    const now = (await ufs.stat("changing"))!;
    await ufs.delete("changing", false);
    expect((await failure(() => bytesOf(ufs.read("changing", 0, 5, now.fingerprint)))).code).toBe("CHANGED");
  });
});

describe("file:// writes, deletes and renames", () => {
  it("writes through a hidden temporary name, making folders, and returns the entry", async () => {
    const written = await ufs.write("new/deep/file.bin", (async function* () { yield Buffer.from("abc"); yield Buffer.from("def"); })(), 6);
    expect(readFileSync(join(root.path, "new/deep/file.bin"), "utf8")).toBe("abcdef");
    expect(await ufs.stat("new/deep/file.bin")).toEqual(written);
    expect(written).toMatchObject({ name: "file.bin", directory: false, sizeBytes: 6 });
    expect(readdirSync(join(root.path, "new/deep"))).toEqual(["file.bin"]);
    expect(await ufs.write("new/empty", (async function* () {})(), 0)).toMatchObject({ name: "empty", sizeBytes: 0 });
    expect(readFileSync(join(root.path, "new/empty")).length).toBe(0);
    // Replaced whole: a wrong length leaves the old file and no temporary behind.
    const err = await failure(() => ufs.write("new/deep/file.bin", (async function* () { yield Buffer.from("xy"); })(), 3));
    expect(err.code).toBe("INVALID");
    expect(err.message).toBe("the file written to new/deep/file.bin ended after 2 of its 3 bytes");
    expect(readFileSync(join(root.path, "new/deep/file.bin"), "utf8")).toBe("abcdef");
    expect(readdirSync(join(root.path, "new/deep"))).toEqual(["file.bin"]);
  });

  it("a temporary name being written is not listed", async () => {
    file("w/.tessera-tmp-0123456789abcdef", "partial");
    file("w/real");
    expect((await ufs.list("w", "", 10)).entries.map((entry) => entry.name)).toEqual(["real"]);
    expect(await ufs.stat("w/.tessera-tmp-0123456789abcdef")).toBeUndefined();
  });

  it("deletes a file, an empty folder, and a folder recursively; refuses a folder that is not empty without recursive", async () => {
    file("d/one");
    file("d/tree/a/b");
    mkdirSync(join(root.path, "d/empty"));
    await ufs.delete("d/one", false);
    await ufs.delete("d/empty", false);
    expect((await failure(() => ufs.delete("d/tree", false))).code).toBe("INVALID");
    await ufs.delete("d/tree", true);
    expect(readdirSync(join(root.path, "d"))).toEqual([]);
    await ufs.delete("d/one", false);
    expect((await failure(() => ufs.delete("", true))).code).toBe("INVALID");
  });

  it("renames a file into a new folder", async () => {
    file("r/from", "moving");
    await ufs.rename("r/from", "r/to/there");
    expect(existsSync(join(root.path, "r/from"))).toBe(false);
    expect(readFileSync(join(root.path, "r/to/there"), "utf8")).toBe("moving");
    expect((await failure(() => ufs.rename("r/nothing", "r/else"))).code).toBe("NOT_FOUND");
  });

  it("a folder this process may not read is PERMISSION_DENIED", async () => {
    if (process.getuid?.() === 0) {
      // root reads every folder: the mode cannot deny it, so the mapping is shown on the error alone.
      const { fileError } = await import("../../src/ufs/errors.ts");
      expect(fileError(Object.assign(new Error("denied"), { code: "EACCES" }), "file:///x").code).toBe("PERMISSION_DENIED");
      return;
    }
    file("locked/inner");
    chmodSync(join(root.path, "locked"), 0o000);
    try {
      expect((await failure(() => ufs.list("locked", "", 10))).code).toBe("PERMISSION_DENIED");
    } finally {
      chmodSync(join(root.path, "locked"), 0o755);
    }
  });
});
