// What an object store needs of the namespace (issue 14), on the state machine alone:
// attributes of files and folders (set by the commit that completes a file, by mkdir, by
// setAttributes; returned by stat and list, and a list page bounded by bytes), a rename that
// replaces a file and makes missing folders, a delete that prunes the folders it left empty,
// a concat of closed files into a new one, settings listed by prefix and deleted, each one
// Raft entry, served at most once, and schema 4 → 5.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand, type LogCommandKind, type LogCommandOf, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { ReplayedCall } from "../../src/master/state/retry-cache.ts";
import { SCHEMA_VERSION } from "../../src/master/state/namespace-schema.ts";
import { WireError } from "../../src/protocol/errors.ts";
import { ATTRIBUTE_NAME_BYTES_MAX, ATTRIBUTES_BYTES_MAX, CONCAT_SOURCES_MAX, LIST_PAGE_BYTES_MAX, META_RPC_LIMITS } from "../../src/protocol/limits.ts";
import { attributesFromWire, attributesProblem, attributesToWire } from "../../src/protocol/attributes.ts";
import { FileStatus, MetaRequest, MetaResponse } from "../../src/protocol/pb/meta.ts";
import { META_REQUEST_LIMITS, META_RESPONSE_LIMITS, metaRequest } from "../../src/protocol/meta.ts";
import { tempDir } from "../support/temp.ts";

const MiB = 1024 * 1024;
const CLIENT = "12D3KooWPeerA/abc";
const PEERS = ["peerA", "peerB", "peerC"];

type Command = { [K in LogCommandKind]: { [P in K]: Partial<LogCommandOf<P>> } }[LogCommandKind];

function harness(ns = Namespace.open()) {
  let index = ns.appliedIndex();
  const run = (command: Command, call?: TypedLogCommand["call"]): any => ns.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand({ ...(command as TypedLogCommand), ...(call ? { call } : {}) }) });
  const fail = (command: Command): string => {
    try {
      run(command);
    } catch (err) {
      expect(err).toBeInstanceOf(WireError);
      return (err as WireError).code;
    }
    throw new Error(`${Object.keys(command)[0]} succeeded`);
  };
  /** A closed file of committed chunks of these sizes, its chunk ids in order. */
  const write = (path: string, sizes: number[], extra: { replication?: number; chunkSizeBytes?: number; attributes?: Record<string, string> } = {}): string[] => {
    const { fileId } = run({ create: { path, replication: extra.replication ?? 3, chunkSizeBytes: extra.chunkSizeBytes ?? 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1_000 } });
    const ids: string[] = [];
    sizes.forEach((sizeBytes, i) => {
      const chunk = run({ addChunk: { fileId, clientId: CLIENT, replicas: PEERS } });
      const last = i === sizes.length - 1;
      const attributes = last && extra.attributes ? { attributes: { entries: attributesToWire(extra.attributes) } } : {};
      run({ commitChunk: { fileId, chunkId: chunk.chunkId, version: chunk.version, sizeBytes, clientId: CLIENT, ...(last ? { complete: true, mtimeMs: 2_000, ...attributes } : {}) } });
      ids.push(chunk.chunkId);
    });
    if (sizes.length === 0) run({ complete: { fileId, clientId: CLIENT, mtimeMs: 2_000, ...(extra.attributes ? { attributes: { entries: attributesToWire(extra.attributes) } } : {}) } });
    return ids;
  };
  const attrs = (path: string) => attributesFromWire(ns.stat(path).attributes);
  return { ns, run, fail, write, attrs };
}

const list = (attributes: Record<string, string>) => ({ entries: attributesToWire(attributes) });

