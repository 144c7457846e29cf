// The editor's I/O (client/file-editor.ts) over an in-memory twin of its client: a full chunk
// streams to the staging file before any flush, the memory bound writes dirty chunks out
// early, flush() sends one rewrite that commits it all, a refused rewrite fails the editor and
// removes its staging file, abort() removes it too. The cluster itself: test/e2e/editor.test.ts.
import { describe, expect, it } from "vitest";
import { ClusterFileEditor, type EditorIo } from "../../src/client/file-editor.ts";
import { FsError } from "../../src/client/fs-error.ts";
import { FileStatus, type FileChunk } from "../../src/protocol/pb/meta.ts";
import type { ChunkPiece } from "../../src/client/file-writer.ts";
import { codeOf } from "../../src/protocol/errors.ts";

const CHUNK = 64 * 1024;

/** A file's chunks and a chunk store, with the masters' rewrite as the namespace applies it. */
class Twin {
  private nextChunk = 1;
  private nextFile = 100;
  readonly store = new Map<string, Uint8Array>();
  file: FileChunk[] = [];
  /** Chunks of each staging file, in order. */
  readonly staging = new Map<number, FileChunk[]>();
  readonly deleted: string[] = [];
  rewrites = 0;
  /** Pieces the pipelines took, all told. */
  piecesWritten = 0;

  chunk(bytes: Uint8Array): FileChunk {
    const chunkId = String(this.nextChunk++).padStart(16, "0");
    this.store.set(chunkId, bytes);
    return { chunkId, index: 0, version: 1, sizeBytes: bytes.length, committed: true, replicas: [] };
  }

  status(): FileStatus {
    const sizeBytes = this.file.reduce((sum, chunk) => sum + chunk.sizeBytes, 0);
    return { path: "/f", kind: FileStatus.Kind.FILE, sizeBytes, replication: 1, chunkSizeBytes: CHUNK, mtimeMs: 1, state: FileStatus.State.CLOSED, chunks: this.file, fileId: 7, owner: "a", group: "g", permission: 0o644, accessTimeMs: 0 };
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.file.reduce((sum, chunk) => sum + chunk.sizeBytes, 0));
    let at = 0;
    for (const chunk of this.file) {
      out.set(this.store.get(chunk.chunkId)!, at);
      at += chunk.sizeBytes;
    }
    return out;
  }

  io(): EditorIo {
    const call = async (kind: string, body: any): Promise<any> => {
      if (kind === "create") {
        expect(body.staging).toBe(true);
        const fileId = this.nextFile++;
        this.staging.set(fileId, []);
        return { fileId, stat: { path: `/.reserved/.inodes/${fileId}` } };
      }
      if (kind === "rewrite") {
        this.rewrites += 1;
        const sizeBytes = this.file.reduce((sum, chunk) => sum + chunk.sizeBytes, 0);
        if (body.baseChunkCount !== this.file.length || body.baseLengthBytes !== sizeBytes) throw new FsError("FILE_CHANGED", "the file changed");
        const staged = body.stagingFileId === 0 ? [] : this.staging.get(body.stagingFileId)!;
        const next = this.file.slice(0, body.chunkCount);
        for (const move of body.moves) {
          if (move.targetIndex < this.file.length) expect(move.replacedChunkId).toBe(this.file[move.targetIndex]!.chunkId);
          next[move.targetIndex] = staged[move.stagingIndex]!;
        }
        expect(next.reduce((sum, chunk) => sum + chunk.sizeBytes, 0)).toBe(body.lengthBytes);
        this.file = next;
        this.staging.delete(body.stagingFileId);
        return { fileId: 7, sizeBytes: body.lengthBytes, closed: true, mtimeMs: 2 };
      }
      if (kind === "delete") {
        this.deleted.push(body.path);
        return { files: 1, directories: 0, chunks: 0 };
      }
      throw new Error(`unexpected ${kind}`);
    };
    return {
      call: call as EditorIo["call"],
      clientId: "peer/client",
      writerPeer: "",
      writeChunks: async (file, pieces: AsyncIterable<ChunkPiece>, options) => {
        const chunks: FileChunk[] = [];
        for await (const piece of pieces) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const chunk = this.chunk(Uint8Array.from(Buffer.concat(piece.data instanceof Uint8Array ? [piece.data] : [...piece.data])));
          this.staging.get(file.fileId)?.push(chunk);
          this.piecesWritten += 1;
          chunks.push(chunk);
          options.onCommitted(chunk);
        }
        return { chunks, committed: undefined };
      },
      chunksReader: (path, chunks) => ({
        path,
        sizeBytes: chunks.reduce((sum, chunk) => sum + chunk.sizeBytes, 0),
        counters: { localBytes: 0, remoteBytes: 0 },
        localChunks: async () => [],
        read: async (offset, length) => {
          const whole = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.sizeBytes, 0));
          let at = 0;
          for (const chunk of chunks) {
            whole.set(this.store.get(chunk.chunkId)!, at);
            at += chunk.sizeBytes;
          }
          return whole.slice(offset, offset + length);
        },
      }),
    };
  }
}

