// The mount's file system (src/mount/vfs/) against the in-memory twin of the file system
// client (test/support/fake-mount-client.ts): the FUSE contract's rules (lookups counted and
// forgotten, readdir cookies, node 1 the root), close-to-open, rename flags, the write path's
// order (an editor per node, opened at the first write, committed by flush, closed by the last
// release), identity, read-only mounts and xattrs. The session and the kernel are left out
// here; test/e2e/mount*.test.ts drive a real mount.
import { beforeEach, describe, expect, it } from "vitest";
import { Errno, FileType, FuseErrno, RenameFlags, type DirEntry, type FuseFileSystem, type RequestContext } from "../../src/mount/fuse/operations.ts";
import { createTesseraFileSystem, FILE_CHUNKS_MAX, VFS_ATTR_TIMEOUT_MS, type VfsOptions } from "../../src/mount/vfs/index.ts";
import { Identity } from "../../src/mount/vfs/identity.ts";
import { READ_AHEAD_BLOCK_BYTES } from "../../src/mount/vfs/read-ahead.ts";
import { FakeNamespace } from "../support/fake-mount-client.ts";
import { FsError } from "../../src/client/fs-error.ts";

const ROOT: RequestContext = { uid: 0, gid: 0, pid: 1 };
const ALICE: RequestContext = { uid: 1000, gid: 1000, pid: 2 };
const identity = new Identity("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n", "root:x:0:\nalice:x:1000:\nstaff:x:50:\n");
const O_RDONLY = 0;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

async function errnoOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FuseErrno) return err.errno;
    throw err;
  }
  throw new Error("expected a FuseErrno, the call succeeded");
}

let ns: FakeNamespace;
let fs: FuseFileSystem;

function mount(options: Partial<VfsOptions> = {}): FuseFileSystem {
  return createTesseraFileSystem(ns.client(), { rootPath: "/", readonly: false, allowOther: false, identity, ...options });
}

beforeEach(() => {
  ns = new FakeNamespace();
  fs = mount();
});

