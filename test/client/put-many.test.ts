// FileSystemClient.putMany, the small-files path (issue 12, item 3), against a fake meta call:
// the folders are made once each before any file, at most `inFlight` files are written at
// once (and within the buffer budget), a failure names its file and starts nothing after it,
// and bad input is refused before a single request.
import { describe, it, expect } from "vitest";
import { FileSystemClient, PutManyError, PUT_MANY_BUFFER_BYTES_MAX, planPutMany, type PutManyFile } from "../../src/client/fs.ts";
import { FileStatus } from "../../src/protocol/pb/meta.ts";
import { RequestError } from "../../src/protocol/errors.ts";
import type { MetaCall } from "../../src/protocol/meta.ts";
import type { TesseraHost } from "../../src/net/host.ts";

const MiB = 1024 * 1024;

/** A namespace of names only, answering create / mkdir / delete after `delayMs`. */
function fakeMasters(options: { delayMs?: number; failCreate?: (path: string) => Error | undefined } = {}) {
  const files = new Set<string>();
  const folders = new Set<string>(["/"]);
  const log: string[] = [];
  const byFileId = new Map<number, string>();
  // A put of an empty file is one create (closed): in flight until its answer.
  let puts = 0;
  let putsMax = 0;
  const pause = () => new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
  const call = (async (kind: string, body: Record<string, unknown>) => {
    log.push(`${kind} ${String(body.path ?? body.fileId)}`);
    if (kind === "mkdir") {
      await pause();
      let up = body.path as string;
      while (up !== "/" && !folders.has(up)) {
        folders.add(up);
        up = up.slice(0, up.lastIndexOf("/")) || "/";
      }
      return {};
    }
    if (kind === "create") {
      const path = body.path as string;
      puts += 1;
      putsMax = Math.max(putsMax, puts);
      await pause();
      const failure = options.failCreate?.(path) ?? (!folders.has(path.slice(0, path.lastIndexOf("/")) || "/") ? new RequestError("NOT_FOUND", `the folder of ${path} does not exist`) : files.has(path) ? new RequestError("ALREADY_EXISTS", `${path} already exists`) : undefined);
      if (failure) {
        puts -= 1;
        throw failure;
      }
      files.add(path);
      byFileId.set(byFileId.size + 1, path);
      // An empty file is created closed, and the create answers its status: the put is over.
      if (body.closed !== true) throw new Error("the fake masters only take files created closed (empty ones)");
      puts -= 1;
      const stat: FileStatus = { path, kind: FileStatus.Kind.FILE, sizeBytes: 0, replication: 3, chunkSizeBytes: 64 * MiB, mtimeMs: 1, state: FileStatus.State.CLOSED, chunks: [], fileId: byFileId.size, owner: "", group: "", permission: 0, accessTimeMs: 0 };
      return { fileId: byFileId.size, stat };
    }
    if (kind === "delete") {
      files.delete(body.path as string);
      return { files: 1, directories: 0 };
    }
    throw new Error(`the fake masters do not answer ${kind}`);
  }) as unknown as MetaCall;
  return {
    client: new FileSystemClient({ host: { peerId: { toString: () => "12D3KooWPutManyTestClient" } } as unknown as TesseraHost, call }),
    files,
    folders,
    log,
    get putsMax() {
      return putsMax;
    },
  };
}

const empty = (path: string, sizeBytes?: number): PutManyFile => ({ path, source: new Uint8Array(0), ...(sizeBytes === undefined ? {} : { sizeBytes }) });

