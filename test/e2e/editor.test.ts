// Issue 17's engine under the mount, against real processes of the compiled binary: random
// writes by copy-on-write chunk versions (client/file-editor.ts), committed in one Raft entry
// by flush(), and symbolic links stored through Raft.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, PeerProcesses, type StartedPeer } from "../support/processes.ts";
import { waitFor } from "../support/wait.ts";
import { tempDir } from "../support/temp.ts";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";
import { codeOf } from "../../src/protocol/errors.ts";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
const KiB = 1024;
const MiB = 1024 * KiB;

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let peers: StartedPeer[] = [];
let swarmKey: Uint8Array;
let client: ClusterClient;
const dir = (i: number) => join(root.path, `peer-${i}`);
const peerArgs = (i: number) => ["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0"];

beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("editor-e2e");
  const seed = await processes.start(peerArgs(0));
  const keyFile = join(dir(0), "swarm.key");
  peers = [seed];
  for (let i = 1; i < 3; i++) peers.push(await processes.start([...peerArgs(i), "--join", seed.addresses[0]!, "--swarm-key", keyFile]));
  swarmKey = decodeSwarmKey(readFileSync(keyFile, "utf8"));
  client = await connect({ join: peers.map((peer) => peer.addresses[0]!), swarmKey });
  await waitFor("3 voters and 3 live chunk servers", async () => (await client.status()).voters.length === 3 && (await client.peers()).filter((peer) => peer.state === "alive").length === 3, { timeoutMs: 20_000, intervalMs: 200 });
  await client.fs.mkdir("/edit");
}, 60_000);
afterAll(async () => {
  await client?.close();
  await processes.stopAll();
  root.remove();
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("the file editor, real processes", () => {
  it("random writes and truncates into a file of many small chunks read back byte for byte; a reader opened before the flush keeps the old version", async () => {
    const chunkSizeBytes = 256 * KiB;
    const original = new Uint8Array(randomBytes(5 * chunkSizeBytes + 1234));
    await client.fs.put(original, "/edit/f.bin", { chunkSizeBytes, replication: 2 });
    const before = await client.fs.stat("/edit/f.bin");
    const model = Array.from(original);
    const oldReader = await client.fs.openRangeReader("/edit/f.bin");
    const editor = await client.fs.openEditor("/edit/f.bin");
    expect(editor.sizeBytes).toBe(original.length);
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 25; i++) {
      const offset = next(7 * chunkSizeBytes);
      const data = new Uint8Array(randomBytes(1 + next(100 * KiB)));
      await editor.write(offset, data);
      while (model.length < offset) model.push(0);
      for (let j = 0; j < data.length; j++) model[offset + j] = data[j]!;
      if (i === 12) {
        await editor.truncate(3 * chunkSizeBytes + 17);
        model.length = 3 * chunkSizeBytes + 17;
      }
    }
    expect(editor.dirty).toBe(true);
    // The editor reads its own writes; nobody else sees them before the flush.
    expect(Array.from(await editor.read(100, 4 * chunkSizeBytes))).toEqual(model.slice(100, 100 + 4 * chunkSizeBytes));
    expect(sha256(await client.fs.readFile("/edit/f.bin"))).toBe(sha256(original));
    await editor.flush();
    expect(editor.dirty).toBe(false);
    const after = await client.fs.readFile("/edit/f.bin");
    expect(after.length).toBe(model.length);
    expect(sha256(after)).toBe(sha256(new Uint8Array(model)));
    // The reader that opened before reads the old version whole (its chunks wait out the GC's grace).
    expect(sha256(await oldReader.read(0, original.length))).toBe(sha256(original));
    // A second round on the new base, then close (a flush).
    await editor.write(5, new Uint8Array([1, 2, 3]));
    model.splice(5, 3, 1, 2, 3);
    await editor.close();
    expect(sha256(await client.fs.readFile("/edit/f.bin"))).toBe(sha256(new Uint8Array(model)));
    const stat = await client.fs.stat("/edit/f.bin");
    expect(stat.fileId).toBe(before.fileId);
    expect(stat.state).toBe("closed");
    // No staging file is left: the namespace's files are the user's.
    expect((await client.fs.list("/", { recursive: true })).filter((entry) => entry.kind === "file").map((entry) => entry.path)).toEqual(["/edit/f.bin"]);
  }, 60_000);

  it("a new file written sequentially through an editor, with create, exclusive and truncate", async () => {
    const chunkSizeBytes = 256 * KiB;
    const editor = await client.fs.openEditor("/edit/new.bin", { create: true, exclusive: true, chunkSizeBytes, replication: 2, permission: 0o600 });
    const data = new Uint8Array(randomBytes(3 * chunkSizeBytes + 99));
    for (let at = 0; at < data.length; at += 128 * KiB) await editor.write(at, data.subarray(at, at + 128 * KiB));
    await editor.close();
    const stat = await client.fs.stat("/edit/new.bin");
    expect(stat).toMatchObject({ size: data.length, permission: 0o600, chunkSize: chunkSizeBytes });
    expect(sha256(await client.fs.readFile("/edit/new.bin"))).toBe(sha256(data));
    await expect(client.fs.openEditor("/edit/new.bin", { create: true, exclusive: true })).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
    const cut = await client.fs.openEditor("/edit/new.bin", { truncate: true });
    expect(cut.sizeBytes).toBe(0);
    await cut.close();
    expect((await client.fs.stat("/edit/new.bin")).size).toBe(0);
    await expect(client.fs.openEditor("/edit")).rejects.toMatchObject({ code: "NOT_A_FILE" });
    // `missing` (create first, stat only when it exists) ends as without it: an existing file
    // opens as it is, an exclusive open of it fails, a folder is no file, a new one is made.
    await client.fs.put(new Uint8Array([7, 8, 9]), "/edit/there.bin");
    const there = await client.fs.openEditor("/edit/there.bin", { create: true, missing: true });
    expect(there.sizeBytes).toBe(3);
    await there.close();
    expect([...(await client.fs.readFile("/edit/there.bin"))]).toEqual([7, 8, 9]);
    await expect(client.fs.openEditor("/edit/there.bin", { create: true, missing: true, exclusive: true })).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
    await expect(client.fs.openEditor("/edit", { create: true, missing: true })).rejects.toMatchObject({ code: "NOT_A_FILE" });
    const made = await client.fs.openEditor("/edit/made.bin", { create: true, missing: true, exclusive: true, permission: 0o640 });
    await made.write(0, new Uint8Array([1]));
    await made.close();
    expect(await client.fs.stat("/edit/made.bin")).toMatchObject({ size: 1, permission: 0o640 });
  }, 60_000);

  it("a file changed by another editor since this one's base is refused with FILE_CHANGED, and nothing of it is committed", async () => {
    await client.fs.put(new Uint8Array(300 * KiB).fill(1), "/edit/race.bin", { chunkSizeBytes: 256 * KiB, replication: 2 });
    const first = await client.fs.openEditor("/edit/race.bin");
    const second = await client.fs.openEditor("/edit/race.bin");
    await first.write(10, new Uint8Array([2]));
    await second.write(20, new Uint8Array([3]));
    await first.close();
    const err = await second.flush().then(() => undefined, (e: unknown) => e);
    expect(codeOf(err)).toBe("FILE_CHANGED");
    await second.abort();
    const bytes = await client.fs.readFile("/edit/race.bin");
    expect([bytes[10], bytes[20]]).toEqual([2, 1]);
  }, 60_000);

  it("dd-like: overwriting the middle of a 200 MiB file of 64 MiB chunks rewrites only the touched chunk", async () => {
    const size = 200 * MiB;
    const original = new Uint8Array(randomBytes(size));
    const putStartedMs = performance.now();
    await client.fs.put(original, "/edit/big.bin", { replication: 1 });
    const putMs = performance.now() - putStartedMs;
    const before = await client.fs.stat("/edit/big.bin");
    expect(before.chunks.map((chunk) => chunk.size)).toEqual([64 * MiB, 64 * MiB, 64 * MiB, 8 * MiB]);
    const patch = new Uint8Array(randomBytes(MiB));
    const offset = 100 * MiB;
    const startedMs = performance.now();
    const editor = await client.fs.openEditor("/edit/big.bin");
    for (let at = 0; at < patch.length; at += 128 * KiB) await editor.write(offset + at, patch.subarray(at, at + 128 * KiB));
    const writtenMs = performance.now() - startedMs;
    await editor.close();
    const tookMs = performance.now() - startedMs;
    const after = await client.fs.stat("/edit/big.bin");
    expect(after.chunks.map((chunk) => chunk.id === before.chunks[chunk.index]!.id)).toEqual([true, false, true, true]);
    expect(after.size).toBe(size);
    original.set(patch, offset);
    // The other chunks kept their ids, so their bytes (chunks are immutable); the new version whole:
    const reader = await client.fs.openRangeReader("/edit/big.bin");
    expect(sha256(await reader.read(64 * MiB, 64 * MiB))).toBe(sha256(original.subarray(64 * MiB, 128 * MiB)));
    expect(Array.from(await reader.read(64 * MiB - 8, 16))).toEqual(Array.from(original.subarray(64 * MiB - 8, 64 * MiB + 8)));
    console.log(`editor: 1 MiB into the middle of a 200 MiB file (one 64 MiB chunk copied on write) took ${Math.round(tookMs)} ms (${Math.round(writtenMs)} ms to open and write, the rest to flush); the 200 MiB put took ${Math.round(putMs)} ms`);
  }, 90_000);

  it("a symbolic link round-trips and survives a restart of the leader", async () => {
    const link = await client.fs.symlink("../edit/f.bin", "/links/a/l", { parents: true });
    expect(link).toMatchObject({ path: "/links/a/l", kind: "symlink", symlinkTarget: "../edit/f.bin", size: 13 });
    expect(await client.fs.readlink("/links/a/l")).toBe("../edit/f.bin");
    expect((await client.fs.list("/links/a")).map((entry) => [entry.kind, entry.symlinkTarget])).toEqual([["symlink", "../edit/f.bin"]]);
    await expect(client.fs.readFile("/links/a/l")).rejects.toMatchObject({ code: "NOT_A_FILE" });
    await expect(client.fs.readlink("/edit/f.bin")).rejects.toMatchObject({ code: "INVALID" });
    await expect(client.fs.symlink("x", "/links/a/l")).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
    // The leader goes down and comes back: the link is in the log and the namespace of every master.
    const leaderId = (await client.status()).leader;
    const index = peers.findIndex((peer) => peer.id === leaderId);
    expect(index).toBeGreaterThanOrEqual(0);
    processes.kill9(peers[index]!);
    await waitFor("a new leader", async () => {
      const status = await client.status().catch(() => undefined);
      return status !== undefined && status.leader !== "" && status.leader !== leaderId;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(await client.fs.readlink("/links/a/l")).toBe("../edit/f.bin");
    peers[index] = await processes.start([...peerArgs(index), "--join", peers[(index + 1) % 3]!.addresses[0]!, "--swarm-key", join(dir(0), "swarm.key")]);
    await client.fs.mv("/links/a/l", "/links/b", { parents: true });
    expect(await client.fs.readlink("/links/b")).toBe("../edit/f.bin");
    await client.fs.rm("/links/b");
    await expect(client.fs.readlink("/links/b")).rejects.toMatchObject({ code: "NOT_FOUND" });
  }, 60_000);
});
