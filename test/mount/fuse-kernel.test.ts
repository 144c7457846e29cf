// The FUSE session through the real kernel: a MemoryFuseFs mounted with mountFuse and used only
// through the operating system (coreutils started with Bun.spawn, node:fs calls made by a
// child process: a blocking call on the mount from this process, which serves it, would wait
// on itself). Then unmounting, bad mount points, and the recovery of a mount whose serving
// process was killed with kill -9. Needs root and /dev/fuse; without them it says so and skips.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isStaleMount, mountFuse, unmountPath } from "../../src/mount/fuse/mount.ts";
import type { FuseMount } from "../../src/mount/fuse/operations.ts";
import { MemoryFuseFs } from "../support/memory-fuse-fs.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

const canMount = process.getuid?.() === 0 && existsSync("/dev/fuse");
if (!canMount) console.log("fuse-kernel tests skipped: mounting needs root and /dev/fuse.");

const SERVE = join(import.meta.dir, "../support/memory-fuse-serve.ts");
const REPO_ROOT = resolve(import.meta.dir, "../..");

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

  test("the mount's read-ahead is raised to a whole 1 MiB request", async () => {
    const line = (await ok(["cat", "/proc/self/mountinfo"])).split("\n").find((l) => l.split(" ")[4] === mountPoint);
    const device = line?.split(" ")[2];
    expect((await ok(["cat", `/sys/class/bdi/${device}/read_ahead_kb`])).trim()).toBe("1024");
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

  test("invalidations reach the kernel: new bytes and a removed name are seen at once, not after the 1 s caches", async () => {
    await ok(["sh", "-c", `echo old > ${mountPoint}/cached`]);
    expect(await ok(["cat", `${mountPoint}/cached`])).toBe("old\n");
    const nodeId = fs.replaceBytes(1, "cached", new TextEncoder().encode("brand new\n"));
    fs.session!.invalidateInode(nodeId, 0, -1);
    await waitFor("the kernel to drop the old attributes", async () => (await ok(["cat", `${mountPoint}/cached`])) === "brand new\n", { timeoutMs: 500, intervalMs: 10 });
    fs.removeBehind(1, "cached");
    fs.session!.invalidateEntry(1, "cached");
    await waitFor("the kernel to forget the name", async () => (await run(["stat", `${mountPoint}/cached`])).code !== 0, { timeoutMs: 500, intervalMs: 10 });
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

describe.skipIf(!canMount)("the system's unmount commands", () => {
  for (const command of [["umount"], ["fusermount3", "-u"]]) {
    test.skipIf(Bun.which(command[0]!) === null)(`${command.join(" ")} ends the session cleanly`, async () => {
      const temp = tempDir("fuse-umount");
      const mountPoint = join(temp.path, "mnt");
      mkdirSync(mountPoint);
      const fs = new MemoryFuseFs();
      const mounted = await mountFuse(mountPoint, fs);
      try {
        await ok([...command, mountPoint]);
        await mounted.closed;
        expect(fs.destroyed).toBe(true);
      } finally {
        await unmountPath(mountPoint, { lazy: true }).catch(() => undefined);
        temp.remove();
      }
    });
  }
});

// fusermount3 opens /dev/fuse as the calling user, and this machine's /dev/fuse is root's alone
// (Debian's udev rule makes it 0666). So the test runs in a mount namespace of its own where a
// 0666 node of the same device is bound over /dev/fuse; nothing outside it changes.
const canTryUserMount = canMount && ["unshare", "setpriv", "fusermount3", "mknod"].every((tool) => Bun.which(tool) !== null);

describe.skipIf(!canTryUserMount)("a user other than root", () => {
  test("mounts through fusermount3, is served, and unmounts with fusermount3 -u", async () => {
    const temp = tempDir("fuse-user");
    try {
      const script = `
        set -e
        T=${JSON.stringify(temp.path)}
        chmod 755 "$T"; mkdir "$T/mnt" "$T/bun" "$T/repo"; chown nobody "$T/mnt"
        mknod "$T/fuse" c 10 229; chmod 666 "$T/fuse"; mount --bind "$T/fuse" /dev/fuse
        # Bun and the repository may sit in or below a folder only root may enter (a clone in a
        # 0700 temporary folder): bound where nobody reaches them, in this namespace only, and
        # the server (nobody, but reading them) may read past folder modes; the working folder
        # is one it can read, as Bun refuses to start in another.
        mount --bind ${JSON.stringify(dirname(process.execPath))} "$T/bun"
        mount --bind ${JSON.stringify(REPO_ROOT)} "$T/repo"
        cd "$T"
        as_user() { HOME="$T" setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
        as_reader() { as_user --inh-caps +dac_read_search --ambient-caps +dac_read_search "$@"; }
        as_reader "$T/bun/"${JSON.stringify(basename(process.execPath))} "$T/repo/"${JSON.stringify(relative(REPO_ROOT, SERVE))} "$T/mnt" > "$T/out" 2> "$T/err" &
        for i in $(seq 200); do grep -q mounted "$T/out" 2>/dev/null && break; sleep 0.05; done
        grep -q mounted "$T/out" || { cat "$T/err" >&2; exit 1; }
        grep " $T/mnt " /proc/self/mounts | cut -d" " -f3,4 | tr , "\\n" | grep -E "^(fuse.tessera|user_id=65534)" | tr "\\n" " "
        as_user sh -c 'echo from-nobody > "$0/mnt/a" && cat "$0/mnt/a"' "$T"
        as_user fusermount3 -u "$T/mnt"
        wait
        cat "$T/out"
      `;
      const result = await run(["unshare", "--mount", "--propagation", "private", "bash", "-c", script]);
      expect(result.stderr).toBe("");
      expect(result.stdout.split(/\s+/).filter(Boolean)).toEqual(["fuse.tessera", "rw", "user_id=65534", "from-nobody", "mounted", "closed"]);
    } finally {
      temp.remove();
    }
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