describe("attributes of files and folders", () => {
  it("are set by the entry that completes a file, by mkdir and by a closed create, and returned by stat and list", () => {
    const h = harness();
    h.run({ mkdir: { path: "/b", mtimeMs: 1, attributes: list({ "s3.bucket": "yes" }) } });
    h.run({ mkdir: { path: "/b/x/y", parents: true, mtimeMs: 1, attributes: list({ "s3.marker": "" }) } });
    // mkdir's attributes go on the folder it names, not on the parents it makes.
    expect([h.attrs("/b"), h.attrs("/b/x"), h.attrs("/b/x/y")]).toEqual([{ "s3.bucket": "yes" }, {}, { "s3.marker": "" }]);
    h.write("/b/multi", [10, 20], { attributes: { "s3.etag": '"e1"', "s3.meta.ü": "ünï" } });
    h.write("/b/completed", [], { attributes: { "s3.etag": '"e2"' } });
    h.run({ create: { path: "/b/empty", replication: 3, chunkSizeBytes: 64 * MiB, clientId: CLIENT, mtimeMs: 5, closed: true, attributes: list({ "s3.content-type": "text/plain" }) } });
    h.write("/b/plain", [1]);
    expect(h.attrs("/b/multi")).toEqual({ "s3.etag": '"e1"', "s3.meta.ü": "ünï" });
    expect(h.attrs("/b/completed")).toEqual({ "s3.etag": '"e2"' });
    expect(h.attrs("/b/empty")).toEqual({ "s3.content-type": "text/plain" });
    expect(h.attrs("/b/plain")).toEqual({});
    const page = h.ns.list("/b");
    expect(page.entries.map((entry) => [entry.path, attributesFromWire(entry.attributes)])).toEqual([
      ["/b/completed", { "s3.etag": '"e2"' }],
      ["/b/empty", { "s3.content-type": "text/plain" }],
      ["/b/multi", { "s3.etag": '"e1"', "s3.meta.ü": "ünï" }],
      ["/b/plain", {}],
      ["/b/x", {}],
    ]);
  });

  it("setAttributes replaces the whole map of a file or folder, and an open file keeps them when completed without any", () => {
    const h = harness();
    h.write("/f", [3], { attributes: { a: "1", b: "2" } });
    h.run({ setAttributes: { path: "/f", attributes: attributesToWire({ c: "3" }) } });
    expect(h.attrs("/f")).toEqual({ c: "3" });
    h.run({ setAttributes: { path: "/f", attributes: [] } });
    expect(h.attrs("/f")).toEqual({});
    h.run({ mkdir: { path: "/d", mtimeMs: 1 } });
    h.run({ setAttributes: { path: "/d", attributes: attributesToWire({ "s3.marker": "1" }) } });
    expect(h.attrs("/d")).toEqual({ "s3.marker": "1" });
    const { fileId } = h.run({ create: { path: "/open", replication: 1, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1 } });
    h.run({ setAttributes: { path: "/open", attributes: attributesToWire({ kept: "yes" }) } });
    h.run({ complete: { fileId, clientId: CLIENT, mtimeMs: 3 } });
    expect(h.attrs("/open")).toEqual({ kept: "yes" });
    expect(h.fail({ setAttributes: { path: "/nothing", attributes: [] } })).toBe("NOT_FOUND");
  });

  it("are checked against their bounds on every master: a bad list refuses the whole command", () => {
    const h = harness();
    const long = "n".repeat(ATTRIBUTE_NAME_BYTES_MAX + 1);
    h.write("/f", [1]);
    expect(h.fail({ setAttributes: { path: "/f", attributes: [{ name: long, value: "" }] } })).toBe("INVALID");
    expect(h.fail({ setAttributes: { path: "/f", attributes: [{ name: "", value: "x" }] } })).toBe("INVALID");
    expect(h.fail({ setAttributes: { path: "/f", attributes: [{ name: "a\n", value: "x" }] } })).toBe("INVALID");
    expect(h.fail({ setAttributes: { path: "/f", attributes: [{ name: "b", value: "" }, { name: "a", value: "" }] } })).toBe("INVALID");
    expect(h.fail({ setAttributes: { path: "/f", attributes: [{ name: "a", value: "" }, { name: "a", value: "" }] } })).toBe("INVALID");
    // The byte bound counts UTF-8: 16 KiB of "é" is 8,192 characters.
    expect(h.fail({ setAttributes: { path: "/f", attributes: [{ name: "a", value: "é".repeat(ATTRIBUTES_BYTES_MAX / 2) }] } })).toBe("INVALID");
    h.run({ setAttributes: { path: "/f", attributes: [{ name: "a", value: "é".repeat(ATTRIBUTES_BYTES_MAX / 2 - 1) }] } });
    expect(h.fail({ mkdir: { path: "/d", mtimeMs: 1, attributes: { entries: [{ name: long, value: "" }] } } })).toBe("INVALID");
    expect(h.ns.counts().directories).toBe(1);
    // An open file's attributes come with its completion, not its create.
    expect(h.fail({ create: { path: "/g", replication: 1, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 9, mtimeMs: 1, attributes: list({ a: "1" }) } })).toBe("INVALID");
    expect(attributesProblem(attributesToWire({ ok: "x".repeat(ATTRIBUTES_BYTES_MAX - 2) }))).toBeUndefined();
    expect(attributesProblem(attributesToWire({ ok: "x".repeat(ATTRIBUTES_BYTES_MAX - 1) }))).toContain(`${ATTRIBUTES_BYTES_MAX} bytes`);
  });

  it("a page of a listing stops at its byte bound, and paging still gets every entry once", () => {
    const h = harness();
    h.run({ mkdir: { path: "/big", mtimeMs: 1 } });
    const value = "v".repeat(ATTRIBUTES_BYTES_MAX - 10);
    const files = 80;
    for (let i = 0; i < files; i++) h.write(`/big/f${String(i).padStart(3, "0")}`, [], { attributes: { "s3.meta.x": value } });
    const seen: string[] = [];
    let pages = 0;
    let after: string | undefined;
    do {
      const page = h.ns.list("/big", { limit: 1_000, ...(after ? { after } : {}) });
      pages += 1;
      // The page fits one metadata answer.
      const answer = MetaResponse.encode({ list: { entries: page.entries.map((entry) => FileStatus.decode(FileStatus.encode({ path: entry.path, kind: FileStatus.Kind.FILE, sizeBytes: 0, replication: 3, chunkSizeBytes: 0, mtimeMs: 0, state: FileStatus.State.CLOSED, chunks: [], fileId: entry.id, attributes: { entries: entry.attributes } }))), next: page.next ?? "" } });
      expect(answer.length).toBeLessThan(META_RPC_LIMITS.messageBytesMax);
      expect(page.entries.length).toBeLessThanOrEqual(Math.ceil(LIST_PAGE_BYTES_MAX / value.length) + 1);
      seen.push(...page.entries.map((entry) => entry.path));
      after = page.next;
    } while (after);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(Array.from({ length: files }, (_, i) => `/big/f${String(i).padStart(3, "0")}`));
    // A recursive listing pages the same way, folders included, in walk order.
    h.run({ mkdir: { path: "/big/f040x/deep", parents: true, mtimeMs: 1 } });
    const walked: string[] = [];
    let walkPages = 0;
    after = undefined;
    do {
      const page = h.ns.list("/", { recursive: true, limit: 10_000, ...(after ? { after } : {}) });
      walkPages += 1;
      walked.push(...page.entries.map((entry) => entry.path));
      after = page.next;
    } while (after);
    expect(walkPages).toBeGreaterThan(2);
    const expected = ["/big", ...seen.slice(0, 41), "/big/f040x", "/big/f040x/deep", ...seen.slice(41)];
    expect(walked).toEqual(expected);
  });
});

