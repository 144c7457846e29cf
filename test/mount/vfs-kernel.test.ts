// The mount's file system (src/mount/vfs/) through the real kernel over a real cluster: three
// peers of the compiled binary, the vfs mounted twice in this process with mountFuse (two
// mounts of one cluster), and the mounts used only through the operating system, by child
// processes (a blocking call on a mount from this process, which serves it, would wait on
// itself). What is checked is the vfs's part: close-to-open between two mounts within the
// attribute timeout, the page cache kept only for an unchanged file, a middle overwrite read
// back byte for byte, paged listings of a large folder, rename's flags and POSIX's folder
// rules, and the errnos of bad input. Needs root and /dev/fuse; without them it says so and skips.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { mountFuse, unmountPath } from "../../src/mount/fuse/mount.ts";
import type { FuseMount } from "../../src/mount/fuse/operations.ts";
import { createTesseraFileSystem, VFS_ATTR_TIMEOUT_MS } from "../../src/mount/vfs/index.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";
import { ensureBinary, PeerProcesses, type StartedPeer } from "../support/processes.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

const canMount = process.getuid?.() === 0 && existsSync("/dev/fuse");
if (!canMount) console.log("vfs-kernel tests skipped: mounting needs root and /dev/fuse.");

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function run(cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

async function ok(cmd: string[]): Promise<string> {
  const result = await run(cmd);
  if (result.code !== 0) throw new Error(`${cmd.join(" ")} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Runs a Python script in a child process; its stdout is the answer. */
function python(source: string): Promise<string> {
  return ok(["python3", "-c", source]);
}

describe.skipIf(!canMount)("the vfs mounted through the kernel over a real cluster", () => {
  const temp = tempDir("vfs-kernel");
  const first = join(temp.path, "first");
  const second = join(temp.path, "second");
  const processes = new PeerProcesses();
  let client: ClusterClient;
  const mounts: FuseMount[] = [];

  beforeAll(async () => {
    await ensureBinary();
    const dir = (i: number) => join(temp.path, `peer-${i}`);
    const peerArgs = (i: number) => ["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0"];
    const seed = await processes.start(peerArgs(0));
    const keyFile = join(dir(0), "swarm.key");
    const peers: StartedPeer[] = [seed];
    for (let i = 1; i < 3; i++) peers.push(await processes.start([...peerArgs(i), "--join", seed.addresses[0]!, "--swarm-key", keyFile]));
    client = await connect({ join: peers.map((peer) => peer.addresses[0]!), swarmKey: decodeSwarmKey(readFileSync(keyFile, "utf8")) });
    await waitFor("3 voters and 3 live chunk servers", async () => (await client.status()).voters.length === 3 && (await client.peers()).filter((peer) => peer.state === "alive").length === 3, { timeoutMs: 30_000, intervalMs: 200 });
    for (const mountPoint of [first, second]) {
      mkdirSync(mountPoint);
      const fs = createTesseraFileSystem(client.fs, { rootPath: "/", readonly: false, allowOther: false, capacity: () => client.admin.report() });
      mounts.push(await mountFuse(mountPoint, fs));
    }
  }, 90_000);

  afterAll(async () => {
    for (const mountPoint of [first, second]) await unmountPath(mountPoint, { lazy: true }).catch(() => undefined);
    await client?.close();
    await processes.stopAll();
    temp.remove();
  });

  it("shows a file closed on one mount, with its new bytes, on the other within the attribute timeout", async () => {
    await ok(["sh", "-c", `echo first version > ${first}/shared.txt`]);
    expect(await ok(["cat", `${second}/shared.txt`])).toBe("first version\n");
    await ok(["sh", "-c", `echo the second, longer version > ${first}/shared.txt`]);
    const startedMs = performance.now();
    await waitFor("the second mount to read the new bytes", async () => (await ok(["cat", `${second}/shared.txt`])) === "the second, longer version\n", { timeoutMs: 10 * VFS_ATTR_TIMEOUT_MS, intervalMs: 20 });
    expect(performance.now() - startedMs).toBeLessThan(VFS_ATTR_TIMEOUT_MS + 1_000);
    expect((await ok(["stat", "-c", "%s", `${second}/shared.txt`])).trim()).toBe(String("the second, longer version\n".length));
  }, 60_000);

  it("writes, reads back and overwrites the middle of a file with dd (conv=notrunc), byte for byte", async () => {
    const source = new Uint8Array(randomBytes(24 * MiB + 12345));
    const local = join(temp.path, "source.bin");
    writeFileSync(local, source);
    await ok(["dd", `if=${local}`, `of=${first}/big.bin`, "bs=1M", "status=none"]);
    expect((await ok(["sha256sum", `${second}/big.bin`])).slice(0, 64)).toBe(sha256(source));
    const patch = new Uint8Array(randomBytes(3 * MiB));
    const patchFile = join(temp.path, "patch.bin");
    writeFileSync(patchFile, patch);
    await ok(["dd", `if=${patchFile}`, `of=${first}/big.bin`, "bs=4096", `seek=${(10 * MiB) / 4096 + 1}`, "conv=notrunc", "status=none"]);
    const expected = source.slice();
    expected.set(patch, 10 * MiB + 4096);
    expect((await ok(["sha256sum", `${first}/big.bin`])).slice(0, 64)).toBe(sha256(expected));
    await waitFor("the other mount to read the overwrite", async () => (await ok(["sha256sum", `${second}/big.bin`])).slice(0, 64) === sha256(expected), { timeoutMs: 10_000, intervalMs: 50 });
    expect((await client.fs.stat("/big.bin")).size).toBe(source.length);
  }, 120_000);

  it("Python's open() with seek and partial reads, and a write in the middle of an open file", async () => {
    const answer = await python(`
import os
p = ${JSON.stringify(`${first}/py.bin`)}
with open(p, "wb") as f:
    f.write(bytes(range(256)) * 64)
with open(p, "r+b") as f:
    f.seek(1000); a = f.read(4)
    f.seek(-3, os.SEEK_END); b = f.read()
    f.seek(5000); f.write(b"XYZ")
    f.seek(4999); c = f.read(5)
print(list(a), list(b), c.hex(), os.path.getsize(p))
`);
    expect(answer.trim()).toBe("[232, 233, 234, 235] [253, 254, 255] 8758595a8b 16384");
  }, 60_000);

  it("lists a folder of 2,500 entries completely, in pages, with ls and find", async () => {
    await client.fs.mkdir("/many");
    await client.fs.putMany(Array.from({ length: 2_500 }, (_, i) => ({ source: new Uint8Array(0), path: `/many/f${String(i).padStart(5, "0")}` })));
    const names = (await ok(["ls", "-1", `${first}/many`])).trim().split("\n");
    expect(names.length).toBe(2_500);
    expect(new Set(names).size).toBe(2_500);
    const long = (await ok(["ls", "-l", `${second}/many`])).trim().split("\n");
    expect(long.length).toBe(2_501); // "total" and one line per entry
    expect((await ok(["find", `${first}/many`, "-type", "f"])).trim().split("\n").length).toBe(2_500);
  }, 120_000);

  it("renames with POSIX's rules: replaces a file or an empty folder, refuses a non-empty one, RENAME_NOREPLACE", async () => {
    const answer = await python(`
import ctypes, errno, os
m = ${JSON.stringify(first)}
os.makedirs(m + "/rn/full"); open(m + "/rn/full/x", "w").close(); os.makedirs(m + "/rn/empty"); os.makedirs(m + "/rn/src")
open(m + "/rn/a", "w").write("A"); open(m + "/rn/b", "w").write("B")
out = []
os.rename(m + "/rn/a", m + "/rn/b"); out.append(open(m + "/rn/b").read())
os.rename(m + "/rn/src", m + "/rn/empty"); out.append(os.path.isdir(m + "/rn/empty") and not os.path.exists(m + "/rn/src"))
for src, dst in (("/rn/empty", "/rn/full"), ("/rn/b", "/rn/full"), ("/rn/full", "/rn/b")):
    try: os.rename(m + src, m + dst); out.append("renamed")
    except OSError as e: out.append(errno.errorcode[e.errno])
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
open(m + "/rn/c", "w").write("C")
r = libc.renameat2(AT_FDCWD, (m + "/rn/c").encode(), AT_FDCWD, (m + "/rn/b").encode(), 1)
out.append(errno.errorcode[ctypes.get_errno()] if r else "renamed")
r = libc.renameat2(AT_FDCWD, (m + "/rn/c").encode(), AT_FDCWD, (m + "/rn/b").encode(), 2)
out.append(errno.errorcode[ctypes.get_errno()] if r else "exchanged")
print(out)
`);
    expect(answer.trim()).toBe("['A', True, 'ENOTEMPTY', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EINVAL']");
  }, 60_000);

  it("answers bad input with the errno a POSIX program expects, and keeps serving", async () => {
    const answer = await python(`
import errno, os
m = ${JSON.stringify(first)}
out = []
def attempt(f):
    try: f(); out.append("ok")
    except OSError as e: out.append(errno.errorcode[e.errno])
attempt(lambda: open(m + "/" + "n" * 256, "w"))
os.makedirs(m + "/bad/full"); open(m + "/bad/full/x", "w").close()
attempt(lambda: os.rmdir(m + "/bad/full"))
fd = os.open(m + "/bad/huge", os.O_CREAT | os.O_WRONLY)
attempt(lambda: os.pwrite(fd, b"x", 64 * 2**40))
os.close(fd)
attempt(lambda: os.mkfifo(m + "/bad/fifo"))
attempt(lambda: os.link(m + "/bad/huge", m + "/bad/hard"))
attempt(lambda: os.setxattr(m + "/bad/huge", "trusted.x", b"1"))
os.setxattr(m + "/bad/huge", "user.k", b"v")
out.append(os.getxattr(m + "/bad/huge", "user.k").decode())
out.append(sorted(os.listdir(m + "/bad")))
print(out)
`);
    expect(answer.trim()).toBe("['ENAMETOOLONG', 'ENOTEMPTY', 'EFBIG', 'EPERM', 'EPERM', 'ENOTSUP', 'v', ['full', 'huge']]");
    expect((await client.fs.stat("/bad/huge")).attributes).toEqual({ k: "v" });
  }, 60_000);

  it("reports the cluster's capacity to df", async () => {
    const report = await client.admin.report();
    const [size] = (await ok(["df", "-B1", "--output=size", first])).trim().split("\n").slice(1);
    expect(Math.abs(Number(size) - report.capacityBytes)).toBeLessThan(4096);
  }, 30_000);
});