describe("names and attributes", () => {
  it("looks up by name under the root, with the namespace's fileId as node id and the listed attributes", async () => {
    ns.dir("/data");
    const file = ns.file("/data/a.txt", "hello");
    file.permission = 0o640;
    file.owner = "alice";
    file.group = "staff";
    const data = await fs.lookup(ROOT, 1, "data");
    expect(data.attr.mode).toBe(FileType.S_IFDIR | 0o755);
    const entry = await fs.lookup(ROOT, data.nodeId, "a.txt");
    expect(entry.nodeId).toBe(file.fileId);
    expect(entry.attr).toMatchObject({ ino: file.fileId, sizeBytes: 5, blocks: 1, mode: FileType.S_IFREG | 0o640, nlink: 1, uid: 1000, gid: 50, mtimeMs: file.mtimeMs, ctimeMs: file.mtimeMs });
    expect(entry.entryValidMs).toBe(VFS_ATTR_TIMEOUT_MS);
    expect(entry.attrValidMs).toBe(VFS_ATTR_TIMEOUT_MS);
    const root = await fs.getattr(ROOT, 1, undefined);
    expect(root.attr.ino).toBe(1);
    expect(root.attr.mode & FileType.S_IFMT).toBe(FileType.S_IFDIR);
  });

  it("serves getattr from its stat cache within the attribute timeout, and asks again after it", async () => {
    ns.file("/a", "x");
    const fresh = mount({ attrTimeoutMs: 50 });
    const entry = await fresh.lookup(ROOT, 1, "a");
    const before = ns.count("stat");
    await fresh.getattr(ROOT, entry.nodeId, undefined);
    const cached = await fresh.getattr(ROOT, entry.nodeId, undefined);
    expect(ns.count("stat")).toBe(before);
    // The kernel is told what is left of the cached answer's life, so the two caches together
    // never keep an answer past the timeout.
    expect(cached.attrValidMs).toBeLessThanOrEqual(50);
    const deadline = performance.now() + 5_000;
    while (ns.count("stat") === before && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      await fresh.getattr(ROOT, entry.nodeId, undefined);
    }
    expect(ns.count("stat")).toBe(before + 1);
  });

  it("answers a missing name ENOENT, and asks again only after the entry timeout", async () => {
    expect(await errnoOf(fs.lookup(ROOT, 1, "nope"))).toBe(Errno.ENOENT);
    const asked = ns.count("stat");
    expect(await errnoOf(fs.lookup(ROOT, 1, "nope"))).toBe(Errno.ENOENT);
    expect(ns.count("stat")).toBe(asked);
    // A name this mount makes is found at once, whatever it remembered missing.
    await fs.mkdir(ROOT, 1, "nope", 0o755, 0o022);
    expect((await fs.lookup(ROOT, 1, "nope")).attr.mode & FileType.S_IFMT).toBe(FileType.S_IFDIR);
  });

  it("refuses a name over 255 bytes locally (ENAMETOOLONG), without a round trip", async () => {
    const long = "n".repeat(256);
    const asked = ns.calls.length;
    expect(await errnoOf(fs.lookup(ROOT, 1, long))).toBe(Errno.ENAMETOOLONG);
    expect(await errnoOf(fs.mkdir(ROOT, 1, long, 0o755, 0))).toBe(Errno.ENAMETOOLONG);
    expect(await errnoOf(fs.create(ROOT, 1, long, 0o644, 0, O_WRONLY | O_CREAT))).toBe(Errno.ENAMETOOLONG);
    expect(ns.calls.length).toBe(asked);
    expect((await fs.mkdir(ROOT, 1, "é".repeat(127), 0o755, 0)).nodeId).toBeGreaterThan(1);
    // A whole path past PATH_MAX (4,096 bytes) is ENAMETOOLONG too, not the namespace's EINVAL.
    let parent = 1;
    for (let depth = 0; depth < 16; depth++) parent = (await fs.mkdir(ROOT, parent, `${depth}`.padStart(250, "d"), 0o755, 0)).nodeId;
    expect(await errnoOf(fs.mkdir(ROOT, parent, "x".repeat(100), 0o755, 0))).toBe(Errno.ENAMETOOLONG);
  });

  it("counts lookups and lets a node go when the kernel forgets them all", async () => {
    ns.dir("/d");
    ns.file("/d/f", "x");
    const d = await fs.lookup(ROOT, 1, "d");
    const f1 = await fs.lookup(ROOT, d.nodeId, "f");
    const f2 = await fs.lookup(ROOT, d.nodeId, "f");
    expect(f2.nodeId).toBe(f1.nodeId);
    fs.forget(f1.nodeId, 1);
    expect((await fs.getattr(ROOT, f1.nodeId, undefined)).attr.sizeBytes).toBe(1);
    // The folder is forgotten first (the kernel does not, but the table must not lose the path).
    fs.forget(d.nodeId, 1);
    expect((await fs.getattr(ROOT, f1.nodeId, undefined)).attr.sizeBytes).toBe(1);
    fs.forget(f1.nodeId, 1);
    expect(await errnoOf(fs.getattr(ROOT, f1.nodeId, undefined))).toBe(Errno.ESTALE);
    expect(await errnoOf(fs.getattr(ROOT, d.nodeId, undefined))).toBe(Errno.ESTALE);
  });

  it("answers ESTALE for a node whose path now names another file (replaced by another client)", async () => {
    ns.file("/a", "old");
    const entry = await fs.lookup(ROOT, 1, "a");
    ns.inodes.delete("/a");
    ns.file("/a", "new");
    expect(await errnoOf(fs.open(ROOT, entry.nodeId, O_RDONLY))).toBe(Errno.ESTALE);
    const again = await fs.lookup(ROOT, 1, "a");
    expect(again.nodeId).not.toBe(entry.nodeId);
    const opened = await fs.open(ROOT, again.nodeId, O_RDONLY);
    expect(text(await fs.read(ROOT, again.nodeId, opened.fh, 0, 100))).toBe("new");
  });

  it("serves a subtree as the root: node 1 is --path, and paths are inside it", async () => {
    ns.dir("/sub");
    ns.file("/sub/inside", "in");
    ns.file("/outside", "out");
    const sub = mount({ rootPath: "/sub" });
    const root = await sub.getattr(ROOT, 1, undefined);
    expect(root.attr.ino).toBe(1);
    const entry = await sub.lookup(ROOT, 1, "inside");
    expect(entry.attr.sizeBytes).toBe(2);
    expect(await errnoOf(sub.lookup(ROOT, 1, "outside"))).toBe(Errno.ENOENT);
  });

  it("answers tar's utimens, chown and chmod of a file it is writing without a stat each, the writes committed first", async () => {
    const created = await fs.create(ROOT, 1, "t", 0o600, 0, O_WRONLY | O_CREAT | O_EXCL);
    const { nodeId } = created.entry;
    await fs.write(ROOT, nodeId, created.open.fh, 0, bytes("tar member"), 0);
    const stats = ns.count("stat");
    const times = await fs.setattr(ROOT, nodeId, { mtimeMs: 1_500_000_000_000 }, created.open.fh);
    expect(ns.text("/t")).toBe("tar member");
    const owner = await fs.setattr(ROOT, nodeId, { uid: 1000, gid: 50 }, created.open.fh);
    const mode = await fs.setattr(ROOT, nodeId, { mode: FileType.S_IFREG | 0o644 }, created.open.fh);
    expect(ns.count("stat")).toBe(stats);
    expect(times.attr.mtimeMs).toBe(1_500_000_000_000);
    expect(owner.attr).toMatchObject({ uid: 1000, gid: 50, mtimeMs: 1_500_000_000_000, sizeBytes: 10 });
    expect(mode.attr).toMatchObject({ mode: FileType.S_IFREG | 0o644, uid: 1000, mtimeMs: 1_500_000_000_000 });
    expect(mode.attrValidMs).toBeLessThanOrEqual(VFS_ATTR_TIMEOUT_MS);
    await fs.flush(ROOT, nodeId, created.open.fh);
    await fs.release(ROOT, nodeId, created.open.fh, 0);
    const inode = ns.get("/t");
    expect({ mtimeMs: inode.mtimeMs, owner: inode.owner, group: inode.group, permission: inode.permission }).toEqual({ mtimeMs: 1_500_000_000_000, owner: "alice", group: "staff", permission: 0o644 });
  });

  it("sets mode, owner, group and times, and size through truncate", async () => {
    ns.file("/a", "hello world");
    const entry = await fs.lookup(ROOT, 1, "a");
    const chmod = await fs.setattr(ROOT, entry.nodeId, { mode: FileType.S_IFREG | 0o1600 }, undefined);
    expect(chmod.attr.mode).toBe(FileType.S_IFREG | 0o1600);
    const chown = await fs.setattr(ROOT, entry.nodeId, { uid: 1000, gid: 50 }, undefined);
    expect(chown.attr.uid).toBe(1000);
    expect(chown.attr.gid).toBe(50);
    expect(ns.get("/a").owner).toBe("alice");
    expect(ns.get("/a").group).toBe("staff");
    // chown to what it has already asks nothing.
    const chowns = ns.count("chown");
    await fs.setattr(ROOT, entry.nodeId, { uid: 1000 }, undefined);
    expect(ns.count("chown")).toBe(chowns);
    const times = await fs.setattr(ROOT, entry.nodeId, { mtimeMs: 1_000_000, atimeMs: 2_000_000 }, undefined);
    expect(times.attr.mtimeMs).toBe(1_000_000);
    expect(times.attr.atimeMs).toBe(2_000_000);
    const before = Date.now();
    const now = await fs.setattr(ROOT, entry.nodeId, { mtimeMs: "now" }, undefined);
    expect(now.attr.mtimeMs).toBeGreaterThanOrEqual(before);
    const cut = await fs.setattr(ROOT, entry.nodeId, { sizeBytes: 5 }, undefined);
    expect(cut.attr.sizeBytes).toBe(5);
    expect(ns.text("/a")).toBe("hello");
    expect(await errnoOf(fs.setattr(ROOT, entry.nodeId, { sizeBytes: FILE_CHUNKS_MAX * 64 * 1024 * 1024 + 1 }, undefined))).toBe(Errno.EFBIG);
  });
});