describe("rename with replace and parents", () => {
  it("replaces a file in the same entry (its chunks pending deletion), never a folder, and makes missing folders", () => {
    const h = harness();
    h.run({ mkdir: { path: "/b", mtimeMs: 1 } });
    h.write("/b/tmp", [5, 6]);
    const old = h.write("/b/key", [7]);
    expect(h.fail({ rename: { path: "/b/tmp", destination: "/b/key", mtimeMs: 3 } })).toBe("ALREADY_EXISTS");
    h.run({ rename: { path: "/b/tmp", destination: "/b/key", mtimeMs: 3, replace: true } });
    expect(h.ns.stat("/b/key").sizeBytes).toBe(11);
    expect(h.ns.pendingDeletes().chunks.map((chunk) => chunk.chunkId)).toEqual(old);
    expect(h.ns.counts()).toEqual({ files: 1, directories: 2, chunks: 2, pendingDeletes: 1 });
    // Missing folders of the destination, in the same entry.
    expect(h.fail({ rename: { path: "/b/key", destination: "/b/x/y/key", mtimeMs: 4 } })).toBe("NOT_FOUND");
    h.run({ rename: { path: "/b/key", destination: "/b/x/y/key", mtimeMs: 4, parents: true } });
    expect(h.ns.stat("/b/x/y").kind).toBe("dir");
    expect(h.ns.stat("/b/x/y/key").sizeBytes).toBe(11);
    // A folder at the destination is never replaced; nor does a folder replace a file.
    h.write("/b/other", [1]);
    expect(h.fail({ rename: { path: "/b/other", destination: "/b/x", mtimeMs: 5, replace: true } })).toBe("ALREADY_EXISTS");
    expect(h.fail({ rename: { path: "/b/x", destination: "/b/other", mtimeMs: 5, replace: true } })).toBe("ALREADY_EXISTS");
    expect(h.fail({ rename: { path: "/b/other", destination: "/b/other/z", mtimeMs: 5, parents: true } })).toBe("INVALID");
    // Onto itself with replace: nothing changes.
    h.run({ rename: { path: "/b/other", destination: "/b/other", mtimeMs: 6, replace: true } });
    expect(h.ns.stat("/b/other").sizeBytes).toBe(1);
    expect(h.ns.counts()).toEqual({ files: 2, directories: 4, chunks: 3, pendingDeletes: 1 });
  });
});

