// The editor's planner against a plain byte array: random writes, truncates, early write-outs
// (the memory bound's) and flushes, carried out on an in-memory chunk store as the editor
// carries them out on the cluster, leave the file equal to the model, read back through the
// planner's reads equal too, and chunks no operation touched keep their ids (copy on write
// rewrites only what changed).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EditPlan, addRange, gaps, type BaseChunk } from "../../src/client/file-editor-plan.ts";

class Store {
  private next = 1;
  readonly chunks = new Map<string, Uint8Array>();
  put(bytes: Uint8Array): string {
    const id = `c${this.next++}`;
    this.chunks.set(id, bytes);
    return id;
  }
}

/** A file of the given chunk sizes, filled with a pattern, in the store. */
function makeBase(store: Store, sizes: number[]): { base: BaseChunk[]; bytes: Uint8Array } {
  const total = sizes.reduce((a, b) => a + b, 0);
  const bytes = new Uint8Array(total).map((_, i) => (i * 7 + 3) % 251);
  const base: BaseChunk[] = [];
  let at = 0;
  for (const size of sizes) {
    base.push({ chunkId: store.put(bytes.slice(at, at + size)), sizeBytes: size });
    at += size;
  }
  return { base, bytes };
}

/** The editor's I/O over the store: staging chunks, source reads, flushes. */
class Harness {
  staging: BaseChunk[] = [];
  constructor(
    readonly store: Store,
    readonly plan: EditPlan,
  ) {}

  sourceBytes(index: number, from: number, to: number): Uint8Array {
    const state = this.plan.slot(index);
    const source = state ? state.source : { kind: "base" as const };
    if (!source) throw new Error(`slot ${index} has no source`);
    const chunk = source.kind === "base" ? this.plan.baseChunks[index]! : this.staging[source.stagingIndex]!;
    const bytes = this.store.chunks.get(chunk.chunkId)!;
    expect(to).toBeLessThanOrEqual(bytes.length);
    return bytes.slice(from, to);
  }

  writeOut(index: number): void {
    const out = this.plan.planWriteOut(index);
    const bytes = this.plan.assemble(out, out.reads.map((range) => this.sourceBytes(index, range.from, range.to)));
    const stagingIndex = this.staging.length;
    this.staging.push({ chunkId: this.store.put(bytes), sizeBytes: bytes.length });
    this.plan.staged(index, stagingIndex, bytes.length);
  }

  flush(): void {
    for (const state of this.plan.changedSlots()) if (state.dirty && state.index < this.plan.chunkCount) this.writeOut(state.index);
    const commit = this.plan.commitPlan();
    const next = this.plan.baseAfter(commit, (i) => this.staging[i]!);
    expect(next.reduce((sum, chunk) => sum + chunk.sizeBytes, 0)).toBe(commit.lengthBytes);
    this.plan.rebase(next);
    this.staging = [];
  }

  read(offset: number, length: number): Uint8Array {
    const end = Math.min(this.plan.lengthBytes, offset + length);
    const out = new Uint8Array(Math.max(0, end - offset));
    for (const part of this.plan.planRead(offset, length)) {
      const state = this.plan.slot(part.index);
      if (part.kind === "buffer") out.set(state!.buffer.subarray(part.from, part.to), part.outOffset);
      else if (part.kind === "source") out.set(this.sourceBytes(part.index, part.from, part.to), part.outOffset);
    }
    return out;
  }

