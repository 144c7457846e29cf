// The mount as a local folder to the programs people use on one (issue 17, "What must be
// shown"): coreutils, tar of a tree of 2,000 files, rsync both ways, git, Python's open() with
// seek and partial reads, and user.* extended attributes. A cluster of three dist/tessera
// peers and one `tessera mount -f` process; the test process touches the mount only through
// those programs.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { randomFillSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canMount, makeTree, MountHarness, ok, run, sayWhySkipped, sh, sha256Local, type MountProcess } from "../support/mount.ts";

sayWhySkipped("mount-tools.test.ts");

describe.skipIf(!canMount())("tessera mount: the programs of a local folder", () => {
  const harness = new MountHarness();
  let mount: MountProcess;
  let mnt: string;

  beforeAll(async () => {
    await harness.start();
    mnt = harness.dir("mnt");
    mount = await harness.mount(mnt);
  }, 120_000);
  afterAll(async () => {
    await harness.cleanup();
  }, 60_000);

  it("coreutils: cp -r, ls -l, mv, stat, touch -d, chmod, ln -s and rm -r behave as on a local disk", async () => {
    const local = harness.dir("coreutils-src");
    makeTree(local, 40, 10);
    await ok(["cp", "-r", local, join(mnt, "cp")]);
    // Same names, same bytes.
    await ok(["diff", "-r", local, join(mnt, "cp")]);
    const listing = (await ok(["ls", "-l", join(mnt, "cp", "d000")])).trim().split("\n");
    expect(listing[0]).toMatch(/^total \d+$/);
    expect(listing.slice(1)).toHaveLength(10);
    // Owned by root (uid 0 is the superuser); the group is the folder's, as in HDFS.
    expect(listing[1]).toMatch(/^-rw------- 1 root \S+ +0 .* f00000\.bin$/);

    // mv: a file to another folder, a folder to a new name; the old names are gone.
    const original = readFileSync(join(local, "d000", "f00001.bin"));
    await ok(["mv", join(mnt, "cp", "d000", "f00001.bin"), join(mnt, "cp", "d001", "moved.bin")]);
    expect((await run(["stat", join(mnt, "cp", "d000", "f00001.bin")])).stderr).toContain("No such file or directory");
    await ok(["cmp", join(local, "d000", "f00001.bin"), join(mnt, "cp", "d001", "moved.bin")]);
    expect(original.length).toBeGreaterThan(0);
    await ok(["mv", join(mnt, "cp", "d002"), join(mnt, "renamed")]);
    expect((await ok(["ls", join(mnt, "renamed")])).trim().split("\n")).toHaveLength(10);
    expect((await ok(["ls", join(mnt, "cp")])).trim().split("\n")).toEqual(["d000", "d001", "d003"]);

    // stat, touch -d, chmod.
    const file = join(mnt, "cp", "d001", "moved.bin");
    expect((await ok(["stat", "-c", "%s %F", file])).trim()).toBe(`${original.length} regular file`);
    await ok(["touch", "-d", "2001-02-03 04:05:06 UTC", file]);
    expect((await ok(["stat", "-c", "%Y", file])).trim()).toBe(String(Date.UTC(2001, 1, 3, 4, 5, 6) / 1000));
    await ok(["chmod", "640", file]);
    expect((await ok(["stat", "-c", "%a", file])).trim()).toBe("640");
    await ok(["chmod", "755", join(mnt, "renamed")]);
    expect((await ok(["stat", "-c", "%a %F", join(mnt, "renamed")])).trim()).toBe("755 directory");
    const touched = join(mnt, "touched-new");
    await ok(["touch", touched]);
    expect((await ok(["stat", "-c", "%s %F", touched])).trim()).toBe("0 regular empty file");

    // ln -s: a relative link to a file, read through, listed as a link.
    await ok(["ln", "-s", "cp/d001/moved.bin", join(mnt, "link")]);
    expect((await ok(["readlink", join(mnt, "link")])).trim()).toBe("cp/d001/moved.bin");
    expect((await ok(["stat", "-c", "%F", join(mnt, "link")])).trim()).toBe("symbolic link");
    expect((await ok(["ls", "-l", join(mnt, "link")])).trim()).toMatch(/^lrwxrwxrwx 1 root \S+ +17 .*\/link -> cp\/d001\/moved\.bin$/);
    await ok(["cmp", join(mnt, "link"), join(local, "d000", "f00001.bin")]);
    // A link to a folder is followed by a trailing slash; a dangling link stays a link.
    await ok(["ln", "-s", "renamed", join(mnt, "folder-link")]);
    expect((await ok(["ls", join(mnt, "folder-link") + "/"])).trim().split("\n")).toHaveLength(10);
    await ok(["ln", "-s", "/nowhere/at/all", join(mnt, "dangling")]);
    expect((await run(["cat", join(mnt, "dangling")])).stderr).toContain("No such file or directory");

    // rm -r of a tree and of links; the folder lists what is left.
    await ok(["rm", "-r", join(mnt, "cp"), join(mnt, "renamed"), join(mnt, "link"), join(mnt, "folder-link"), join(mnt, "dangling"), touched]);
    expect((await ok(["ls", "-A", mnt])).trim()).toBe("");
  }, 120_000);

  it("tar x of a tree of 2,000 files, then tar c of it from the mount, gives an archive of the same sha256", async () => {
    const src = harness.dir("tar-src");
    makeTree(src, 2_000, 100);
    const before = join(harness.root.path, "before.tar");
    const after = join(harness.root.path, "after.tar");
    // Sorted names, the GNU format (times in seconds), owners by id and name: the archive
    // depends only on what a file system keeps of each entry.
    const tarFlags = ["--format=gnu", "--sort=name"];
    await ok(["tar", ...tarFlags, "-cf", before, "-C", src, "."]);
    const dest = join(mnt, "tar");
    await ok(["mkdir", dest]);
    // Each file is a create, a write committed on close, and the owner, mode and times tar
    // sets: a handful of Raft commits, tens of milliseconds on this 2-core machine.
    await ok(["tar", "-xf", before, "-C", dest], { timeoutMs: 480_000 });
    expect((await ok(["sh", "-c", `find '${dest}' -type f | wc -l`])).trim()).toBe("2000");
    await ok(["tar", ...tarFlags, "-cf", after, "-C", dest, "."], { timeoutMs: 240_000 });
    expect(sha256Local(after)).toBe(sha256Local(before));
  }, 780_000);

  it("rsync -a into and out of the mount; a second rsync each way transfers nothing", async () => {
    const src = harness.dir("rsync-src");
    makeTree(src, 200, 50);
    await ok(["ln", "-s", "d000/f00000.bin", join(src, "a-link")]);
    const onMount = join(mnt, "rsync") + "/";
    const back = harness.dir("rsync-back") + "/";
    await ok(["rsync", "-a", `${src}/`, onMount], { timeoutMs: 120_000 });
    const again = await ok(["rsync", "-a", "--stats", `${src}/`, onMount], { timeoutMs: 60_000 });
    expect(again).toContain("Number of regular files transferred: 0");
    await ok(["rsync", "-a", onMount, back], { timeoutMs: 60_000 });
    await ok(["diff", "-r", "--no-dereference", src, back]);
    // Modes and whole-second times came back too (rsync -a compares sizes and mtimes): folders
    // without their sizes (each file system has its own), links without their times.
    const attributes = (dir: string) => ok(["sh", "-c", "{ find . -type f -exec stat -c '%n %a %s %Y' {} + ; find . -type d -exec stat -c '%n %a %Y' {} + ; find . -type l -exec stat -c '%n %N' {} + ; } | sort"], { cwd: dir });
    expect(await attributes(back)).toBe(await attributes(src));
    const backAgain = await ok(["rsync", "-a", "--stats", onMount, back], { timeoutMs: 60_000 });
    expect(backAgain).toContain("Number of regular files transferred: 0");
  }, 300_000);

  it("git init, add and commit in a folder on the mount; git log shows the commits and git status is clean", async () => {
    const repo = join(mnt, "repo");
    await ok(["mkdir", repo]);
    const git = (...args: string[]) => ok(["git", "-c", "user.name=Tessera Test", "-c", "user.email=test@tessera.invalid", "-c", "init.defaultBranch=main", ...args], { cwd: repo, env: { GIT_CONFIG_NOSYSTEM: "1", HOME: harness.root.path } });
    await git("init", "-q");
    await ok(["sh", "-c", "mkdir -p src && for i in $(seq 1 30); do echo \"line $i\" > src/file$i.txt; done && printf 'hello\\n' > README"], { cwd: repo });
    await git("add", "-A");
    await git("commit", "-q", "-m", "first");
    await ok(["sh", "-c", "echo more >> README && rm src/file3.txt && mv src/file4.txt src/four.txt"], { cwd: repo });
    await git("add", "-A");
    await git("commit", "-q", "-m", "second");
    expect((await git("log", "--format=%s")).trim().split("\n")).toEqual(["second", "first"]);
    expect(await git("status", "--porcelain")).toBe("");
    await git("fsck", "--no-progress");
    expect((await git("show", "HEAD:README")).trim()).toBe("hello\nmore");
  }, 120_000);

  it("Python's open(): seek and partial reads, and a write in the middle of a file, as on a local disk", async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024 + 12_345);
    randomFillSync(bytes);
    const local = join(harness.root.path, "python.bin");
    writeFileSync(local, bytes);
    const onMount = join(mnt, "python.bin");
    await ok(["cp", local, onMount]);
    const script = [
      "import json, sys",
      "p = sys.argv[1]",
      "out = {}",
      "with open(p, 'rb') as f:",
      "    f.seek(1_234_567); out['a'] = f.read(1000).hex()",
      "    f.seek(-4096, 2); out['b'] = f.read().hex()",
      "    f.seek(10); out['c'] = f.read(5).hex(); out['tell'] = f.tell()",
      "    f.seek(0, 2); out['size'] = f.tell(); out['eof'] = f.read(10).hex()",
      "with open(p, 'r+b') as f:",
      "    f.seek(2_000_000); f.write(b'tessera')",
      "with open(p, 'rb') as f:",
      "    f.seek(1_999_998); out['d'] = f.read(11).hex()",
      "print(json.dumps(out))",
    ].join("\n");
    const answer = JSON.parse(await ok(["python3", "-c", script, onMount])) as Record<string, string | number>;
    const hex = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString("hex");
    expect(answer.a).toBe(hex(1_234_567, 1_235_567));
    expect(answer.b).toBe(hex(bytes.length - 4096, bytes.length));
    expect(answer.c).toBe(hex(10, 15));
    expect(answer.tell).toBe(15);
    expect(answer.size).toBe(bytes.length);
    expect(answer.eof).toBe("");
    bytes.set(new TextEncoder().encode("tessera"), 2_000_000);
    expect(answer.d).toBe(hex(1_999_998, 2_000_009));
    writeFileSync(local, bytes);
    await ok(["cmp", local, onMount]);
  }, 120_000);

  it("user.* extended attributes are kept; hard links and fifos are refused with EPERM", async () => {
    const file = join(mnt, "attributes.txt");
    await ok(["sh", "-c", `echo x > '${file}'`]);
    const script = [
      "import os, sys",
      "p = sys.argv[1]",
      "os.setxattr(p, 'user.color', b'blue')",
      "print(os.getxattr(p, 'user.color').decode())",
      "print(','.join(sorted(a for a in os.listxattr(p) if a.startswith('user.'))))",
      "os.removexattr(p, 'user.color')",
      "print(','.join(a for a in os.listxattr(p) if a.startswith('user.')) or '-')",
    ].join("\n");
    expect((await ok(["python3", "-c", script, file])).split("\n")).toEqual(["blue", "user.color", "-", ""]);
    const link = await run(["ln", file, join(mnt, "hard-link")]);
    expect(link.code).not.toBe(0);
    expect(link.stderr).toContain("Operation not permitted");
    const fifo = await run(["mkfifo", join(mnt, "fifo")]);
    expect(fifo.code).not.toBe(0);
    expect(fifo.stderr).toContain("Operation not permitted");
    expect((await ok(["ls", mnt])).split("\n")).toContain("attributes.txt");
  }, 60_000);

  it("the mount process is still serving at the end", async () => {
    expect(mount.process.exitCode).toBeNull();
    await ok(["ls", mnt]);
  });
});
