// The FUSE codec (src/mount/fuse/wire.ts) and the session's dispatch (session.ts) without a
// kernel: requests round-trip through encodeRequest/decodeRequest, answers have linux/fuse.h's
// layouts, INIT negotiates what it should, and the decoder, fed random, truncated and
// mutated bytes, never throws anything but its own FuseWireError (STYLE.md §5: every decoder
// bounds sizes).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Errno, FileType, FuseErrno, type DirEntry, type Entry, type FuseFileSystem } from "../../src/mount/fuse/operations.ts";
import { FuseSession, MAX_WRITE_BYTES, negotiateInit } from "../../src/mount/fuse/session.ts";
import {
  DirentPacker,
  decodeRequest,
  encodeAttr,
  encodeCreate,
  encodeEntry,
  encodeError,
  encodeInit,
  encodeNotifyInvalEntry,
  encodeNotifyInvalInode,
  encodeRequest,
  encodeStatfs,
  encodeXattrNames,
  FuseWireError,
  IN_HEADER_BYTES,
  InitFlag,
  Opcode,
  type RequestBody,
} from "../../src/mount/fuse/wire.ts";
import { MemoryFuseFs } from "../support/memory-fuse-fs.ts";

const HEADER = { unique: 42, nodeId: 7, uid: 1000, gid: 100, pid: 4321 };

const attr = { ino: 7, sizeBytes: 12345, blocks: 25, atimeMs: 1_700_000_000_123, mtimeMs: 1_700_000_001_456, ctimeMs: 1_700_000_002_789, mode: FileType.S_IFREG | 0o644, nlink: 1, uid: 1000, gid: 100, blockSizeBytes: 65536 };
const entry: Entry = { nodeId: 7, generation: 3, attr, entryValidMs: 1500, attrValidMs: 250 };

const BODIES: RequestBody[] = [
  { op: "lookup", name: "file.txt" },
  { op: "forget", lookups: 3 },
  { op: "batch_forget", forgets: [{ nodeId: 5, lookups: 1 }, { nodeId: 9, lookups: 2 }] },
  { op: "getattr", fh: undefined },
  { op: "getattr", fh: 17 },
  { op: "setattr", changes: { mode: 0o600, uid: 1, gid: 2, sizeBytes: 4096, atimeMs: "now", mtimeMs: 981_158_400_000 }, fh: 3 },
  { op: "setattr", changes: { atimeMs: 1_000_500, ctimeMs: 2_000_250 }, fh: undefined },
  { op: "readlink" },
  { op: "symlink", name: "link", target: "../some/where" },
  { op: "mknod", name: "fifo", mode: 0o10644, rdev: 0, umask: 0o22 },
  { op: "mkdir", name: "dir", mode: 0o755, umask: 0o22 },
  { op: "unlink", name: "gone" },
  { op: "rmdir", name: "gone-dir" },
  { op: "rename", name: "a", newParent: 9, newName: "b", flags: 0 },
  { op: "rename", name: "a", newParent: 9, newName: "b", flags: 1 },
  { op: "link", oldNodeId: 11, newName: "hard" },
  { op: "open", flags: 0o100002 },
  { op: "opendir", flags: 0o200000 },
  { op: "read", fh: 5, offsetBytes: 2 ** 40, sizeBytes: 131072, flags: 2 },
  { op: "readdir", fh: 6, cookie: 12, sizeBytes: 4096, plus: false },
  { op: "readdir", fh: 6, cookie: 0, sizeBytes: 4096, plus: true },
  { op: "write", fh: 5, offsetBytes: 1 << 20, data: new Uint8Array([1, 2, 3, 4, 5]), writeFlags: 1, flags: 0o2 },
  { op: "statfs" },
  { op: "release", fh: 5, flags: 0o2, releaseFlags: 1 },
  { op: "releasedir", fh: 6, flags: 0 },
  { op: "fsync", fh: 5, dataOnly: true },
  { op: "fsyncdir", fh: 6, dataOnly: false },
  { op: "setxattr", name: "user.tag", value: new Uint8Array([9, 8, 7]), flags: 1 },
  { op: "getxattr", name: "user.tag", sizeBytes: 0 },
  { op: "listxattr", sizeBytes: 256 },
  { op: "removexattr", name: "user.tag" },
  { op: "flush", fh: 5 },
  { op: "init", init: { major: 7, minor: 45, maxReadaheadBytes: 131072, flags: 0x73fffffb, flags2: 0 } },
  { op: "access", mask: 4 },
  { op: "create", name: "new", flags: 0o101, mode: 0o100644, umask: 0o22 },
  { op: "interrupt", interruptedUnique: 40 },
  { op: "destroy" },
  { op: "unsupported", opcode: 43 },
];