  fileBytes(): Uint8Array {
    const parts = this.plan.baseChunks.map((chunk) => this.store.chunks.get(chunk.chunkId)!);
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

type Op = { kind: "write"; offset: number; length: number; seed: number } | { kind: "truncate"; length: number } | { kind: "evict" } | { kind: "flush" } | { kind: "read"; offset: number; length: number };

const CHUNK = 16;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("write" as const), offset: fc.integer({ min: 0, max: 120 }), length: fc.integer({ min: 1, max: 40 }), seed: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncate" as const), length: fc.integer({ min: 0, max: 130 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("evict" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("flush" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("read" as const), offset: fc.integer({ min: 0, max: 130 }), length: fc.integer({ min: 0, max: 60 }) }) },
);

describe("EditPlan against a byte array", () => {
  it("random writes, truncates, write-outs and flushes leave the file equal to the model", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: CHUNK }), { maxLength: 6 }), fc.array(opArb, { maxLength: 40 }), (sizes, ops) => {
        const store = new Store();
        // A base whose last chunk is full or short, and whose others may be short (a concat's).
        const { base, bytes } = makeBase(store, sizes);
        let model = Array.from(bytes);
        const h = new Harness(store, new EditPlan(base, CHUNK));
        for (const op of ops) {
          if (op.kind === "write") {
            const data = new Uint8Array(op.length).map((_, i) => (op.seed + i * 13) % 256);
            h.plan.write(op.offset, data);
            while (model.length < op.offset) model.push(0);
            for (let i = 0; i < data.length; i++) model[op.offset + i] = data[i]!;
          } else if (op.kind === "truncate") {
            h.plan.truncate(op.length);
            if (op.length < model.length) model = model.slice(0, op.length);
            while (model.length < op.length) model.push(0);
          } else if (op.kind === "evict") {
            const first = h.plan.evictionOrder()[0];
            if (first !== undefined) h.writeOut(first);
          } else if (op.kind === "flush") {
            h.flush();
            expect(Array.from(h.fileBytes())).toEqual(model);
            expect(h.plan.dirty).toBe(false);
          } else {
            expect(Array.from(h.read(op.offset, op.length))).toEqual(model.slice(op.offset, op.offset + op.length));
          }
          expect(h.plan.lengthBytes).toBe(model.length);
        }
        h.flush();
        expect(Array.from(h.fileBytes())).toEqual(model);
      }),
      { numRuns: 500 },
    );
  });

  it("only the chunks a write touched get new ids", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.nat(), fc.integer({ min: 1, max: CHUNK }), (chunks, at, length) => {
        const store = new Store();
        const { base } = makeBase(store, Array.from({ length: chunks }, () => CHUNK));
        const h = new Harness(store, new EditPlan(base, CHUNK));
        const offset = at % (chunks * CHUNK - length + 1);
        h.plan.write(offset, new Uint8Array(length).fill(9));
        h.flush();
        const touched = new Set([Math.floor(offset / CHUNK), Math.floor((offset + length - 1) / CHUNK)]);
        h.plan.baseChunks.forEach((chunk, i) => expect(chunk.chunkId === base[i]!.chunkId).toBe(!touched.has(i)));
      }),
    );
  });

  it("a sequential write fills chunk after chunk, each full one ready to stream without a read", () => {
    const plan = new EditPlan([], CHUNK);
    plan.write(0, new Uint8Array(10));
    expect(plan.isFullyWritten(0)).toBe(false);
    plan.write(10, new Uint8Array(10));
    expect(plan.isFullyWritten(0)).toBe(true);
    expect(plan.planWriteOut(0).reads).toEqual([]);
    plan.staged(0, 0, CHUNK);
    plan.write(20, new Uint8Array(12));
    // The staged full chunk stays clean as the file grows past it.
    expect(plan.slot(0)!.dirty).toBe(false);
    expect(plan.isFullyWritten(1)).toBe(true);
  });

  it("ranges merge and their gaps are what is read", () => {
    const ranges = [{ from: 2, to: 4 }];
    addRange(ranges, { from: 8, to: 10 });
    addRange(ranges, { from: 4, to: 6 });
    expect(ranges).toEqual([{ from: 2, to: 6 }, { from: 8, to: 10 }]);
    expect(gaps(ranges, 12)).toEqual([{ from: 0, to: 2 }, { from: 6, to: 8 }, { from: 10, to: 12 }]);
    expect(gaps(ranges, 7)).toEqual([{ from: 0, to: 2 }, { from: 6, to: 7 }]);
  });
});

describe("EditPlan: a staged version cut by a truncate", () => {
  it("is written again at its new size", () => {
    const store = new Store();
    const { base } = makeBase(store, [CHUNK, CHUNK]);
    const h = new Harness(store, new EditPlan(base, CHUNK));
    h.plan.write(0, new Uint8Array(CHUNK).fill(5));
    h.writeOut(0);
    expect(h.plan.slot(0)!.dirty).toBe(false);
    h.plan.truncate(CHUNK / 2);
    expect(h.plan.slot(0)!.dirty).toBe(true);
    h.flush();
    expect(Array.from(h.fileBytes())).toEqual(Array.from({ length: CHUNK / 2 }, () => 5));
  });
});
