// Reading a file while another writer appends to it (a reduce's output, committed as it grows).
import { describe, expect, it } from "vitest";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { followGrowingFile } from "../../src/compute/growing-file.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

/** Reads the whole stream in the background; `bytes` grows as pieces arrive. */
function reader(stream: AsyncGenerator<Uint8Array>) {
  const state = { bytes: [] as number[], done: false, error: undefined as unknown };
  const finished = (async () => {
    try {
      for await (const piece of stream) state.bytes.push(...piece);
    } catch (err) {
      state.error = err;
    }
    state.done = true;
  })();
  return { state, finished };
}

describe("followGrowingFile", () => {
  it.each([false, true])("gives every byte in order as the writer appends, then ends at the writer's final size (one reused buffer: %p)", async (reuseBuffer) => {
    const dir = tempDir("growing-file");
    try {
      const path = join(dir.path, "part");
      const written = Promise.withResolvers<number>();
      // Not there yet: the reader waits for the file to appear.
      const { state, finished } = reader(followGrowingFile(path, written.promise, 5, { reuseBuffer }));
      const pieces = ["first line\n", "second\n", "", "a third, longer line\n"];
      writeFileSync(path, "");
      let total = 0;
      for (const piece of pieces) {
        appendFileSync(path, piece);
        total += Buffer.byteLength(piece);
        const expected = total;
        await waitFor("the reader caught up", () => state.bytes.length === expected, { timeoutMs: 5_000 });
        expect(state.done).toBe(false);
      }
      written.resolve(total);
      await finished;
      expect(state.error).toBeUndefined();
      expect(Buffer.from(state.bytes).toString()).toBe(pieces.join(""));
    } finally {
      dir.remove();
    }
  });

  it("reads nothing past the final size, and fails when the file is shorter than it", async () => {
    const dir = tempDir("growing-file");
    try {
      const path = join(dir.path, "part");
      writeFileSync(path, "0123456789");
      const long = reader(followGrowingFile(path, Promise.resolve(4), 3));
      await long.finished;
      expect(Buffer.from(long.state.bytes).toString()).toBe("0123");
      const short = reader(followGrowingFile(path, Promise.resolve(12), 64));
      await short.finished;
      expect(String(short.state.error)).toMatch(/ends at 10 bytes, but its writer wrote 12/);
      const missing = reader(followGrowingFile(join(dir.path, "none"), Promise.resolve(1), 64));
      await missing.finished;
      expect(String(missing.state.error)).toMatch(/was done at 1 bytes but does not exist/);
    } finally {
      dir.remove();
    }
  });

  it("ends with the writer's error, after what was written before it, file or no file", async () => {
    const dir = tempDir("growing-file");
    try {
      const path = join(dir.path, "part");
      const written = Promise.withResolvers<number>();
      const { state, finished } = reader(followGrowingFile(path, written.promise, 4));
      writeFileSync(path, "partial output\n");
      await waitFor("the reader read it", () => state.bytes.length === 15, { timeoutMs: 5_000 });
      written.reject(new Error("the reduce failed"));
      await finished;
      expect((state.error as Error).message).toBe("the reduce failed");
      expect(Buffer.from(state.bytes).toString()).toBe("partial output\n");
      const never = reader(followGrowingFile(join(dir.path, "never"), Promise.reject(new Error("failed before writing")), 4));
      await never.finished;
      expect((never.state.error as Error).message).toBe("failed before writing");
    } finally {
      dir.remove();
    }
  });

  it("with reuseBuffer, gives views of one buffer, each piece's bytes right when it is given", async () => {
    const dir = tempDir("growing-file");
    try {
      const path = join(dir.path, "part");
      const text = "abcdefghijklmnopqrstuvwxyz";
      writeFileSync(path, text);
      const buffers = new Set<ArrayBufferLike>();
      let read = "";
      for await (const piece of followGrowingFile(path, Promise.resolve(text.length), 4, { reuseBuffer: true })) {
        buffers.add(piece.buffer);
        read += Buffer.from(piece).toString();
      }
      expect(read).toBe(text);
      expect(buffers.size).toBe(1);
    } finally {
      dir.remove();
    }
  });
});
