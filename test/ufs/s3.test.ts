// S3 as an under-storage (src/ufs/s3.ts) against two real S3 servers: s3rver in this process,
// and Tessera's own S3 gateway (one peer of the compiled binary), which lists as S3 does where
// s3rver does not and checks signatures (test/support/under-s3.ts says what s3rver skips). Paged
// listings in name order, folders, stat, ranged reads refused once the object changed,
// multipart writes, recursive deletes, renames, and the failures a user must be told about in
// one sentence (issue 16, "Bad input").
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { openUnderStorage, type UnderStorageTuning } from "../../src/ufs/open.ts";
import { UnderStorageError } from "../../src/ufs/errors.ts";
import { compareNames } from "../../src/ufs/names.ts";
import type { UnderStorage, UnderStorageEntry } from "../../src/ufs/under-storage.ts";
import { ReadType, WriteType, type MountRecord } from "../../src/protocol/mounts.ts";
import { createBucket, S3RVER_KEY, startS3rver } from "../support/under-s3.ts";
import { ensureBinary, PeerProcesses, runCli, type StartedPeer } from "../support/processes.ts";
import { LOOPBACK } from "../support/job-cluster.ts";
import { tempDir } from "../support/temp.ts";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";

const MiB = 1024 * 1024;
const BUCKET = "ufs-test";

interface Target {
  endpoint: string;
  key: { accessKeyId: string; secretAccessKey: string };
  raw: S3Client;
  stop(): Promise<void>;
}

/** What a server does as S3 does (s3rver falls short where test/support/under-s3.ts says). */
interface Fidelity {
  /** Lists in key order with common prefixes counted in max-keys and found at any depth. */
  listsInKeyOrder: boolean;
  /** Verifies SigV4 signatures (a wrong secret is refused). */
  checksSignatures: boolean;
  /** A multipart upload's ETag is S3's: the parts' MD5s' MD5 and "-N". */
  multipartEtags: boolean;
  /** Copies parts of objects (UploadPartCopy). */
  copiesParts: boolean;
}

function record(options: Record<string, string>, uri = `s3://${BUCKET}`): MountRecord {
  return { id: "m1", path: "/mnt", uri, scheme: "s3", options, readonly: false, syncIntervalMs: 0, readType: ReadType.CACHE, writeType: WriteType.CACHE_THROUGH, replication: 1 };
}

async function startS3rverTarget(): Promise<Target> {
  const server = await startS3rver();
  await createBucket(server, BUCKET);
  const raw = new S3Client({ endpoint: server.endpoint, region: "us-east-1", forcePathStyle: true, credentials: S3RVER_KEY, requestChecksumCalculation: "WHEN_REQUIRED" });
  return {
    endpoint: server.endpoint,
    key: S3RVER_KEY,
    raw,
    stop: async () => {
      raw.destroy();
      await server.remove();
    },
  };
}

/** One peer of the compiled binary serving S3 (`node start --s3`), an access key made by the CLI, and the bucket. */
async function startGatewayTarget(): Promise<Target> {
  await ensureBinary();
  const processes = new PeerProcesses();
  const root = tempDir("ufs-s3");
  try {
    const dataDir = join(root.path, "peer");
    const peer = (await processes.start(["--data-dir", dataDir, "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--s3", "127.0.0.1:0"], { TESSERA_LOG: "warn" })) as StartedPeer & { s3: string };
    const env = { TESSERA_JOIN: peer.addresses[0]!, TESSERA_SWARM_KEY: join(dataDir, "swarm.key"), TESSERA_LOG: "warn" };
    const made = await runCli(["s3", "keys", "create", "--json"], env);
    if (made.code !== 0) throw new Error(`s3 keys create failed: ${made.stderr.trim()}`);
    const created = JSON.parse(made.stdout) as { accessKeyId: string; secret: string };
    const key = { accessKeyId: created.accessKeyId, secretAccessKey: created.secret };
    const raw = new S3Client({ endpoint: peer.s3, region: "us-east-1", forcePathStyle: true, credentials: key });
    await raw.send(new CreateBucketCommand({ Bucket: BUCKET }));
    return {
      endpoint: peer.s3,
      key,
      raw,
      stop: async () => {
        raw.destroy();
        await processes.stopAll();
        root.remove();
      },
    };
  } catch (err) {
    await processes.stopAll();
    root.remove();
    throw err;
  }
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of stream) pieces.push(piece);
  return Buffer.concat(pieces);
}