describe("identity", () => {
  it("runs uid 0 as the mount's own client and other uids as their names (one client each)", async () => {
    await fs.mkdir(ROOT, 1, "by-root", 0o777, 0);
    await fs.mkdir(ALICE, 1, "by-alice", 0o755, 0o022);
    await fs.mkdir({ uid: 4242, gid: 4242, pid: 3 }, 1, "by-stranger", 0o755, 0);
    expect(ns.calls.filter((call) => call.kind === "mkdir").map((call) => call.user)).toEqual(["", "alice", "4242"]);
    expect(ns.get("/by-alice").owner).toBe("alice");
    expect(ns.get("/by-alice").permission).toBe(0o755);
    const entry = await fs.lookup(ROOT, 1, "by-alice");
    expect(entry.attr.uid).toBe(1000);
    const stranger = await fs.lookup(ROOT, 1, "by-stranger");
    expect(stranger.attr.uid).toBe(4242);
  });

  it("maps a namespace permission refusal to EACCES", async () => {
    ns.failures.set("mkdir", "PERMISSION_DENIED");
    expect(await errnoOf(fs.mkdir(ALICE, 1, "x", 0o755, 0))).toBe(Errno.EACCES);
  });
});

describe("readdir", () => {
  async function listAll(nodeId: number, plus: boolean, take = Number.POSITIVE_INFINITY): Promise<DirEntry[]> {
    const dir = await fs.opendir(ROOT, nodeId, 0);
    const seen: DirEntry[] = [];
    let cookie = 0;
    for (let rounds = 0; ; rounds++) {
      // A readdir that never ends the folder would loop here forever.
      if (rounds > 10_000) throw new Error(`readdir did not reach the end of the folder (cookie ${cookie})`);
      const page = await fs.readdir(ROOT, nodeId, dir.fh, cookie, plus);
      if (page.length === 0) break;
      // The kernel packs only some of what it is given: take a few, continue at the last one's cookie.
      const packed = page.slice(0, Math.min(take, page.length));
      seen.push(...packed);
      cookie = packed[packed.length - 1]!.cookie;
    }
    await fs.releasedir(ROOT, nodeId, dir.fh);
    return seen;
  }

  it("lists . and .. first, then every entry, paging through the masters' pages as the kernel asks", async () => {
    ns.dir("/big");
    for (let i = 0; i < 2_500; i++) ns.file(`/big/f${String(i).padStart(5, "0")}`, "");
    const big = await fs.lookup(ROOT, 1, "big");
    const entries = await listAll(big.nodeId, false, 37);
    expect(entries.slice(0, 2).map((e) => e.name)).toEqual([".", ".."]);
    expect(entries[1]!.ino).toBe(1);
    const names = entries.slice(2).map((e) => e.name);
    expect(names.length).toBe(2_500);
    expect(new Set(names).size).toBe(2_500);
    expect(names[0]).toBe("f00000");
    expect(names.at(-1)).toBe("f02499");
    // Three pages of 1,000 at most, each asked once: never the whole folder at once.
    expect(ns.calls.filter((call) => call.kind === "list").length).toBe(3);
    expect(entries.every((e) => e.cookie > 0)).toBe(true);
  });

  it("learns how many entries the kernel takes: more while it takes all, fewer when it packs less", async () => {
    ns.dir("/d");
    for (let i = 0; i < 3_000; i++) ns.file(`/d/f${String(i).padStart(5, "0")}`, "");
    const d = await fs.lookup(ROOT, 1, "d");
    const sizes = async (take: number) => {
      const dir = await fs.opendir(ROOT, d.nodeId, 0);
      const answered: number[] = [];
      let cookie = 0;
      for (let rounds = 0; rounds < 1_000; rounds++) {
        const page = (await fs.readdir(ROOT, d.nodeId, dir.fh, cookie, true)).filter((e) => e.name !== "." && e.name !== "..");
        if (page.length === 0) break;
        answered.push(page.length);
        const packed = page.slice(0, take);
        // What the session could not pack goes back (forget), as the contract says.
        for (const e of page.slice(take)) fs.forget(e.entry!.nodeId, 1);
        cookie = packed.at(-1)!.cookie;
      }
      await fs.releasedir(ROOT, d.nodeId, dir.fh);
      return answered;
    };
    const all = await sizes(Number.POSITIVE_INFINITY);
    expect(all.slice(0, 4)).toEqual([128, 256, 512, 104]);
    expect(Math.max(...all)).toBe(1_000);
    const few = await sizes(20);
    expect(few[0]).toBe(128);
    expect(few.slice(1, 20).every((n) => n <= 40)).toBe(true);
  });

  it("resumes after the right name at any cookie it gave, and from the start after a rewind", async () => {
    ns.dir("/d");
    for (const name of ["a", "b", "c", "d", "e"]) ns.file(`/d/${name}`, name);
    const d = await fs.lookup(ROOT, 1, "d");
    const dir = await fs.opendir(ROOT, d.nodeId, 0);
    const first = await fs.readdir(ROOT, d.nodeId, dir.fh, 0, false);
    expect(first.map((e) => e.name)).toEqual([".", "..", "a", "b", "c", "d", "e"]);
    const afterB = first.find((e) => e.name === "b")!.cookie;
    expect((await fs.readdir(ROOT, d.nodeId, dir.fh, afterB, false)).map((e) => e.name)).toEqual(["c", "d", "e"]);
    const afterDotDot = first[1]!.cookie;
    expect((await fs.readdir(ROOT, d.nodeId, dir.fh, afterDotDot, false)).map((e) => e.name)).toEqual(["a", "b", "c", "d", "e"]);
    expect((await fs.readdir(ROOT, d.nodeId, dir.fh, first.at(-1)!.cookie, false)).length).toBe(0);
    expect((await fs.readdir(ROOT, d.nodeId, dir.fh, 0, false)).length).toBe(7);
    await fs.releasedir(ROOT, d.nodeId, dir.fh);
  });

  it("readdirplus answers counted entries with the listing's attributes, without a stat per entry", async () => {
    ns.dir("/d");
    for (let i = 0; i < 10; i++) ns.file(`/d/f${i}`, "x".repeat(i));
    const d = await fs.lookup(ROOT, 1, "d");
    const stats = ns.count("stat");
    const entries = await listAll(d.nodeId, true);
    expect(ns.count("stat")).toBe(stats);
    const files = entries.filter((e) => e.name.startsWith("f"));
    expect(files.length).toBe(10);
    expect(entries.filter((e) => e.name === "." || e.name === "..").every((e) => e.entry === undefined)).toBe(true);
    for (const [i, e] of files.entries()) {
      expect(e.entry!.nodeId).toBe(e.ino);
      expect(e.entry!.attr.sizeBytes).toBe(i);
    }
    // Each entry counted one lookup: served by getattr until forgotten.
    const f3 = files[3]!;
    expect((await fs.getattr(ROOT, f3.ino, undefined)).attr.sizeBytes).toBe(3);
    fs.forget(f3.ino, 1);
    expect(await errnoOf(fs.getattr(ROOT, f3.ino, undefined))).toBe(Errno.ESTALE);
  });

  it("refuses opendir of a file (ENOTDIR) and maps a refused listing", async () => {
    ns.file("/f", "");
    const f = await fs.lookup(ROOT, 1, "f");
    expect(await errnoOf(fs.opendir(ROOT, f.nodeId, 0))).toBe(Errno.ENOTDIR);
    const dir = await fs.opendir(ALICE, 1, 0);
    ns.failures.set("list", "PERMISSION_DENIED");
    expect(await errnoOf(fs.readdir(ALICE, 1, dir.fh, 0, false))).toBe(Errno.EACCES);
  });
});