function answerError(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getInt32(4, true);
}

describe("FUSE requests round-trip through the codec", () => {
  for (const [index, body] of BODIES.entries()) {
    test(`${body.op} (case ${index})`, () => {
      const bytes = encodeRequest(HEADER, body);
      const decoded = decodeRequest(bytes);
      expect(decoded.header).toMatchObject({ ...HEADER, lengthBytes: bytes.byteLength, extensionBytes: 0 });
      expect(decoded.body).toEqual(body);
    });
  }

  test("a request extension (total_extlen) is not read as part of the body", () => {
    const plain = encodeRequest(HEADER, { op: "mkdir", name: "d", mode: 0o755, umask: 0 });
    const withExtension = new Uint8Array(plain.byteLength + 8);
    withExtension.set(plain);
    const view = new DataView(withExtension.buffer);
    view.setUint32(0, withExtension.byteLength, true);
    view.setUint16(36, 1, true);
    expect(decodeRequest(withExtension).body).toEqual({ op: "mkdir", name: "d", mode: 0o755, umask: 0 });
  });

  test("a write whose size disagrees with its bytes, a name without NUL, a name that is not UTF-8 are refused with the request's unique", () => {
    const write = encodeRequest(HEADER, { op: "write", fh: 1, offsetBytes: 0, data: new Uint8Array(8), writeFlags: 0, flags: 0 });
    new DataView(write.buffer).setUint32(IN_HEADER_BYTES + 16, 9, true);
    const lookup = encodeRequest(HEADER, { op: "lookup", name: "abc" });
    lookup[lookup.byteLength - 1] = 0x41;
    const notUtf8 = encodeRequest(HEADER, { op: "lookup", name: "abc" });
    notUtf8[IN_HEADER_BYTES] = 0xff;
    for (const bad of [write, lookup, notUtf8]) {
      const err = (() => {
        try {
          decodeRequest(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(FuseWireError);
      expect((err as FuseWireError).unique).toBe(42);
      expect((err as FuseWireError).errno).toBe(Errno.EINVAL);
    }
  });

  test("a name over 1024 bytes is ENAMETOOLONG; a batch forget announcing more than it holds is refused before allocating", () => {
    const long = encodeRequest(HEADER, { op: "lookup", name: "x".repeat(1025) });
    expect(() => decodeRequest(long)).toThrow(FuseWireError);
    try {
      decodeRequest(long);
    } catch (err) {
      expect((err as FuseWireError).errno).toBe(Errno.ENAMETOOLONG);
    }
    const forget = encodeRequest(HEADER, { op: "batch_forget", forgets: [{ nodeId: 1, lookups: 1 }] });
    new DataView(forget.buffer).setUint32(IN_HEADER_BYTES, 0xffffffff, true);
    expect(() => decodeRequest(forget)).toThrow(/announces 4294967295 forgets/);
  });
});

describe("FUSE answers have linux/fuse.h's layouts", () => {
  test("an error is the 16-byte header with -errno", () => {
    const bytes = encodeError(99, Errno.ENOENT);
    expect(bytes.byteLength).toBe(16);
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(0, true)).toBe(16);
    expect(view.getInt32(4, true)).toBe(-2);
    expect(view.getBigUint64(8, true)).toBe(99n);
  });

  test("entry_out: node id, generation, validities as (sec, nsec), fuse_attr with times split", () => {
    const bytes = encodeEntry(5, entry);
    expect(bytes.byteLength).toBe(16 + 128);
    const v = new DataView(bytes.buffer);
    expect(v.getBigUint64(16, true)).toBe(7n);
    expect(v.getBigUint64(24, true)).toBe(3n);
    expect(v.getBigUint64(32, true)).toBe(1n); // entry_valid 1.5 s
    expect(v.getUint32(48, true)).toBe(500_000_000);
    expect(v.getBigUint64(40, true)).toBe(0n); // attr_valid 0.25 s
    expect(v.getUint32(52, true)).toBe(250_000_000);
    const a = 56;
    expect(v.getBigUint64(a, true)).toBe(7n);
    expect(v.getBigUint64(a + 8, true)).toBe(12345n);
    expect(v.getBigUint64(a + 16, true)).toBe(25n);
    expect(v.getBigInt64(a + 24, true)).toBe(1_700_000_000n);
    expect(v.getUint32(a + 48, true)).toBe(123_000_000);
    expect(v.getUint32(a + 60, true)).toBe(FileType.S_IFREG | 0o644);
    expect(v.getUint32(a + 68, true)).toBe(1000);
    expect(v.getUint32(a + 80, true)).toBe(65536);
  });

  test("attr_out, create (entry then open), statfs and init have their sizes and fields", () => {
    const attrOut = encodeAttr(1, { ...attr, atimeMs: -1500 }, 1000);
    expect(attrOut.byteLength).toBe(16 + 104);
    const av = new DataView(attrOut.buffer);
    expect(av.getBigUint64(16, true)).toBe(1n);
    expect(av.getBigInt64(32 + 24, true)).toBe(-2n); // -1.5 s is -2 s + 0.5 s
    expect(av.getUint32(32 + 48, true)).toBe(500_000_000);
    const create = encodeCreate(1, entry, { fh: 77, keepCache: true, directIo: false });
    expect(create.byteLength).toBe(16 + 128 + 16);
    const cv = new DataView(create.buffer);
    expect(cv.getBigUint64(16 + 128, true)).toBe(77n);
    expect(cv.getUint32(16 + 136, true)).toBe(2); // FOPEN_KEEP_CACHE
    const statfs = encodeStatfs(1, { blocks: 10, blocksFree: 5, blocksAvailable: 4, files: 3, filesFree: 2, blockSizeBytes: 4096, nameLengthMax: 255 });
    expect(statfs.byteLength).toBe(16 + 80);
    expect(new DataView(statfs.buffer).getUint32(16 + 44, true)).toBe(255);
    const init = negotiateInit({ major: 7, minor: 45, maxReadaheadBytes: 131072, flags: 0x73fffffb, flags2: 0 });
    if ("errno" in init) throw new Error("init refused");
    const initBytes = encodeInit(1, init);
    expect(initBytes.byteLength).toBe(16 + 64);
    const iv = new DataView(initBytes.buffer);
    expect(iv.getUint32(16, true)).toBe(7);
    expect(iv.getUint32(20, true)).toBe(38);
    expect(iv.getUint32(16 + 20, true)).toBe(MAX_WRITE_BYTES);
    expect(iv.getUint16(16 + 28, true)).toBe(256);
  });

  test("dirents are padded to 8 bytes and never overrun the size the kernel asked for", () => {
    for (const plus of [false, true]) {
      const packer = new DirentPacker(3, 200, plus);
      const names = ["a", "bb", "ccccccccc", "d", "eeeee"];
      const packed = names.filter((name, i) => packer.add({ name, ino: 10 + i, type: FileType.S_IFREG, cookie: i + 1, entry: plus ? { ...entry, nodeId: 10 + i } : undefined }));
      const bytes = packer.finish();
      expect(bytes.byteLength).toBeLessThanOrEqual(16 + 200);
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(v.getUint32(0, true)).toBe(bytes.byteLength);
      let at = 16;
      const seen: string[] = [];
      while (at < bytes.byteLength) {
        const d = plus ? at + 128 : at;
        if (plus) expect(Number(v.getBigUint64(at, true))).toBe(Number(v.getBigUint64(d, true)));
        const nameLength = v.getUint32(d + 16, true);
        expect(v.getUint32(d + 20, true)).toBe(FileType.S_IFREG >> 12);
        seen.push(new TextDecoder().decode(bytes.subarray(d + 24, d + 24 + nameLength)));
        at = (d + 24 + nameLength + 7) & ~7;
      }
      expect(at).toBe(bytes.byteLength);
      expect(seen).toEqual(packed);
      expect(packed.length).toBe(plus ? 1 : names.length);
    }
  });

  test("xattr names are NUL-terminated; notifications carry their code and no unique", () => {
    expect([...encodeXattrNames(["user.a", "user.bc"])]).toEqual([...new TextEncoder().encode("user.a\0user.bc\0")]);
    const inode = new DataView(encodeNotifyInvalInode(9, 0, -1).buffer);
    expect(inode.getInt32(4, true)).toBe(2);
    expect(inode.getBigUint64(8, true)).toBe(0n);
    expect(inode.getBigInt64(16 + 16, true)).toBe(-1n);
    const name = encodeNotifyInvalEntry(1, "gone");
    const nv = new DataView(name.buffer);
    expect(nv.getInt32(4, true)).toBe(3);
    expect(nv.getUint32(16 + 8, true)).toBe(4);
    expect(name[name.byteLength - 1]).toBe(0);
  });

  test("INIT negotiates down to what the session speaks and leaves locks to the kernel", () => {
    const offered = { major: 7, minor: 45, maxReadaheadBytes: 131072, flags: 0xffffffff | 0, flags2: 0 };
    const answer = negotiateInit(offered);
    if ("errno" in answer) throw new Error("refused");
    expect(answer.minor).toBe(38);
    expect(answer.flags & (InitFlag.POSIX_LOCKS | InitFlag.FLOCK_LOCKS | InitFlag.WRITEBACK_CACHE)).toBe(0);
    expect(answer.flags & InitFlag.DO_READDIRPLUS).toBeTruthy();
    expect(answer.maxReadaheadBytes).toBe(131072);
    const old = negotiateInit({ ...offered, minor: 20, flags: InitFlag.ASYNC_READ });
    if ("errno" in old) throw new Error("refused");
    expect(old.minor).toBe(20);
    expect(old.maxWriteBytes).toBe(32 * 4096); // no FUSE_MAX_PAGES offered
    expect(negotiateInit({ ...offered, major: 6 })).toEqual({ errno: 71 });
    const newer = negotiateInit({ ...offered, major: 8 });
    expect("errno" in newer ? 0 : newer.major).toBe(7);
  });
});

describe("the decoder takes any bytes without throwing anything but FuseWireError", () => {
  const decodesOrRefuses = (bytes: Uint8Array) => {
    try {
      decodeRequest(bytes);
    } catch (err) {
      if (!(err instanceof FuseWireError)) throw err;
    }
  };

  test("random bytes, with and without a plausible header", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesOrRefuses(bytes)), { numRuns: 1500 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 3 }), (opcode, body, extWords) => {
        const bytes = new Uint8Array(IN_HEADER_BYTES + body.byteLength);
        bytes.set(body, IN_HEADER_BYTES);
        const v = new DataView(bytes.buffer);
        v.setUint32(0, bytes.byteLength, true);
        v.setUint32(4, opcode, true);
        v.setUint16(36, extWords, true);
        decodesOrRefuses(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  test("every valid request truncated anywhere, or with a lying length, fields mutated", () => {
    const valid = BODIES.map((body) => encodeRequest(HEADER, body));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.nat(), fc.boolean(), (index, cut, fixLength) => {
        const full = valid[index]!;
        const bytes = full.slice(0, cut % (full.byteLength + 1));
        if (fixLength && bytes.byteLength >= 4) new DataView(bytes.buffer).setUint32(0, bytes.byteLength, true);
        decodesOrRefuses(bytes);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.nat(), fc.constantFrom(0, 0xffffffff, 0x7fffffff, 0x80000000, 1 << 20), (index, at, value) => {
        const bytes = valid[index]!.slice();
        const offset = 4 + (at % Math.max(1, bytes.byteLength - 8));
        new DataView(bytes.buffer).setUint32(offset - (offset % 4), value, true);
        decodesOrRefuses(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});

/** A session fed requests by hand, its answers collected. */
function sessionOver(fs: FuseFileSystem) {
  const answers: Uint8Array[] = [];
  const lines: string[] = [];
  const session = new FuseSession(-1, fs, { writeAnswer: (bytes) => answers.push(bytes), debug: (line) => lines.push(line) });
  let unique = 100;
  const send = async (nodeId: number, body: RequestBody) => {
    const before = answers.length;
    session.handle(encodeRequest({ ...HEADER, unique: (unique += 2), nodeId }, body));
    for (let i = 0; i < 20 && answers.length === before; i++) await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    return answers.length > before ? answers[answers.length - 1] : undefined;
  };
  return { session, answers, lines, send };
}

describe("the session answers each request once, with the file system's errno or EIO", () => {
  test("FuseErrno becomes -errno, any other error EIO (logged once), malformed EINVAL, unknown opcodes ENOSYS, forget and interrupt nothing", async () => {
    const fs = new MemoryFuseFs();
    const broken = Object.assign(Object.create(fs) as MemoryFuseFs, {
      statfs: async () => {
        throw new TypeError("boom");
      },
    });
    const { answers, lines, send } = sessionOver(broken);
    expect(answerError((await send(1, { op: "lookup", name: "missing" }))!)).toBe(-Errno.ENOENT);
    expect(answerError((await send(1, { op: "statfs" }))!)).toBe(-Errno.EIO);
    expect(answerError((await send(1, { op: "statfs" }))!)).toBe(-Errno.EIO);
    expect(lines.filter((line) => line.includes("boom"))).toHaveLength(1);
    expect(answerError((await send(1, { op: "unsupported", opcode: Opcode.DESTROY + 5 }))!)).toBe(-Errno.ENOSYS);
    const before = answers.length;
    await send(1, { op: "forget", lookups: 1 });
    await send(1, { op: "interrupt", interruptedUnique: 3 });
    expect(answers.length).toBe(before);
    const bad = encodeRequest({ ...HEADER, unique: 500 }, { op: "lookup", name: "x" });
    bad[bad.byteLength - 1] = 0x41;
    const fresh = sessionOver(fs);
    fresh.session.handle(bad);
    fresh.session.handle(bad.subarray(0, 20)); // not even a header: dropped
    expect(fresh.answers.map(answerError)).toEqual([-Errno.EINVAL]);
    expect(fresh.answers.map((a) => new DataView(a.buffer).getUint32(8, true))).toEqual([500]);
  });

  test("getxattr with size 0 answers the size, too small ERANGE, missing method ENOSYS", async () => {
    const fs = new MemoryFuseFs();
    const { send } = sessionOver(fs);
    await fs.setxattr({ uid: 0, gid: 0, pid: 0 }, 1, "user.k", new Uint8Array(10), 0);
    const size = (await send(1, { op: "getxattr", name: "user.k", sizeBytes: 0 }))!;
    expect(new DataView(size.buffer).getUint32(16, true)).toBe(10);
    expect(answerError((await send(1, { op: "getxattr", name: "user.k", sizeBytes: 4 }))!)).toBe(-Errno.ERANGE);
    expect((await send(1, { op: "getxattr", name: "user.k", sizeBytes: 64 }))!.byteLength).toBe(16 + 10);
    const list = (await send(1, { op: "listxattr", sizeBytes: 0 }))!;
    expect(new DataView(list.buffer).getUint32(16, true)).toBe("user.k\0".length);
    const bare = sessionOver({ ...fs, lookup: fs.lookup.bind(fs), getxattr: undefined } as unknown as FuseFileSystem);
    expect(answerError((await bare.send(1, { op: "getxattr", name: "user.k", sizeBytes: 0 }))!)).toBe(-Errno.ENOSYS);
  });

  test("readdirplus hands back the lookups of entries that did not fit, and of . and ..", async () => {
    const forgotten: Array<[number, number]> = [];
    const entries: DirEntry[] = [".", "..", ...Array.from({ length: 40 }, (_, i) => `file-${i}`)].map((name, i) => ({
      name,
      ino: 100 + i,
      type: FileType.S_IFREG,
      cookie: i + 1,
      entry: { ...entry, nodeId: 100 + i },
    }));
    const fs = new MemoryFuseFs();
    const listing = Object.assign(Object.create(fs) as MemoryFuseFs, {
      readdir: async () => entries,
      forget: (nodeId: number, lookups: number) => void forgotten.push([nodeId, lookups]),
    });
    const { send } = sessionOver(listing);
    const answer = (await send(1, { op: "readdir", fh: 1, cookie: 0, sizeBytes: 4096, plus: true }))!;
    const packedCount = Math.floor((answer.byteLength - 16) / 160); // 128 + 24 + name, padded: 160 for these names
    expect(packedCount).toBeGreaterThan(2);
    expect(packedCount).toBeLessThan(entries.length);
    const expected = [100, 101, ...entries.slice(packedCount).map((e) => e.ino)];
    expect(forgotten.map(([id]) => id).sort()).toEqual(expected.sort());
    expect(forgotten.every(([, n]) => n === 1)).toBe(true);
    expect(answer.byteLength).toBeLessThanOrEqual(16 + 4096);
  });

  test("an error thrown synchronously by the file system is answered, and the next request still is", async () => {
    const fs = new MemoryFuseFs();
    const throwing = Object.assign(Object.create(fs) as MemoryFuseFs, {
      getattr: () => {
        throw new FuseErrno(Errno.EACCES);
      },
    });
    const { send } = sessionOver(throwing);
    expect(answerError((await send(1, { op: "getattr", fh: undefined }))!)).toBe(-Errno.EACCES);
    expect(answerError((await send(1, { op: "statfs" }))!)).toBe(0);
  });
});