describe("delete that prunes the folders it left empty", () => {
  it("walks up removing empty folders without attributes, never the folder named nor above it", () => {
    const h = harness();
    h.run({ mkdir: { path: "/b/x/y/z", parents: true, mtimeMs: 1 } });
    h.write("/b/x/y/z/f", [3]);
    h.write("/b/x/keep", [1]);
    expect(h.run({ delete: { path: "/b/x/y/z/f", recursive: false, nowMs: 9, pruneEmptyParentsBelow: "/b" } })).toEqual({ files: 1, directories: 2, chunks: 1 });
    // z and y went; x holds a file, so it stays, and so does everything above.
    expect(h.ns.list("/b", { recursive: true }).entries.map((entry) => entry.path)).toEqual(["/b/x", "/b/x/keep"]);
    expect(h.ns.stat("/b/x").mtimeMs).toBe(9);
    expect(h.run({ delete: { path: "/b/x/keep", recursive: false, nowMs: 10, pruneEmptyParentsBelow: "/b" } })).toEqual({ files: 1, directories: 1, chunks: 1 });
    expect(h.ns.list("/b").entries).toEqual([]);
    expect(h.ns.stat("/b").kind).toBe("dir");
    // A folder with attributes (an S3 folder marker) stays.
    h.run({ mkdir: { path: "/b/m/n", parents: true, mtimeMs: 1 } });
    h.run({ setAttributes: { path: "/b/m", attributes: attributesToWire({ "s3.marker": "1" }) } });
    h.write("/b/m/n/f", [1]);
    expect(h.run({ delete: { path: "/b/m/n/f", recursive: false, nowMs: 11, pruneEmptyParentsBelow: "/b" } })).toEqual({ files: 1, directories: 1, chunks: 1 });
    expect(h.ns.list("/b", { recursive: true }).entries.map((entry) => entry.path)).toEqual(["/b/m"]);
    // A recursive delete of a folder prunes above it the same way.
    h.run({ mkdir: { path: "/b/p/q/r", parents: true, mtimeMs: 1 } });
    h.write("/b/p/q/r/f", [1]);
    expect(h.run({ delete: { path: "/b/p/q", recursive: true, nowMs: 12, pruneEmptyParentsBelow: "/b" } })).toEqual({ files: 1, directories: 3, chunks: 1 });
    expect(h.ns.list("/b").entries.map((entry) => entry.path)).toEqual(["/b/m"]);
    // Without the option nothing is pruned; a folder not above the path is refused.
    h.run({ mkdir: { path: "/b/s/t", parents: true, mtimeMs: 1 } });
    h.write("/b/s/t/f", [1]);
    expect(h.fail({ delete: { path: "/b/s/t/f", recursive: false, nowMs: 13, pruneEmptyParentsBelow: "/c" } })).toBe("INVALID");
    expect(h.fail({ delete: { path: "/b/s/t/f", recursive: false, nowMs: 13, pruneEmptyParentsBelow: "/b/s/t/f" } })).toBe("INVALID");
    h.run({ delete: { path: "/b/s/t/f", recursive: false, nowMs: 13 } });
    expect(h.ns.stat("/b/s/t").kind).toBe("dir");
    expect(h.ns.counts()).toEqual({ files: 0, directories: 5, chunks: 0, pendingDeletes: 5 });
  });
});