describe("rename", () => {
  beforeEach(() => {
    ns.file("/a", "A");
    ns.file("/b", "B");
    ns.dir("/d");
    ns.dir("/e");
    ns.file("/e/x", "X");
    ns.dir("/empty");
  });

  it("replaces a file at the destination (flags 0) and keeps the moved node's id", async () => {
    const a = await fs.lookup(ROOT, 1, "a");
    const b = await fs.lookup(ROOT, 1, "b");
    await fs.rename(ROOT, 1, "a", 1, "b", 0);
    expect(ns.text("/b")).toBe("A");
    expect(ns.inodes.has("/a")).toBe(false);
    expect((await fs.lookup(ROOT, 1, "b")).nodeId).toBe(a.nodeId);
    expect((await fs.getattr(ROOT, a.nodeId, undefined)).attr.sizeBytes).toBe(1);
    // The replaced node has no name any more.
    fs.forget(b.nodeId, 1);
    expect(await errnoOf(fs.getattr(ROOT, b.nodeId, undefined))).toBe(Errno.ESTALE);
  });

  it("RENAME_NOREPLACE refuses an existing destination (EEXIST); RENAME_EXCHANGE is EINVAL", async () => {
    expect(await errnoOf(fs.rename(ROOT, 1, "a", 1, "b", RenameFlags.NOREPLACE))).toBe(Errno.EEXIST);
    expect(ns.text("/b")).toBe("B");
    await fs.rename(ROOT, 1, "a", 1, "c", RenameFlags.NOREPLACE);
    expect(ns.text("/c")).toBe("A");
    expect(await errnoOf(fs.rename(ROOT, 1, "c", 1, "b", RenameFlags.EXCHANGE))).toBe(Errno.EINVAL);
  });

  it("replaces an empty folder with a folder, refuses a non-empty one, and mixes no kinds", async () => {
    await fs.lookup(ROOT, 1, "empty");
    await fs.rename(ROOT, 1, "d", 1, "empty", 0);
    expect(ns.get("/empty").kind).toBe("dir");
    expect(ns.inodes.has("/d")).toBe(false);
    expect(await errnoOf(fs.rename(ROOT, 1, "empty", 1, "e", 0))).toBe(Errno.ENOTEMPTY);
    expect(await errnoOf(fs.rename(ROOT, 1, "a", 1, "e", 0))).toBe(Errno.EISDIR);
    expect(await errnoOf(fs.rename(ROOT, 1, "e", 1, "b", 0))).toBe(Errno.ENOTDIR);
  });

  it("moves a folder with everything the kernel knows below it", async () => {
    const e = await fs.lookup(ROOT, 1, "e");
    const x = await fs.lookup(ROOT, e.nodeId, "x");
    const d = await fs.lookup(ROOT, 1, "d");
    await fs.rename(ROOT, 1, "e", d.nodeId, "moved", 0);
    const opened = await fs.open(ROOT, x.nodeId, O_RDONLY);
    expect(text(await fs.read(ROOT, x.nodeId, opened.fh, 0, 10))).toBe("X");
    expect(ns.calls.find((call) => call.kind === "statAndOpen")!.path).toBe("/d/moved/x");
  });
});