/** Every entry of a folder, page by page, checking each page's bounds. */
async function listAll(ufs: UnderStorage, path: string, limit: number): Promise<{ entries: UnderStorageEntry[]; pages: number }> {
  const entries: UnderStorageEntry[] = [];
  let after = "";
  let pages = 0;
  for (;;) {
    const page = await ufs.list(path, after, limit);
    pages++;
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    for (const entry of page.entries) expect(compareNames(entry.name, after)).toBeGreaterThan(0);
    if (page.next !== "") {
      expect(page.entries.length).toBeGreaterThan(0);
      expect(page.next).toBe(page.entries[page.entries.length - 1]!.name);
    }
    entries.push(...page.entries);
    if (page.next === "") return { entries, pages };
    after = page.next;
    expect(pages).toBeLessThan(10_000);
  }
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

function s3Suite(label: string, start: () => Promise<Target>, fidelity: Fidelity): void {
  describe(label, () => {
    let target: Target;

    beforeAll(async () => {
      target = await start();
    }, 120_000);

    afterAll(async () => {
      await target?.stop();
    });

    function open(tuning: UnderStorageTuning["s3"] = {}, uri?: string, key = target.key): UnderStorage {
      return openUnderStorage(record({ endpoint: target.endpoint, access_key: key.accessKeyId, secret_key: key.secretAccessKey }, uri), { s3: { attempts: 2, ...tuning } });
    }

    async function put(key: string, body: string | Uint8Array = "x"): Promise<void> {
      await target.raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    }

    async function putAll(keys: string[]): Promise<void> {
      // A key ending in "/" is a folder marker: empty (Tessera's gateway refuses a body there).
      for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((key) => put(key, key.endsWith("/") ? new Uint8Array(0) : "x")));
    }

    describe("listing", () => {
      it("pages a folder of a few hundred keys in name order, a small page at a time, through a key prefix", async () => {
        const names = Array.from({ length: 300 }, (_, i) => `k${String(i).padStart(4, "0")}`);
        await putAll([...names.map((name) => `pre/fix/many/${name}`), "pre/fix/many/sub1/a", "pre/fix/many/sub2/b"]);
        const ufs = open({ listKeysMax: 7 }, `s3://${BUCKET}/pre/fix`);
        const { entries, pages } = await listAll(ufs, "many", 7);
        expect(pages).toBeGreaterThanOrEqual(Math.ceil(302 / 7));
        expect(entries.map((entry) => entry.name)).toEqual([...names, "sub1", "sub2"]);
        expect(entries.filter((entry) => entry.directory).map((entry) => entry.name)).toEqual(["sub1", "sub2"]);
        const file = entries[0]!;
        expect(file).toMatchObject({ directory: false, sizeBytes: 1 });
        expect(file.fingerprint).toMatch(/^s3:etag=".+";size=1$/);
        expect(file.mtimeMs).toBeGreaterThan(0);
        // The mount's root is its key prefix: "many" is a folder there.
        const root = await ufs.list("", "", 10);
        expect(root).toEqual({ entries: [{ name: "many", directory: true, sizeBytes: 0, mtimeMs: 0, fingerprint: "" }], next: "" });
        await ufs.close();
      });

      if (fidelity.listsInKeyOrder) it("keeps name order where S3's key order differs (a folder 'data' after 'data.csv'), at every page size", async () => {
        await putAll(["order/data.csv", "order/data-1", "order/data/x", "order/data+/y", "order/a", "order/dup", "order/dup-2", "order/z!/q"]);
        const expected = ["a", "data", "data+", "data-1", "data.csv", "dup", "dup-2", "z!"];
        for (const limit of [1, 2, 3, 5, 100]) {
          for (const listKeysMax of [1, 2, 1000]) {
            const ufs = open({ listKeysMax });
            const { entries } = await listAll(ufs, "order", limit);
            expect({ limit, listKeysMax, names: entries.map((entry) => entry.name) }).toEqual({ limit, listKeysMax, names: expected });
            expect(entries.find((entry) => entry.name === "data")!.directory).toBe(true);
            await ufs.close();
          }
        }
      });

      it("shows nested folders, folder marker objects and empty folders", async () => {
        // s3rver finds no common prefix without an object directly below it: "a/" has "a/top".
        await putAll(["nest/a/top", "nest/a/b/c.txt", "nest/empty/", "nest/marked/", "nest/marked/f"]);
        const ufs = open();
        expect((await listAll(ufs, "nest", 10)).entries.map((e) => [e.name, e.directory])).toEqual([
          ["a", true],
          ["empty", true],
          ["marked", true],
        ]);
        expect((await ufs.list("nest/a", "", 10)).entries.map((e) => [e.name, e.directory])).toEqual([
          ["b", true],
          ["top", false],
        ]);
        expect((await ufs.list("nest/a/b", "", 10)).entries.map((e) => [e.name, e.directory])).toEqual([["c.txt", false]]);
      // A listing and a stat agree on a file's fingerprint, or every sync would take it for changed.
      const [listed] = (await ufs.list("nest/a/b", "", 10)).entries;
      expect(await ufs.stat("nest/a/b/c.txt")).toEqual({ ...listed, mtimeMs: expect.any(Number) });
      expect((await ufs.stat("nest/a/b/c.txt"))!.fingerprint).toBe(listed!.fingerprint);
        // The marker "marked/" is the folder itself, not an entry of it.
        expect((await ufs.list("nest/marked", "", 10)).entries.map((e) => e.name)).toEqual(["f"]);
        expect(await ufs.list("nest/empty", "", 10)).toEqual({ entries: [], next: "" });
        expect(await ufs.list("nest/none", "", 10)).toEqual({ entries: [], next: "" });
        await ufs.close();
      });
    });

    describe("stat", () => {
      it("tells a file, a folder (with or without a marker) and nothing apart", async () => {
        await putAll(["st/file.txt", "st/dir/inner", "st/marker/"]);
        const ufs = open();
        const file = await ufs.stat("st/file.txt");
        expect(file).toMatchObject({ name: "file.txt", directory: false, sizeBytes: 1 });
        expect(file!.fingerprint).toMatch(/^s3:etag=".+";size=1$/);
        expect(await ufs.stat("st/dir")).toEqual({ name: "dir", directory: true, sizeBytes: 0, mtimeMs: 0, fingerprint: "" });
        expect(await ufs.stat("st/marker")).toMatchObject({ name: "marker", directory: true });
        expect(await ufs.stat("st/missing")).toBeUndefined();
        expect(await ufs.stat("st/fil")).toBeUndefined();
        expect(await ufs.stat("")).toMatchObject({ directory: true });
        expect((await failure(() => ufs.stat("st/../x"))).code).toBe("INVALID");
        await ufs.close();
      });
    });

    describe("reads", () => {
      it("reads a byte range of the version its fingerprint names", async () => {
        const bytes = randomBytes(300_000);
        await put("rd/blob", bytes);
        const ufs = open();
        const entry = (await ufs.stat("rd/blob"))!;
        expect(entry.sizeBytes).toBe(bytes.length);
        expect(await bytesOf(ufs.read("rd/blob", 1_000, 200_000, entry.fingerprint))).toEqual(bytes.subarray(1_000, 201_000));
        expect(await bytesOf(ufs.read("rd/blob", bytes.length - 5, 5, entry.fingerprint))).toEqual(bytes.subarray(bytes.length - 5));
        expect(await bytesOf(ufs.read("rd/blob", 0, 0, entry.fingerprint))).toEqual(Buffer.alloc(0));
        expect((await failure(() => bytesOf(ufs.read("rd/blob", bytes.length - 5, 6, entry.fingerprint)))).code).toBe("INVALID");
        // A reader that stops early leaves nothing behind that blocks the next read.
        for await (const piece of ufs.read("rd/blob", 0, bytes.length, entry.fingerprint)) {
          expect(piece.length).toBeGreaterThan(0);
          break;
        }
        expect(await bytesOf(ufs.read("rd/blob", 0, 10, entry.fingerprint))).toEqual(bytes.subarray(0, 10));
        await ufs.close();
      });

      it("refuses with CHANGED a read of a version the object no longer is, or of an object deleted since", async () => {
        await put("rd/changing", "version one");
        const ufs = open();
        const old = (await ufs.stat("rd/changing"))!;
        await put("rd/changing", "version TWO");
        const err = await failure(() => bytesOf(ufs.read("rd/changing", 0, 5, old.fingerprint)));
        expect(err.code).toBe("CHANGED");
        expect(err.message).toBe(`s3://${BUCKET}/rd/changing changed in the under-storage; read it again`);
        const now = (await ufs.stat("rd/changing"))!;
        expect(now.fingerprint).not.toBe(old.fingerprint);
        expect((await bytesOf(ufs.read("rd/changing", 8, 3, now.fingerprint))).toString()).toBe("TWO");
        await ufs.delete("rd/changing", false);
        expect((await failure(() => bytesOf(ufs.read("rd/changing", 0, 5, now.fingerprint)))).code).toBe("CHANGED");
        await ufs.close();
      });
    });

    describe("writes", () => {
      it("writes a file over 5 MiB as a multipart upload and returns its entry", async () => {
        const bytes = randomBytes(11 * MiB);
        const ufs = open();
        async function* body() {
          for (let offset = 0; offset < bytes.length; offset += 1_000_000) yield bytes.subarray(offset, offset + 1_000_000);
        }
        const written = await ufs.write("wr/big.bin", body(), bytes.length);
        expect(written).toMatchObject({ name: "big.bin", directory: false, sizeBytes: bytes.length });
        // A multipart ETag ends in the number of parts: 11 MiB in 8 MiB parts is two.
        if (fidelity.multipartEtags) expect(written.fingerprint).toMatch(/^s3:etag=".+-2";size=11534336$/);
        else expect(written.fingerprint).toMatch(/^s3:etag=".+";size=11534336$/);
        expect(await ufs.stat("wr/big.bin")).toEqual(written);
        expect(await bytesOf(ufs.read("wr/big.bin", 0, bytes.length, written.fingerprint))).toEqual(bytes);
        await ufs.close();
      });

      it("writes a small file in one PUT, and refuses a body of another length than announced", async () => {
        const ufs = open();
        const written = await ufs.write("wr/small.txt", (async function* () { yield Buffer.from("hello "); yield Buffer.from("world"); })(), 11);
        expect(written.fingerprint).toBe('s3:etag="5eb63bbbe01eeed093cb22bb8f5acdc3";size=11');
        expect((await bytesOf(ufs.read("wr/small.txt", 0, 11, written.fingerprint))).toString()).toBe("hello world");
        const empty = await ufs.write("wr/empty", (async function* () {})(), 0);
        expect(empty).toMatchObject({ name: "empty", directory: false, sizeBytes: 0 });
        expect((await ufs.stat("wr/empty"))!.fingerprint).toBe(empty.fingerprint);
        const short = await failure(() => ufs.write("wr/short.txt", (async function* () { yield Buffer.from("abc"); })(), 10));
        expect(short.code).toBe("INVALID");
        expect(short.message).toContain("ended after 3 of its 10 bytes");
        expect(await ufs.stat("wr/short.txt")).toBeUndefined();
        await ufs.close();
      });
    });

    describe("delete and rename", () => {
      it("deletes a file, and a folder recursively in batches", async () => {
        await putAll([...Array.from({ length: 25 }, (_, i) => `del/tree/f${i}`), "del/tree/sub/deep/x", "del/tree/", "del/keep", "del/one"]);
        const ufs = open({ listKeysMax: 10 });
        await ufs.delete("del/one", false);
        expect(await ufs.stat("del/one")).toBeUndefined();
        await ufs.delete("del/tree", true);
        expect(await ufs.stat("del/tree")).toBeUndefined();
        expect((await listAll(ufs, "del", 10)).entries.map((e) => e.name)).toEqual(["keep"]);
        // Deleting what is not there is no error (S3 deletes are idempotent).
        await ufs.delete("del/one", false);
        expect((await failure(() => ufs.delete("", true))).code).toBe("INVALID");
        await ufs.close();
      });

      it("handles keys that need escaping: spaces, '+', '%', non-ASCII", async () => {
        const from = "esc/a b+c%20ü.txt";
        await put(from, "escaped");
        const ufs = open();
        expect((await ufs.list("esc", "", 10)).entries.map((entry) => entry.name)).toEqual(["a b+c%20ü.txt"]);
        const entry = (await ufs.stat(from))!;
        expect((await bytesOf(ufs.read(from, 0, 7, entry.fingerprint))).toString()).toBe("escaped");
        await ufs.delete(from, false);
        // s3rver decodes x-amz-copy-source with decodeURI, which leaves "%2B" as it is: no '+' in a renamed key.
        await put("esc/from ü%.txt", "renamed");
        await ufs.rename("esc/from ü%.txt", "esc/dir ü/d e%.txt");
        expect(await ufs.stat("esc/from ü%.txt")).toBeUndefined();
        expect((await ufs.list("esc/dir ü", "", 10)).entries.map((e) => e.name)).toEqual(["d e%.txt"]);
        await ufs.delete("esc/dir ü", true);
        expect((await ufs.list("esc", "", 10)).entries).toEqual([]);
        await ufs.close();
      });

      if (fidelity.copiesParts) {
        it("renames a file larger than one copy allows by copying it in parts", async () => {
          const bytes = randomBytes(11 * MiB);
          await put("mv/big.bin", bytes);
          // 5 MiB stands for S3's 5 GiB: 11 MiB goes in three parts of 5, 5 and 1 MiB.
          const ufs = open({ copyBytesMax: 5 * MiB, copyPartBytes: 5 * MiB });
          await ufs.rename("mv/big.bin", "mv/big-moved.bin");
          expect(await ufs.stat("mv/big.bin")).toBeUndefined();
          const moved = (await ufs.stat("mv/big-moved.bin"))!;
          expect(moved.fingerprint).toMatch(/^s3:etag=".+-3";size=11534336$/);
          expect(await bytesOf(ufs.read("mv/big-moved.bin", 0, bytes.length, moved.fingerprint))).toEqual(bytes);
          await ufs.close();
        });
      }

      it("renames a file by copy and delete, and refuses to rename a folder", async () => {
        await put("mv/from.txt", "moving");
        await put("mv/dir/x");
        const ufs = open();
        await ufs.rename("mv/from.txt", "mv/to/there.txt");
        expect(await ufs.stat("mv/from.txt")).toBeUndefined();
        const moved = (await ufs.stat("mv/to/there.txt"))!;
        expect((await bytesOf(ufs.read("mv/to/there.txt", 0, 6, moved.fingerprint))).toString()).toBe("moving");
        const folder = await failure(() => ufs.rename("mv/dir", "mv/dir2"));
        expect(folder.code).toBe("INVALID");
        expect(folder.message).toContain("renaming a folder of an S3 under-storage is not supported");
        expect((await failure(() => ufs.rename("mv/nothing", "mv/else"))).code).toBe("NOT_FOUND");
        await ufs.close();
      });
    });

    describe("failures in one sentence", () => {
      it("an endpoint nobody listens on is UNAVAILABLE, quickly", async () => {
        const closed = await new Promise<number>((resolve) => {
          const probe = createServer().listen(0, "127.0.0.1", () => {
            const port = (probe.address() as { port: number }).port;
            probe.close(() => resolve(port));
          });
        });
        const ufs = openUnderStorage(record({ endpoint: `http://user:pw@127.0.0.1:${closed}`, access_key: "AKIDEXAMPLE", secret_key: "very-secret-key" }), { s3: { attempts: 3 } });
        const started = performance.now();
        const err = await failure(() => ufs.check());
        expect(performance.now() - started).toBeLessThan(5_000);
        expect(err.code).toBe("UNAVAILABLE");
        expect(err.message).toBe(`the under-storage at http://127.0.0.1:${closed} does not answer (ECONNREFUSED): check the endpoint and that the server is up`);
        expect((await failure(() => ufs.list("", "", 10))).code).toBe("UNAVAILABLE");
        expect((await failure(() => ufs.stat("a"))).code).toBe("UNAVAILABLE");
        await ufs.close();
      });

      it("an access key the server does not know is PERMISSION_DENIED, and no secret is in the message", async () => {
        const ufs = open({}, undefined, { accessKeyId: "NOBODY", secretAccessKey: "very-secret-key" });
        const listed = await failure(() => ufs.check());
        expect(listed.code).toBe("PERMISSION_DENIED");
        expect(listed.message).toBe(`the under-storage at ${target.endpoint} does not know the access key: check access_key`);
        // HEAD answers carry no body: the status alone says it.
        const headed = await failure(() => ufs.stat("st/file.txt"));
        expect(headed.code).toBe("PERMISSION_DENIED");
        for (const err of [listed, headed]) expect(err.message).not.toContain("very-secret-key");
        await ufs.close();
      });

      if (fidelity.checksSignatures) {
        it("a wrong secret key is PERMISSION_DENIED, and the secret is not in the message", async () => {
          const ufs = open({}, undefined, { accessKeyId: target.key.accessKeyId, secretAccessKey: "very-secret-key" });
          const err = await failure(() => ufs.check());
          expect(err.code).toBe("PERMISSION_DENIED");
          expect(err.message).toBe(`the under-storage at ${target.endpoint} refused the signature: check secret_key`);
          expect(err.message).not.toContain("very-secret-key");
          expect((await failure(() => ufs.stat("st/file.txt"))).code).toBe("PERMISSION_DENIED");
          await ufs.close();
        });
      }

      it("a bucket that does not exist is NOT_FOUND", async () => {
        const ufs = open({}, "s3://no-such-bucket/prefix");
        const err = await failure(() => ufs.check());
        expect(err.code).toBe("NOT_FOUND");
        expect(err.message).toBe(`the bucket no-such-bucket does not exist at ${target.endpoint}`);
        expect((await failure(() => ufs.stat("a/b"))).code).toBe("NOT_FOUND");
        expect((await failure(() => ufs.list("", "", 5))).code).toBe("NOT_FOUND");
        await ufs.close();
      });
    });
  });
}