describe("concat", () => {
  it("makes one closed file of the sources' chunks in order, removes the sources, and moves no chunk", () => {
    const h = harness();
    h.run({ mkdir: { path: "/b/.up/u1", parents: true, mtimeMs: 1 } });
    const p1 = h.write("/b/.up/u1/part-1", [10, 20], { replication: 2 });
    const p2 = h.write("/b/.up/u1/part-2", [], { replication: 3, chunkSizeBytes: 128 * MiB });
    const p3 = h.write("/b/.up/u1/part-3", [5]);
    const result = h.run({ concat: { sources: ["/b/.up/u1/part-1", "/b/.up/u1/part-2", "/b/.up/u1/part-3"], destination: "/b/k/obj", attributes: attributesToWire({ "s3.parts": "3" }), parents: true, mtimeMs: 50 } });
    expect(result).toEqual({ fileId: expect.any(Number), lengthBytes: 35, replication: 3, chunkSizeBytes: 128 * MiB, mtimeMs: 50, chunks: 3 });
    const stat = h.ns.stat("/b/k/obj", { chunks: true });
    expect(stat).toMatchObject({ kind: "file", state: "closed", sizeBytes: 35, replication: 3, chunkSizeBytes: 128 * MiB, mtimeMs: 50 });
    expect(attributesFromWire(stat.attributes)).toEqual({ "s3.parts": "3" });
    expect(stat.chunks!.map((chunk) => [chunk.chunkId, chunk.index, chunk.sizeBytes, chunk.committed])).toEqual([
      [p1[0], 0, 10, true],
      [p1[1], 1, 20, true],
      [p3[0], 2, 5, true],
    ]);
    expect(p2).toEqual([]);
    expect(h.ns.fileOfChunk(p3[0]!)).toMatchObject({ path: "/b/k/obj", index: 2 });
    expect(h.ns.list("/b/.up/u1").entries).toEqual([]);
    // The root, /b, /b/.up, /b/.up/u1 and the new /b/k.
    expect(h.ns.counts()).toEqual({ files: 1, directories: 5, chunks: 3, pendingDeletes: 0 });
  });

  it("replaces a file at the destination when asked, and refuses bad sources whole", () => {
    const h = harness();
    h.run({ mkdir: { path: "/b", mtimeMs: 1 } });
    h.write("/b/a", [1]);
    h.write("/b/c", [2]);
    const old = h.write("/b/dst", [3]);
    const concat = (extra: Partial<LogCommandOf<"concat">>) => ({ concat: { sources: ["/b/a", "/b/c"], destination: "/b/dst", attributes: [], replace: false, parents: false, mtimeMs: 7, ...extra } });
    expect(h.fail(concat({}))).toBe("ALREADY_EXISTS");
    expect(h.fail(concat({ sources: ["/b/a", "/b/a"] }))).toBe("INVALID");
    expect(h.fail(concat({ sources: [] }))).toBe("INVALID");
    // Past the bound the entry does not even decode: rejected alike on every master.
    expect(h.fail(concat({ sources: Array.from({ length: CONCAT_SOURCES_MAX + 1 }, (_, i) => `/b/p${i}`) }))).toBe("COMMAND_REJECTED");
    expect(h.fail(concat({ sources: ["/b/a", "/b/dst"], replace: true }))).toBe("INVALID");
    expect(h.fail(concat({ sources: ["/b/a", "/b"], replace: true }))).toBe("NOT_A_FILE");
    expect(h.fail(concat({ sources: ["/b/a", "/b/missing"], replace: true }))).toBe("NOT_FOUND");
    h.run({ create: { path: "/b/open", replication: 1, chunkSizeBytes: 64 * MiB, clientId: CLIENT, leaseExpiryMs: 60_000, mtimeMs: 1 } });
    expect(h.fail(concat({ sources: ["/b/a", "/b/open"], replace: true }))).toBe("INVALID");
    expect(h.fail(concat({ destination: "/b/x/dst", replace: true }))).toBe("NOT_FOUND");
    // Nothing of the refused ones happened.
    expect(h.ns.counts()).toEqual({ files: 4, directories: 2, chunks: 3, pendingDeletes: 0 });
    h.run(concat({ replace: true }));
    expect(h.ns.stat("/b/dst").sizeBytes).toBe(3);
    expect(h.ns.pendingDeletes().chunks.map((chunk) => chunk.chunkId)).toEqual(old);
    expect(h.ns.counts()).toEqual({ files: 2, directories: 2, chunks: 2, pendingDeletes: 1 });
  });

  it("a concat of 10,000 sources of 120-byte paths fits one metadata request, and more are refused when decoded", () => {
    const sources = Array.from({ length: CONCAT_SOURCES_MAX }, (_, i) => `/bucket/.tessera-s3/uploads/${"u".repeat(64)}/part-${String(i).padStart(5, "0")}`.padEnd(120, "x"));
    expect(sources[0]!.length).toBe(120);
    const request = MetaRequest.encode(metaRequest("concat", { sources, destination: "/bucket/key", attributes: attributesToWire({ "s3.etag": '"x-10000"' }), replace: true, parents: true }, { clientId: CLIENT, callId: 1 }));
    expect(request.length).toBeLessThan(META_RPC_LIMITS.messageBytesMax);
    expect(MetaRequest.decode(request, { limits: META_REQUEST_LIMITS }).concat!.sources).toHaveLength(CONCAT_SOURCES_MAX);
    const tooMany = MetaRequest.encode(metaRequest("concat", { sources: [...sources, "/one/more"], destination: "/bucket/key", attributes: [], replace: false, parents: false }));
    expect(() => MetaRequest.decode(tooMany, { limits: META_REQUEST_LIMITS })).toThrow(/too many/);
    expect(() => MetaResponse.decode(MetaResponse.encode({ stat: { path: "/f", kind: FileStatus.Kind.FILE, sizeBytes: 0, replication: 1, chunkSizeBytes: 0, mtimeMs: 0, state: FileStatus.State.CLOSED, chunks: [], fileId: 1, owner: "", group: "", permission: 0, accessTimeMs: 0, attributes: { entries: Array.from({ length: ATTRIBUTES_BYTES_MAX + 1 }, () => ({ name: "a", value: "" })) } } }), { limits: META_RESPONSE_LIMITS })).toThrow(/too many/);
  });
});