describe("namespace changes", () => {
  it("rmdir of a non-empty folder is ENOTEMPTY, of a file ENOTDIR; unlink of a folder is EISDIR", async () => {
    ns.dir("/full");
    ns.file("/full/f", "");
    ns.file("/file", "");
    await fs.lookup(ROOT, 1, "full");
    expect(await errnoOf(fs.rmdir(ROOT, 1, "full"))).toBe(Errno.ENOTEMPTY);
    expect(await errnoOf(fs.rmdir(ROOT, 1, "file"))).toBe(Errno.ENOTDIR);
    expect(await errnoOf(fs.unlink(ROOT, 1, "full"))).toBe(Errno.EISDIR);
    expect(ns.inodes.has("/full")).toBe(true);
    await fs.unlink(ROOT, 1, "file");
    expect(ns.inodes.has("/file")).toBe(false);
  });

  it("makes folders with mode less umask, keeps the sticky bit, and refuses devices and hard links (EPERM)", async () => {
    const made = await fs.mkdir(ROOT, 1, "tmp", 0o1777, 0o022);
    expect(made.attr.mode).toBe(FileType.S_IFDIR | 0o1755);
    expect(await errnoOf(fs.mknod(ROOT, 1, "fifo", 0o010644, 0, 0))).toBe(Errno.EPERM);
    expect(await errnoOf(fs.mknod(ROOT, 1, "dev", 0o020644, 0x0801, 0))).toBe(Errno.EPERM);
    const plain = await fs.mknod(ROOT, 1, "plain", FileType.S_IFREG | 0o666, 0, 0o022);
    expect(plain.attr.mode).toBe(FileType.S_IFREG | 0o644);
    expect(await errnoOf(fs.link(ROOT, plain.nodeId, 1, "hard"))).toBe(Errno.EPERM);
  });

  it("makes and reads symbolic links", async () => {
    const link = await fs.symlink(ROOT, 1, "ln", "../somewhere/else");
    expect(link.attr.mode).toBe(FileType.S_IFLNK | 0o777);
    expect(link.attr.sizeBytes).toBe("../somewhere/else".length);
    expect(await fs.readlink(ROOT, link.nodeId)).toBe("../somewhere/else");
    const dir = await fs.opendir(ROOT, 1, 0);
    const listed = await fs.readdir(ROOT, 1, dir.fh, 0, false);
    expect(listed.find((e) => e.name === "ln")!.type).toBe(FileType.S_IFLNK);
  });

  it("reports the cluster's capacity in statfs, asking it at most once a second", async () => {
    let asked = 0;
    const withCapacity = mount({ capacity: async () => (asked++, { capacityBytes: 10 * 2 ** 30, remainingBytes: 4 * 2 ** 30, usedBytes: 6 * 2 ** 30, files: 12 }) });
    const answer = await withCapacity.statfs(ROOT, 1);
    expect(answer.blocks * answer.blockSizeBytes).toBe(10 * 2 ** 30);
    expect(answer.blocksAvailable * answer.blockSizeBytes).toBe(4 * 2 ** 30);
    expect(answer.nameLengthMax).toBe(255);
    await withCapacity.statfs(ROOT, 1);
    expect(asked).toBe(1);
  });

  it("answers statfs with its last answer while the cluster cannot say, and EIO when it never could", async () => {
    let failing = false;
    let failedAsks = 0;
    const flaky = mount({
      capacity: async () => {
        if (!failing) return { capacityBytes: 2 ** 40, remainingBytes: 2 ** 39, usedBytes: 2 ** 39 };
        failedAsks += 1;
        throw new FsError("NO_LEADER", "no leader is elected right now");
      },
    });
    const first = await flaky.statfs(ROOT, 1);
    failing = true;
    // Once the statfs cache's second is over the cluster is asked again, and fails: the last answer stands.
    const deadline = performance.now() + 5_000;
    while (failedAsks === 0 && performance.now() < deadline) {
      expect(await flaky.statfs(ROOT, 1)).toEqual(first);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(failedAsks).toBeGreaterThan(0);
    expect(await flaky.statfs(ROOT, 1)).toEqual(first);
    const never = mount({
      capacity: async () => {
        throw new FsError("NO_LEADER", "no leader is elected right now");
      },
    });
    expect(await errnoOf(never.statfs(ROOT, 1))).toBe(Errno.EIO);
  });
});

describe("read-only mounts", () => {
  it("answers EROFS to every change and still serves reads", async () => {
    ns.file("/a", "read me");
    const ro = mount({ readonly: true });
    const a = await ro.lookup(ROOT, 1, "a");
    const changes: Array<Promise<unknown>> = [
      ro.mkdir(ROOT, 1, "d", 0o755, 0),
      ro.create(ROOT, 1, "n", 0o644, 0, O_WRONLY | O_CREAT),
      ro.unlink(ROOT, 1, "a"),
      ro.rmdir(ROOT, 1, "a"),
      ro.rename(ROOT, 1, "a", 1, "b", 0),
      ro.symlink(ROOT, 1, "l", "a"),
      ro.setattr(ROOT, a.nodeId, { mode: 0o600 }, undefined),
      ro.open(ROOT, a.nodeId, O_RDWR),
      ro.open(ROOT, a.nodeId, O_RDONLY | O_TRUNC),
      ro.setxattr!(ROOT, a.nodeId, "user.k", bytes("v"), 0),
    ];
    for (const change of changes) expect(await errnoOf(change)).toBe(Errno.EROFS);
    const opened = await ro.open(ROOT, a.nodeId, O_RDONLY);
    expect(text(await ro.read(ROOT, a.nodeId, opened.fh, 0, 100))).toBe("read me");
  });
});

describe("open, read and the page cache", () => {
  it("re-stats at every open (close-to-open) and keeps the page cache only for the same version", async () => {
    ns.file("/a", "one");
    const a = await fs.lookup(ROOT, 1, "a");
    const first = await fs.open(ROOT, a.nodeId, O_RDONLY);
    expect(first.keepCache).toBeUndefined();
    await fs.release(ROOT, a.nodeId, first.fh, 0);
    const opens = ns.count("statAndOpen");
    const second = await fs.open(ROOT, a.nodeId, O_RDONLY);
    expect(ns.count("statAndOpen")).toBe(opens + 1);
    expect(second.keepCache).toBe(true);
    await fs.release(ROOT, a.nodeId, second.fh, 0);
    // Another mount rewrote it: a new version, the old pages go.
    const inode = ns.get("/a");
    inode.data = bytes("two!");
    inode.version += 1;
    const third = await fs.open(ROOT, a.nodeId, O_RDONLY);
    expect(third.keepCache).toBeUndefined();
    expect(text(await fs.read(ROOT, a.nodeId, third.fh, 0, 100))).toBe("two!");
    // Open for writing on this mount: never kept while a writer has it.
    const writer = await fs.open(ROOT, a.nodeId, O_WRONLY);
    const fourth = await fs.open(ROOT, a.nodeId, O_RDONLY);
    expect(fourth.keepCache).toBeUndefined();
    for (const fh of [third.fh, writer.fh, fourth.fh]) await fs.release(ROOT, a.nodeId, fh, 0);
  });

  it("reads ahead in blocks while a handle reads sequentially, and straight while it reads at random", async () => {
    const size = 3 * READ_AHEAD_BLOCK_BYTES + 12345;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) & 0xff;
    ns.file("/big", data);
    const big = await fs.lookup(ROOT, 1, "big");
    const opened = await fs.open(ROOT, big.nodeId, O_RDONLY);
    const out = new Uint8Array(size);
    const pieceBytes = 128 * 1024;
    for (let offset = 0; offset < size; offset += pieceBytes) {
      const piece = await fs.read(ROOT, big.nodeId, opened.fh, offset, pieceBytes);
      out.set(piece, offset);
    }
    expect(Buffer.compare(out, data)).toBe(0);
    await fs.release(ROOT, big.nodeId, opened.fh, 0);
    const random = await fs.open(ROOT, big.nodeId, O_RDONLY);
    for (const offset of [size - 100, 17, 2 * READ_AHEAD_BLOCK_BYTES - 5, 1_000_000]) {
      const piece = await fs.read(ROOT, big.nodeId, random.fh, offset, 4096);
      expect(Buffer.compare(piece, data.subarray(offset, Math.min(size, offset + 4096)))).toBe(0);
    }
    expect((await fs.read(ROOT, big.nodeId, random.fh, size + 10, 4096)).length).toBe(0);
    await fs.release(ROOT, big.nodeId, random.fh, 0);
  });
});