s3Suite("s3rver, in this process", startS3rverTarget, { listsInKeyOrder: false, checksSignatures: false, multipartEtags: false, copiesParts: false });
s3Suite("Tessera's S3 gateway", startGatewayTarget, { listsInKeyOrder: true, checksSignatures: true, multipartEtags: true, copiesParts: true });

describe("a server that stops answering", () => {
  // Raw servers that stall on purpose: the SDK's socket timeout alone logs a warning and waits
  // forever unless told to throw, and it does not cover a body after the answer's headers.
  const stalledRecord = (port: number) => record({ endpoint: `http://127.0.0.1:${port}`, access_key: "AK", secret_key: "SK" });

  it("one that accepts the connection and never answers is UNAVAILABLE after the idle timeout", async () => {
    const sockets: Array<{ destroy(): void }> = [];
    const stalled = createServer((socket) => void sockets.push(socket));
    const port = await new Promise<number>((resolve) => stalled.listen(0, "127.0.0.1", () => resolve((stalled.address() as { port: number }).port)));
    try {
      const ufs = openUnderStorage(stalledRecord(port), { s3: { idleTimeoutMs: 300, attempts: 2 } });
      const started = performance.now();
      const err = await failure(() => ufs.check());
      expect(err.code).toBe("UNAVAILABLE");
      expect(err.message).toContain(`http://127.0.0.1:${port} does not answer`);
      expect(performance.now() - started).toBeLessThan(5_000);
      await ufs.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      stalled.close();
    }
  });

  it("one that stops in the middle of a body fails the read as UNAVAILABLE", async () => {
    const { createServer: createHttpServer } = await import("node:http");
    const stalled = createHttpServer((_request, response) => {
      response.writeHead(206, { ETag: '"abc"', "Content-Range": "bytes 0-9/10", "Content-Length": "10" });
      response.write("123");
    });
    const port = await new Promise<number>((resolve) => stalled.listen(0, "127.0.0.1", () => resolve((stalled.address() as { port: number }).port)));
    try {
      const ufs = openUnderStorage(stalledRecord(port), { s3: { idleTimeoutMs: 300, attempts: 1 } });
      let receivedBytes = 0;
      const err = await failure(async () => {
        for await (const piece of ufs.read("k", 0, 10, 's3:etag="abc";size=10')) receivedBytes += piece.byteLength;
      });
      expect(receivedBytes).toBe(3);
      expect(err.code).toBe("UNAVAILABLE");
      expect(err.message).toBe(`the under-storage at http://127.0.0.1:${port} stopped sending k for 300 ms: check the server and the network`);
      await ufs.close();
    } finally {
      stalled.closeAllConnections();
      stalled.close();
    }
  });
});
