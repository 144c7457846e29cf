// The FUSE session through the real kernel: a MemoryFuseFs mounted with mountFuse and used only
// through the operating system (coreutils started with Bun.spawn, node:fs calls made by a
// child process: a blocking call on the mount from this process, which serves it, would wait
// on itself). Then unmounting, bad mount points, and the recovery of a mount whose serving
// process was killed with kill -9. Needs root and /dev/fuse; without them it says so and skips.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isStaleMount, mountFuse, unmountPath } from "../../src/mount/fuse/mount.ts";
import type { FuseMount } from "../../src/mount/fuse/operations.ts";
import { MemoryFuseFs } from "../support/memory-fuse-fs.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

const canMount = process.getuid?.() === 0 && existsSync("/dev/fuse");
if (!canMount) console.log("fuse-kernel tests skipped: mounting needs root and /dev/fuse.");

const SERVE = join(import.meta.dir, "../support/memory-fuse-serve.ts");

async function run(cmd: string[], options: { stdin?: Uint8Array } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: options.stdin ? new Blob([options.stdin]) : "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

async function ok(cmd: string[]): Promise<string> {
  const result = await run(cmd);
  if (result.code !== 0) throw new Error(`${cmd.join(" ")} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Runs `source` (a script using node:fs) in a child Bun process; its stdout is the answer. */
async function inChild(source: string): Promise<string> {
  return ok([process.execPath, "-e", source]);
}

describe.skipIf(!canMount)("a MemoryFuseFs mounted through the kernel", () => {
  const temp = tempDir("fuse-kernel");
  const mountPoint = join(temp.path, "mnt");
  const fs = new MemoryFuseFs();
  let mounted: FuseMount;

  beforeAll(async () => {
    mkdirSync(mountPoint);
    mounted = await mountFuse(mountPoint, fs);
  });

  afterAll(async () => {
    await unmountPath(mountPoint, { lazy: true }).catch(() => undefined);
    temp.remove();
  });

  test("coreutils: mkdir, cat, cp, mv, ln -s, ls -l, stat, rm, touch -d, truncate", async () => {
    const m = mountPoint;
    await ok(["mkdir", "-p", `${m}/a/b`]);
    const source = join(temp.path, "source.txt");
    writeFileSync(source, "hello through the kernel\n");
    await ok(["cp", source, `${m}/a/b/copy.txt`]);
    expect(await ok(["cat", `${m}/a/b/copy.txt`])).toBe("hello through the kernel\n");
    await ok(["mv", `${m}/a/b/copy.txt`, `${m}/a/moved.txt`]);
    await ok(["ln", "-s", "a/moved.txt", `${m}/link`]);
    expect(await ok(["readlink", `${m}/link`])).toBe("a/moved.txt\n");
    expect(await ok(["cat", `${m}/link`])).toBe("hello through the kernel\n");
    const listing = await ok(["ls", "-l", `${m}/a`]);
    expect(listing).toMatch(/^d.* b$/m);
    expect(listing).toMatch(/^-rw-.* 25 .* moved\.txt$/m);
    expect((await ok(["stat", "-c", "%s %F", `${m}/a/moved.txt`])).trim()).toBe("25 regular file");
    await ok(["touch", "-d", "2001-02-03 04:05:06 UTC", `${m}/a/moved.txt`]);
    expect((await ok(["stat", "-c", "%Y", `${m}/a/moved.txt`])).trim()).toBe(String(Date.UTC(2001, 1, 3, 4, 5, 6) / 1000));
    await ok(["truncate", "-s", "5", `${m}/a/moved.txt`]);
    expect(await ok(["cat", `${m}/a/moved.txt`])).toBe("hello");
    await ok(["chmod", "600", `${m}/a/moved.txt`]);
    expect((await ok(["stat", "-c", "%a", `${m}/a/moved.txt`])).trim()).toBe("600");
    await ok(["rm", "-r", `${m}/a`, `${m}/link`]);
    expect((await ok(["ls", "-A", m])).trim()).toBe("");
  });

  test("dd writes and reads back 8 MiB in 1 MiB requests, and overwrites the middle in place", async () => {
    const m = mountPoint;
    await ok(["dd", "if=/dev/urandom", `of=${temp.path}/random`, "bs=1M", "count=8", "status=none"]);
    await ok(["dd", `if=${temp.path}/random`, `of=${m}/big`, "bs=1M", "status=none"]);
    const local = await ok(["sha256sum", `${temp.path}/random`]);
    expect((await ok(["sha256sum", `${m}/big`])).split(" ")[0]).toBe(local.split(" ")[0]);
    await ok(["dd", "if=/dev/zero", `of=${m}/big`, "bs=4096", "count=3", "seek=100", "conv=notrunc", "status=none"]);
    await ok(["dd", "if=/dev/zero", `of=${temp.path}/random`, "bs=4096", "count=3", "seek=100", "conv=notrunc", "status=none"]);
    const expected = (await ok(["sha256sum", `${temp.path}/random`])).split(" ")[0];
    expect((await ok(["sha256sum", `${m}/big`])).split(" ")[0]).toBe(expected);
    expect((await ok(["stat", "-c", "%s", `${m}/big`])).trim()).toBe(String(8 << 20));
    await ok(["rm", `${m}/big`]);
  });

  test("node:fs from a child process: errnos, RENAME_NOREPLACE, readdir of many entries, xattrs, statfs", async () => {
    const m = JSON.stringify(mountPoint);
    const out = await inChild(`
      const fs = require("node:fs");
      const m = ${m};
      const code = (f) => { try { f(); return "ok"; } catch (e) { return e.code; } };
      const r = {};
      fs.mkdirSync(m + "/many");
      for (let i = 0; i < 300; i++) fs.writeFileSync(m + "/many/f" + i, "x".repeat(i));
      r.count = fs.readdirSync(m + "/many").length;
      r.sizes = fs.readdirSync(m + "/many", { withFileTypes: true }).filter((d) => d.isFile()).length;
      r.size299 = fs.statSync(m + "/many/f299").size;
      r.missing = code(() => fs.statSync(m + "/nope"));
      r.exists = code(() => fs.mkdirSync(m + "/many"));
      r.notEmpty = code(() => fs.rmdirSync(m + "/many"));
      r.longName = code(() => fs.writeFileSync(m + "/" + "n".repeat(300), "x"));
      r.hardLink = code(() => fs.linkSync(m + "/many/f1", m + "/hard"));
      // renameat2(RENAME_NOREPLACE), which node:fs has no word for.
      const { dlopen, FFIType } = require("bun:ffi");
      const libc = dlopen("libc.so.6", {
        renameat2: { args: [FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
        setxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
        getxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
        listxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
      });
      const c = (s) => Buffer.from(s + "\\0");
      const AT_FDCWD = -100;
      r.noReplace = libc.symbols.renameat2(AT_FDCWD, c(m + "/many/f1"), AT_FDCWD, c(m + "/many/f2"), 1);
      r.exchange = libc.symbols.renameat2(AT_FDCWD, c(m + "/many/f1"), AT_FDCWD, c(m + "/many/f2"), 2);
      r.replace = libc.symbols.renameat2(AT_FDCWD, c(m + "/many/f1"), AT_FDCWD, c(m + "/many/f2"), 0);
      r.afterReplace = fs.readFileSync(m + "/many/f2", "utf8");
      const value = Buffer.from("blue");
      r.setxattr = libc.symbols.setxattr(c(m + "/many/f2"), c("user.colour"), value, value.length, 0);
      r.xattrSize = Number(libc.symbols.getxattr(c(m + "/many/f2"), c("user.colour"), null, 0));
      const small = Buffer.alloc(2);
      r.xattrTooSmall = Number(libc.symbols.getxattr(c(m + "/many/f2"), c("user.colour"), small, 2));
      const got = Buffer.alloc(16);
      r.xattr = got.subarray(0, Number(libc.symbols.getxattr(c(m + "/many/f2"), c("user.colour"), got, 16))).toString();
      const names = Buffer.alloc(64);
      r.xattrNames = names.subarray(0, Number(libc.symbols.listxattr(c(m + "/many/f2"), names, 64))).toString().split("\\0").filter(Boolean);
      const fd = fs.openSync(m + "/many/f10", "r+");
      fs.writeSync(fd, Buffer.from("AB"), 0, 2, 4);
      const buf = Buffer.alloc(6);
      fs.readSync(fd, buf, 0, 6, 2);
      r.partial = buf.toString();
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      r.statfs = fs.statfsSync(m).bsize;
      console.log(JSON.stringify(r));
    `);
    expect(JSON.parse(out)).toEqual({
      count: 300,
      sizes: 300,
      size299: 299,
      missing: "ENOENT",
      exists: "EEXIST",
      notEmpty: "ENOTEMPTY",
      longName: "ENAMETOOLONG",
      hardLink: "EPERM",
      noReplace: -1,
      exchange: -1,
      replace: 0,
      afterReplace: "x",
      setxattr: 0,
      xattrSize: 4,
      xattrTooSmall: -1,
      xattr: "blue",
      xattrNames: ["user.colour"],
      partial: "xxABxx",
      statfs: 4096,
    });
    expect(fs.calls.get("readdirplus") ?? 0).toBeGreaterThan(0);
    const fifo = await run(["mkfifo", `${mountPoint}/fifo`]);
    expect(fifo.code).not.toBe(0);
    expect(fifo.stderr).toMatch(/Operation not permitted/);
    await ok(["rm", "-r", `${mountPoint}/many`]);
  });

  test("a second mount on the same point, a missing, a non-empty and a file mount point are refused in one sentence", async () => {
    await expect(mountFuse(mountPoint, new MemoryFuseFs())).rejects.toThrow(/already mounted/);
    await expect(mountFuse(join(temp.path, "absent"), new MemoryFuseFs())).rejects.toThrow(/does not exist/);
    const full = join(temp.path, "full");
    mkdirSync(full);
    writeFileSync(join(full, "x"), "x");
    await expect(mountFuse(full, new MemoryFuseFs())).rejects.toThrow(/is not empty/);
    await expect(mountFuse(join(full, "x"), new MemoryFuseFs())).rejects.toThrow(/is not a folder/);
  });

  test("unmounting ends the session: closed settles and the file system is destroyed", async () => {
    await mounted.unmount();
    await mounted.closed;
    expect(fs.destroyed).toBe(true);
    expect((await ok(["cat", "/proc/self/mounts"])).includes(mountPoint)).toBe(false);
  });
});

describe.skipIf(!canMount)("a mount whose process was killed", () => {
  const temp = tempDir("fuse-stale");
  afterAll(async () => {
    await unmountPath(join(temp.path, "mnt"), { lazy: true }).catch(() => undefined);
    temp.remove();
  });

  test("is stale (ENOTCONN), and the next mountFuse on the same point recovers it and serves", async () => {
    const mountPoint = join(temp.path, "mnt");
    mkdirSync(mountPoint);
    const child = Bun.spawn([process.execPath, SERVE, mountPoint], { stdout: "pipe", stderr: "inherit" });
    const reader = child.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("mounted");
    await ok(["touch", `${mountPoint}/from-child`]);
    child.kill(9);
    await child.exited;
    await waitFor("the dead mount to answer ENOTCONN", () => isStaleMount(mountPoint), { timeoutMs: 5000 });
    const fresh = await mountFuse(mountPoint, new MemoryFuseFs());
    try {
      expect((await ok(["ls", "-A", mountPoint])).trim()).toBe("");
      await ok(["mkdir", `${mountPoint}/alive`]);
      expect(await isStaleMount(mountPoint)).toBe(false);
    } finally {
      await fresh.unmount();
    }
    await fresh.closed;
  });
});

describe.skipIf(!canMount)("a readonly mount", () => {
  test("answers EROFS to writes through the kernel", async () => {
    const temp = tempDir("fuse-ro");
    const mountPoint = join(temp.path, "mnt");
    mkdirSync(mountPoint);
    const mounted = await mountFuse(mountPoint, new MemoryFuseFs(), { readonly: true });
    try {
      const result = await run(["touch", `${mountPoint}/x`]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/Read-only file system/);
    } finally {
      await mounted.unmount();
      temp.remove();
    }
  });
});