describe("the write path", () => {
  it("creates with O_EXCL, writes into one editor per node, commits on flush, closes on the last release", async () => {
    const created = await fs.create(ROOT, 1, "new.txt", 0o666, 0o022, O_WRONLY | O_CREAT | O_EXCL);
    expect(created.entry.attr.mode).toBe(FileType.S_IFREG | 0o644);
    const node = created.entry.nodeId;
    const fh = created.open.fh;
    expect(await fs.write(ROOT, node, fh, 0, bytes("hello "), 0)).toBe(6);
    const second = await fs.open(ROOT, node, O_RDWR);
    expect(await fs.write(ROOT, node, second.fh, 6, bytes("world"), 0)).toBe(5);
    expect(ns.count("openEditor")).toBe(1);
    // A read sees the unflushed bytes (through the editor); getattr its length.
    expect(text(await fs.read(ROOT, node, second.fh, 0, 100))).toBe("hello world");
    expect((await fs.getattr(ROOT, node, undefined)).attr.sizeBytes).toBe(11);
    expect(ns.text("/new.txt")).toBe("");
    await fs.flush(ROOT, node, fh);
    expect(ns.text("/new.txt")).toBe("hello world");
    await fs.release(ROOT, node, fh, 0);
    expect(ns.count("editor.close")).toBe(0);
    await fs.flush(ROOT, node, second.fh);
    await fs.release(ROOT, node, second.fh, 0);
    expect(ns.count("editor.close")).toBe(1);
    expect(ns.get("/new.txt").leaseHolder).toBeUndefined();
    expect(await errnoOf(fs.create(ROOT, 1, "new.txt", 0o644, 0, O_WRONLY | O_CREAT | O_EXCL))).toBe(Errno.EEXIST);
  });

  it("lets the editor a failed create opened go (no handle would ever release it)", async () => {
    ns.failures.set("stat", "UNAVAILABLE");
    expect(await errnoOf(fs.create(ROOT, 1, "half", 0o644, 0, O_WRONLY | O_CREAT))).toBe(Errno.EIO);
    expect(ns.count("editor.close")).toBe(1);
    expect(ns.get("/half").leaseHolder).toBeUndefined();
    const again = await fs.create(ROOT, 1, "half", 0o644, 0, O_WRONLY | O_CREAT);
    await fs.release(ROOT, again.entry.nodeId, again.open.fh, 0);
  });

  it("opens no editor for an O_RDWR open that only reads (SQLite's), only at the first write", async () => {
    ns.file("/db", "page-one");
    const db = await fs.lookup(ROOT, 1, "db");
    const opened = await fs.open(ROOT, db.nodeId, O_RDWR);
    expect(text(await fs.read(ROOT, db.nodeId, opened.fh, 0, 4))).toBe("page");
    await fs.flush(ROOT, db.nodeId, opened.fh);
    expect(ns.count("openEditor")).toBe(0);
    await fs.write(ROOT, db.nodeId, opened.fh, 5, bytes("ONE"), 0);
    expect(ns.count("openEditor")).toBe(1);
    await fs.fsync(ROOT, db.nodeId, opened.fh, false);
    expect(ns.text("/db")).toBe("page-ONE");
    await fs.release(ROOT, db.nodeId, opened.fh, 0);
  });

  it("O_TRUNC cuts in the editor, committed by the close; truncate of an open file goes through its editor", async () => {
    ns.file("/t", "old contents");
    const t = await fs.lookup(ROOT, 1, "t");
    const opened = await fs.open(ROOT, t.nodeId, O_WRONLY | O_TRUNC);
    expect((await fs.getattr(ROOT, t.nodeId, opened.fh)).attr.sizeBytes).toBe(0);
    await fs.write(ROOT, t.nodeId, opened.fh, 0, bytes("new"), 0);
    const cut = await fs.setattr(ROOT, t.nodeId, { sizeBytes: 2 }, opened.fh);
    expect(cut.attr.sizeBytes).toBe(2);
    expect(ns.count("truncate")).toBe(0);
    await fs.flush(ROOT, t.nodeId, opened.fh);
    await fs.release(ROOT, t.nodeId, opened.fh, 0);
    expect(ns.text("/t")).toBe("ne");
  });

  it("answers a flush or fsync whose commit fails EIO, never 0", async () => {
    const created = await fs.create(ROOT, 1, "f", 0o644, 0, O_WRONLY | O_CREAT);
    const { nodeId } = created.entry;
    await fs.write(ROOT, nodeId, created.open.fh, 0, bytes("data"), 0);
    ns.failures.set("editor.flush", "PIPELINE_FAILED");
    expect(await errnoOf(fs.fsync(ROOT, nodeId, created.open.fh, false))).toBe(Errno.EIO);
    ns.failures.set("editor.flush", "NO_PEERS");
    expect(await errnoOf(fs.flush(ROOT, nodeId, created.open.fh))).toBe(Errno.ENOSPC);
    // The bytes are still there to commit: the next flush does.
    await fs.flush(ROOT, nodeId, created.open.fh);
    expect(ns.text("/f")).toBe("data");
    await fs.release(ROOT, nodeId, created.open.fh, 0);
  });

  it("answers EFBIG for a write past the file-size bound, before anything is sent", async () => {
    const created = await fs.create(ROOT, 1, "huge", 0o644, 0, O_WRONLY | O_CREAT);
    const bound = FILE_CHUNKS_MAX * 64 * 1024 * 1024;
    const writes = ns.count("editor.write");
    expect(await errnoOf(fs.write(ROOT, created.entry.nodeId, created.open.fh, bound - 2, bytes("abc"), 0))).toBe(Errno.EFBIG);
    expect(ns.count("editor.write")).toBe(writes);
    await fs.release(ROOT, created.entry.nodeId, created.open.fh, 0);
  });

  it("commits writes before setting times, so cp -p's times stay the file's last", async () => {
    const created = await fs.create(ROOT, 1, "p", 0o644, 0, O_WRONLY | O_CREAT);
    const { nodeId } = created.entry;
    await fs.write(ROOT, nodeId, created.open.fh, 0, bytes("bytes"), 0);
    await fs.setattr(ROOT, nodeId, { mtimeMs: 1_234_000 }, created.open.fh);
    await fs.flush(ROOT, nodeId, created.open.fh);
    await fs.release(ROOT, nodeId, created.open.fh, 0);
    expect(ns.get("/p").mtimeMs).toBe(1_234_000);
    expect(ns.text("/p")).toBe("bytes");
  });

  it("commits what was written under the old name before a rename, and goes on writing under the new one", async () => {
    ns.dir("/dir");
    const dir = await fs.lookup(ROOT, 1, "dir");
    const created = await fs.create(ROOT, dir.nodeId, "tmp", 0o644, 0, O_WRONLY | O_CREAT);
    const { nodeId } = created.entry;
    await fs.write(ROOT, nodeId, created.open.fh, 0, bytes("first "), 0);
    await fs.rename(ROOT, 1, "dir", 1, "moved", 0);
    expect(ns.text("/moved/tmp")).toBe("first ");
    await fs.write(ROOT, nodeId, created.open.fh, 6, bytes("second"), 0);
    await fs.flush(ROOT, nodeId, created.open.fh);
    await fs.release(ROOT, nodeId, created.open.fh, 0);
    expect(ns.text("/moved/tmp")).toBe("first second");
    expect(ns.calls.filter((call) => call.kind === "openEditor").map((call) => call.path)).toEqual(["/dir/tmp", "/moved/tmp"]);
  });

  it("keeps a file unlinked while open (a temporary file) writable and readable through its editor, and drops it at release", async () => {
    const created = await fs.create(ROOT, 1, "tmpfile", 0o600, 0, O_RDWR | O_CREAT | O_EXCL);
    const { nodeId } = created.entry;
    await fs.unlink(ROOT, 1, "tmpfile");
    expect(ns.inodes.has("/tmpfile")).toBe(false);
    await fs.write(ROOT, nodeId, created.open.fh, 0, bytes("scratch data"), 0);
    expect(text(await fs.read(ROOT, nodeId, created.open.fh, 0, 100))).toBe("scratch data");
    expect((await fs.setattr(ROOT, nodeId, { sizeBytes: 7 }, created.open.fh)).attr.sizeBytes).toBe(7);
    expect((await fs.getattr(ROOT, nodeId, created.open.fh)).attr.sizeBytes).toBe(7);
    await fs.flush(ROOT, nodeId, created.open.fh);
    await fs.release(ROOT, nodeId, created.open.fh, 0);
    expect(ns.count("editor.abort")).toBe(1);
    // A new file under the old name is another file, untouched by any of it.
    ns.file("/tmpfile", "other");
    expect(ns.text("/tmpfile")).toBe("other");
  });

  it("refuses a write to an unlinked file it has no editor for (ESTALE), never writing to what has its name now", async () => {
    ns.file("/gone", "old");
    const node = (await fs.lookup(ROOT, 1, "gone")).nodeId;
    const opened = await fs.open(ROOT, node, O_WRONLY);
    await fs.unlink(ROOT, 1, "gone");
    ns.file("/gone", "new");
    expect(await errnoOf(fs.write(ROOT, node, opened.fh, 0, bytes("x"), 0))).toBe(Errno.ESTALE);
    expect(ns.text("/gone")).toBe("new");
    await fs.release(ROOT, node, opened.fh, 0);
  });

  it("a reader handle opened before a write reads the committed file afresh once the writer closed", async () => {
    ns.file("/shared", "before");
    const node = (await fs.lookup(ROOT, 1, "shared")).nodeId;
    const reader = await fs.open(ROOT, node, O_RDONLY);
    expect(text(await fs.read(ROOT, node, reader.fh, 0, 100))).toBe("before");
    const writer = await fs.open(ROOT, node, O_WRONLY | O_TRUNC);
    await fs.write(ROOT, node, writer.fh, 0, bytes("after!"), 0);
    await fs.flush(ROOT, node, writer.fh);
    await fs.release(ROOT, node, writer.fh, 0);
    expect(text(await fs.read(ROOT, node, reader.fh, 0, 100))).toBe("after!");
    await fs.release(ROOT, node, reader.fh, 0);
  });
});