const pattern = (length: number, seed: number) => new Uint8Array(length).map((_, i) => (seed + i * 31) % 256);

describe("ClusterFileEditor over an in-memory twin", () => {
  it("streams each full chunk of a sequential write before the flush, and commits all of it in one rewrite", async () => {
    const twin = new Twin();
    const editor = new ClusterFileEditor(twin.io(), "/f", twin.status(), { bufferBytesMax: 2 * CHUNK });
    const data = pattern(5 * CHUNK + 100, 1);
    for (let at = 0; at < data.length; at += 8 * 1024) await editor.write(at, data.subarray(at, at + 8 * 1024));
    // Five full chunks went down the pipelines already; the sixth (100 bytes) is still a buffer.
    // The writes went out in the background: wait for them with a deadline, not a fixed pause.
    const deadline = performance.now() + 5_000;
    while (twin.piecesWritten < 5 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(twin.piecesWritten).toBe(5);
    expect(twin.rewrites).toBe(0);
    expect(twin.bytes().length).toBe(0);
    expect(editor.sizeBytes).toBe(data.length);
    await editor.close();
    expect(twin.rewrites).toBe(1);
    expect(twin.bytes()).toEqual(data);
  });

  it("writes dirty chunks out early past its memory bound, and reads them back to lay later writes over them", async () => {
    const twin = new Twin();
    twin.file = [0, 1, 2, 3].map((i) => twin.chunk(pattern(CHUNK, i)));
    const model = twin.bytes();
    const editor = new ClusterFileEditor(twin.io(), "/f", twin.status(), { bufferBytesMax: CHUNK });
    let seed = 3;
    for (let i = 0; i < 60; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const offset = seed % (4 * CHUNK - 100);
      const data = pattern(1 + (seed % 90), i);
      await editor.write(offset, data);
      model.set(data, offset);
    }
    expect(twin.piecesWritten).toBeGreaterThan(0);
    expect(await editor.read(0, 4 * CHUNK)).toEqual(model);
    await editor.flush();
    expect(twin.bytes()).toEqual(model);
    // The next flush starts from the committed file.
    await editor.truncate(CHUNK + 5);
    await editor.close();
    expect(twin.bytes()).toEqual(model.subarray(0, CHUNK + 5));
  });

  it("a refused rewrite (the file changed) fails the editor and removes its staging file; abort removes one too", async () => {
    const twin = new Twin();
    twin.file = [twin.chunk(pattern(CHUNK, 9))];
    const editor = new ClusterFileEditor(twin.io(), "/f", twin.status());
    await editor.write(10, pattern(5, 1));
    twin.file = [...twin.file, twin.chunk(pattern(10, 2))];
    const err = await editor.flush().then(() => undefined, (e: unknown) => e);
    expect(codeOf(err)).toBe("FILE_CHANGED");
    expect(twin.deleted).toEqual(["/.reserved/.inodes/100"]);
    await expect(editor.write(0, pattern(1, 0))).rejects.toMatchObject({ code: "FILE_CHANGED" });
    await editor.abort();

    const other = new ClusterFileEditor(twin.io(), "/f", twin.status(), { bufferBytesMax: CHUNK });
    await other.write(0, pattern(2 * CHUNK, 4));
    await other.abort();
    expect(twin.deleted).toEqual(["/.reserved/.inodes/100", "/.reserved/.inodes/101"]);
    expect(twin.rewrites).toBe(1);
    await expect(other.flush()).rejects.toMatchObject({ code: "FILE_CLOSED" });
    await other.abort();
  });
});