describe("putMany", () => {
  it("makes each folder once, before any file, then writes 300 files with at most `inFlight` at once, answering their stats in order", async () => {
    const masters = fakeMasters();
    const paths = Array.from({ length: 300 }, (_, i) => `/tree/d${i % 7}/sub/f${String(i).padStart(3, "0")}`);
    const progress: number[] = [];
    const stats = await masters.client.putMany(
      paths.map((path) => empty(path)),
      { inFlight: 8, folders: ["/tree/empty"], onProgress: (done) => progress.push(done.files) },
    );
    expect(stats.map((stat) => stat.path)).toEqual(paths);
    expect([...masters.files].sort()).toEqual([...paths].sort());
    // The deepest folder of each branch once, with its parents; the empty folder too.
    const mkdirs = masters.log.filter((line) => line.startsWith("mkdir"));
    expect(mkdirs.sort()).toEqual([...Array.from({ length: 7 }, (_, d) => `mkdir /tree/d${d}/sub`), "mkdir /tree/empty"].sort());
    expect(masters.log.findIndex((line) => line.startsWith("create"))).toBeGreaterThan(masters.log.findLastIndex((line) => line.startsWith("mkdir")));
    expect(masters.putsMax).toBe(8);
    expect(progress).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it("opens a lazy source only when its file's turn comes", async () => {
    const masters = fakeMasters();
    let opened = 0;
    const files = Array.from({ length: 50 }, (_, i) => ({ path: `/lazy/f${i}`, source: () => ((opened += 1), new Uint8Array(0)) }));
    const promise = masters.client.putMany(files, { inFlight: 4 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(opened).toBeLessThanOrEqual(4);
    await promise;
    expect(opened).toBe(50);
  });

  it("keeps the chunk buffers of the files in flight within PUT_MANY_BUFFER_BYTES_MAX", async () => {
    const masters = fakeMasters();
    // Announced as 100 MiB each with 64 MiB chunks: a put holds one 64 MiB chunk at a time.
    const files = Array.from({ length: 20 }, (_, i) => empty(`/big/f${i}`, 100 * MiB));
    await masters.client.putMany(files, { inFlight: 32, chunkSizeBytes: 64 * MiB });
    expect(masters.putsMax).toBe(PUT_MANY_BUFFER_BYTES_MAX / (64 * MiB));
  });

  it("a failing file is named in the error with its cause's code; nothing starts after it, and what was written stays", async () => {
    const masters = fakeMasters({ failCreate: (path) => (path === "/fail/f040" ? new RequestError("LEASE_HELD", "another client holds a live lease on /fail/f040") : undefined) });
    const paths = Array.from({ length: 200 }, (_, i) => `/fail/f${String(i).padStart(3, "0")}`);
    const err = await masters.client.putMany(paths.map((path) => empty(path)), { inFlight: 8 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PutManyError);
    const failure = err as PutManyError;
    expect(failure.path).toBe("/fail/f040");
    expect(failure.index).toBe(40);
    expect(failure.code).toBe("LEASE_HELD");
    expect(failure.message).toContain("/fail/f040");
    expect(failure.message).toMatch(/lease/);
    // Started: the 40 before it, itself, and at most the 7 beside it in flight.
    const creates = masters.log.filter((line) => line.startsWith("create")).length;
    expect(creates).toBeLessThanOrEqual(41 + 7);
    expect(failure.filesWritten).toBe(masters.files.size);
    expect(masters.files.size).toBeGreaterThanOrEqual(40);
  });

  it("refuses bad input before any request: a bad path, a path given twice, a file that is also a folder, an in-flight count out of bounds", async () => {
    const masters = fakeMasters();
    const refused = async (files: PutManyFile[], options = {}) => masters.client.putMany(files, options).then(() => undefined, (e: unknown) => e as Error);
    const badPath = await refused([empty("/ok/a"), empty("/ok/../etc")]);
    expect(badPath).toBeInstanceOf(PutManyError);
    expect((badPath as PutManyError).code).toBe("INVALID_PATH");
    expect(badPath!.message).toContain("/ok/../etc");
    const twice = await refused([empty("/ok/a"), empty("/ok/b"), empty("/ok/a/")]);
    expect((twice as PutManyError).index).toBe(2);
    expect(twice!.message).toMatch(/\/ok\/a: it is given twice/);
    const fileAndFolder = await refused([empty("/ok/a"), empty("/ok/a/b")]);
    expect(fileAndFolder!.message).toMatch(/\/ok\/a: it is also a folder/);
    expect((await refused([empty("/ok/a")], { inFlight: 0 }))!.message).toMatch(/1\.\.128 files at once/);
    expect((await refused([empty("/ok/a")], { inFlight: 129 }))!.message).toMatch(/1\.\.128 files at once/);
    expect(masters.log).toEqual([]);
  });

  it("plans the deepest folder of each branch only", () => {
    const plan = planPutMany([{ path: "/a/b/c/f" }, { path: "/a/b/g" }, { path: "/a/x/h" }, { path: "/top" }], ["/a/b", "/e/mpty/"]);
    expect(plan.folders).toEqual(["/a/b/c", "/a/x", "/e/mpty"]);
    expect(plan.paths).toEqual(["/a/b/c/f", "/a/b/g", "/a/x/h", "/top"]);
  });
});