describe("extended attributes", () => {
  it("stores user.* as the node's attributes (read-modify-write) with XATTR_CREATE and XATTR_REPLACE", async () => {
    ns.file("/x", "");
    ns.get("/x").attributes = { keep: "me" };
    const node = (await fs.lookup(ROOT, 1, "x")).nodeId;
    await fs.setxattr!(ROOT, node, "user.color", bytes("blue"), 0);
    expect(ns.get("/x").attributes).toEqual({ keep: "me", color: "blue" });
    expect(text(await fs.getxattr!(ROOT, node, "user.color"))).toBe("blue");
    expect((await fs.listxattr!(ROOT, node)).sort()).toEqual(["user.color", "user.keep"]);
    expect(await errnoOf(fs.setxattr!(ROOT, node, "user.color", bytes("red"), 1))).toBe(Errno.EEXIST);
    expect(await errnoOf(fs.setxattr!(ROOT, node, "user.size", bytes("9"), 2))).toBe(Errno.ENODATA);
    await fs.setxattr!(ROOT, node, "user.color", bytes("red"), 2);
    expect(ns.get("/x").attributes.color).toBe("red");
    await fs.removexattr!(ROOT, node, "user.color");
    expect(ns.get("/x").attributes).toEqual({ keep: "me" });
    expect(await errnoOf(fs.getxattr!(ROOT, node, "user.color"))).toBe(Errno.ENODATA);
    expect(await errnoOf(fs.removexattr!(ROOT, node, "user.color"))).toBe(Errno.ENODATA);
  });

  it("answers every other namespace locally, without a round trip", async () => {
    ns.file("/x", "");
    const node = (await fs.lookup(ROOT, 1, "x")).nodeId;
    const asked = ns.calls.length;
    expect(await errnoOf(fs.getxattr!(ROOT, node, "security.capability"))).toBe(Errno.ENODATA);
    expect(await errnoOf(fs.getxattr!(ROOT, node, "system.posix_acl_access"))).toBe(Errno.ENODATA);
    expect(await errnoOf(fs.setxattr!(ROOT, node, "trusted.x", bytes("1"), 0))).toBe(Errno.ENOTSUP);
    expect(await errnoOf(fs.setxattr!(ROOT, node, "security.selinux", bytes("1"), 0))).toBe(Errno.ENOTSUP);
    expect(ns.calls.length).toBe(asked);
  });
});