describe("each new command is served at most once", () => {
  it("a retried concat, setAttributes, rename with replace, pruning delete or deleteSetting gets its first outcome and changes nothing", () => {
    const h = harness();
    h.run({ mkdir: { path: "/b/d", parents: true, mtimeMs: 1 } });
    h.write("/b/d/p1", [4]);
    h.write("/b/d/p2", [6]);
    h.write("/b/t", [1]);
    h.write("/b/k", [2]);
    h.run({ setSetting: { key: "s3/key/AK1", value: new Uint8Array([1]) } });
    const call = (callId: number) => ({ clientId: CLIENT, callId, nowMs: 1_000 });
    const commands: Command[] = [
      { concat: { sources: ["/b/d/p1", "/b/d/p2"], destination: "/b/obj", attributes: attributesToWire({ e: "1" }), replace: false, parents: false, mtimeMs: 5 } },
      { setAttributes: { path: "/b/obj", attributes: attributesToWire({ e: "2" }) } },
      { rename: { path: "/b/t", destination: "/b/k", mtimeMs: 6, replace: true } },
      { delete: { path: "/b/k", recursive: false, nowMs: 7, pruneEmptyParentsBelow: "/b" } },
      { deleteSetting: { key: "s3/key/AK1" } },
    ];
    const first = commands.map((command, i) => h.run(command, call(i + 1)));
    const state = h.ns.dump().replace(/\n\[1,\d+,/, "");
    const again = commands.map((command, i) => h.run(command, call(i + 1)));
    expect(again.every((result) => result instanceof ReplayedCall)).toBe(true);
    expect(again.map((result) => (result as ReplayedCall).value)).toEqual(first);
    expect(h.ns.dump().replace(/\n\[1,\d+,/, "")).toBe(state);
    expect(h.attrs("/b/obj")).toEqual({ e: "2" });
    expect(h.ns.getSetting("s3/key/AK1")).toBeUndefined();
  });
});

describe("settings listed by prefix, and deleted", () => {
  it("pages through the keys under a prefix in key order, and deleteSetting removes one", () => {
    const h = harness();
    for (const key of ["s3/key/B", "s3/key/A", "s3/keys", "s3/kex", "voters/target", "s3/key/C"]) h.run({ setSetting: { key, value: new TextEncoder().encode(key) } });
    const first = h.ns.listSettings("s3/key/", { limit: 2 });
    expect(first.entries.map((entry) => entry.key)).toEqual(["s3/key/A", "s3/key/B"]);
    expect(new TextDecoder().decode(first.entries[0]!.value)).toBe("s3/key/A");
    expect(first.next).toBe("s3/key/B");
    expect(h.ns.listSettings("s3/key/", { limit: 2, after: first.next })).toEqual({ entries: [{ key: "s3/key/C", value: new TextEncoder().encode("s3/key/C") }] });
    expect(h.ns.listSettings("").entries).toHaveLength(6);
    expect(h.run({ deleteSetting: { key: "s3/key/B" } })).toEqual({ deleted: true });
    expect(h.run({ deleteSetting: { key: "s3/key/B" } })).toEqual({ deleted: false });
    expect(h.ns.listSettings("s3/key/").entries.map((entry) => entry.key)).toEqual(["s3/key/A", "s3/key/C"]);
    expect(h.ns.settingCount).toBe(5);
    expect(h.fail({ deleteSetting: { key: "bad key" } })).toBe("COMMAND_REJECTED");
  });
});

describe("schema 5", () => {
  it("a database of schema 4 gains the attributes column in one upgrade when opened; its inodes have none", () => {
    const dir = tempDir("schema-4");
    try {
      const path = join(dir.path, "namespace.db");
      const h = harness(Namespace.open({ path }));
      h.run({ mkdir: { path: "/kept", mtimeMs: 1 } });
      h.write("/kept/f", [3]);
      h.ns.close();
      // As schema 4 left it: no attributes column (nor schema 6's permission columns, nor schema 7's under-storage ones).
      const db = new Database(path);
      db.run("DROP INDEX inodes_to_persist");
      for (const column of ["attributes", "owner", "grp", "mode", "atime_ms", "ufs_fingerprint", "persist_state", "pinned", "ufs_synced_ms"]) db.run(`ALTER TABLE inodes DROP COLUMN ${column}`);
      db.run("PRAGMA user_version = 4");
      db.close();
      const upgraded = harness(Namespace.open({ path }));
      try {
        expect(upgraded.ns.stat("/kept/f")).toMatchObject({ sizeBytes: 3, attributes: [] });
        upgraded.run({ setAttributes: { path: "/kept/f", attributes: attributesToWire({ a: "1" }) } });
        expect(upgraded.attrs("/kept/f")).toEqual({ a: "1" });
      } finally {
        upgraded.ns.close();
      }
      const check = new Database(path);
      expect((check.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
      check.close();
    } finally {
      dir.remove();
    }
  });
});
