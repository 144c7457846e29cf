// A snapshot kept as a file travels on /tessera/raft/snapshot/1 (src/raft/snapshot-transfer.ts)
// between two real libp2p hosts: in pieces, with the memory of either side bounded by a few
// pieces whatever the file's size, and verified before the core hears of it. A torn piece, a
// forged one, a piece out of order or a message that lies about its sender is refused with
// the reason in the verdict, and nothing is delivered or left on disk.
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";
import { Uint8ArrayList } from "uint8arraylist";
import { createClientHost, type TesseraHost } from "../../src/net/host.ts";
import { encodeFrame, FrameReader } from "../../src/net/frames.ts";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { RAFT_SNAPSHOT_PROTOCOL } from "../../src/protocol/ids.ts";
import { SnapshotPiece, SnapshotVerdict } from "../../src/protocol/pb/raft-snapshot.ts";
import { encodeRaftMessage } from "../../src/raft/codec.ts";
import { encodeSnapshotDescriptor, hashFile, incomingSnapshotPath, sha256Of, type SnapshotFile } from "../../src/raft/snapshot-file.ts";
import { SNAPSHOT_PIECE_BYTES, SnapshotTransfers } from "../../src/raft/snapshot-transfer.ts";
import type { SnapshotMessage, SnapshotMeta } from "../../src/raft/types.ts";
import { createLogger, setLogLevel } from "../../src/util/log.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";

const MiB = 1024 * 1024;
const META: SnapshotMeta = { index: 500, term: 3, confState: { voters: ["a", "b"], learners: [] } };

setLogLevel((process.env.TEST_LOG as "debug") ?? "error");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Side {
  host: TesseraHost;
  id: string;
  dir: string;
  transfers: SnapshotTransfers;
  delivered: SnapshotMessage[];
  file?: SnapshotFile;
}

async function side(swarmKey: Uint8Array, listen: boolean): Promise<Side> {
  const host = await createClientHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey, listenAddrs: listen ? ["/ip4/127.0.0.1/tcp/0"] : [] });
  const dir = tempDir("snap-transfer");
  const delivered: SnapshotMessage[] = [];
  const self: Side = { host, id: host.peerId.toString(), dir: dir.path, delivered, transfers: undefined as unknown as SnapshotTransfers };
  self.transfers = new SnapshotTransfers({
    host,
    log: createLogger("test"),
    files: { snapshotFile: () => self.file, incomingSnapshotPath: (meta, id) => incomingSnapshotPath(dir.path, meta, id) },
    deliver: (message) => delivered.push(message),
  });
  await self.transfers.start();
  cleanups.push(async () => {
    await self.transfers.stop();
    await host.stop();
    dir.remove();
  });
  return self;
}

async function pair(): Promise<{ leader: Side; follower: Side }> {
  const swarmKey = generateSwarmKey();
  const follower = await side(swarmKey, true);
  const leader = await side(swarmKey, false);
  await leader.host.dial(multiaddr(follower.host.getMultiaddrs()[0]!.toString()));
  return { leader, follower };
}

/** A snapshot data file of `sizeBytes` distinct-looking bytes in the leader's dir. */
async function snapshotOf(leader: Side, sizeBytes: number): Promise<SnapshotFile> {
  const path = join(leader.dir, "snap.data");
  const data = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 4096) data[i] = (i / 4096) % 251;
  writeFileSync(path, data);
  const id = await hashFile(path);
  leader.file = { meta: META, path, ...id };
  return leader.file;
}

function messageOf(from: Side, to: Side, file: Pick<SnapshotFile, "sizeBytes" | "sha256">): SnapshotMessage {
  return { type: "snapshot", from: from.id, to: to.id, term: 3, meta: META, offset: 0, data: encodeSnapshotDescriptor(file), done: true };
}

/** Sends hand-made frames on a snapshot stream and returns the follower's verdict. */
async function sendRaw(from: Side, to: Side, frames: Array<Uint8Array | Uint8ArrayList>): Promise<SnapshotVerdict> {
  const stream = await from.host.dialProtocol(to.host.peerId, RAFT_SNAPSHOT_PROTOCOL);
  const reader = new FrameReader(stream);
  try {
    for (const frame of frames) stream.send(frame);
    return await reader.readFrame(SnapshotVerdict, 4096, 10_000);
  } finally {
    reader.dispose();
    stream.abort(new Error("test done"));
  }
}

const pieceFrames = (offsetBytes: number, bytes: Uint8Array, crc32 = Bun.hash.crc32(bytes) >>> 0) => new Uint8ArrayList(encodeFrame(SnapshotPiece, { offsetBytes, sizeBytes: bytes.length, crc32 }), bytes);
const leftoverFiles = (dir: string) => readdirSync(dir);

describe("snapshot transfer: a file in pieces, checked before it is installed", () => {
  it("a 96 MiB snapshot arrives whole in 1 MiB pieces, with a few pieces in memory on either side", async () => {
    const { leader, follower } = await pair();
    const file = await snapshotOf(leader, 96 * MiB);
    const message = messageOf(leader, follower, file);
    leader.transfers.send(message);
    // The core sends the message again while it waits: absorbed by the transfer under way.
    leader.transfers.send(message);
    await waitFor("the follower to receive the snapshot", () => follower.delivered.length === 1, { timeoutMs: 60_000 });
    await waitFor("the leader to count it sent", () => leader.transfers.stats.sent === 1, { timeoutMs: 10_000 });
    expect(follower.delivered[0]).toEqual(message);
    const received = incomingSnapshotPath(follower.dir, META, file);
    expect(await hashFile(received)).toEqual({ sizeBytes: file.sizeBytes, sha256: file.sha256 });
    expect(leader.transfers.stats.piecesSent).toBe(96);
    expect(follower.transfers.stats.piecesReceived).toBe(96);
    // Bounded: the reader holds at most its high-water mark plus what the muxer's window let in.
    expect(follower.transfers.stats.peakReceiveBufferedBytes).toBeLessThanOrEqual(32 * MiB);
    expect(leader.transfers.stats.peakSendQueuedBytes).toBeLessThanOrEqual(32 * MiB);
    expect(leftoverFiles(follower.dir)).toEqual([received.split("/").at(-1)]);
  }, 90_000);

  it("a torn piece (its CRC-32 does not match) is refused at once: nothing delivered, nothing left", async () => {
    const { leader, follower } = await pair();
    const data = new Uint8Array(3 * SNAPSHOT_PIECE_BYTES).fill(9);
    const id = { sizeBytes: data.length, sha256: sha256Of(data) };
    const torn = data.slice(SNAPSHOT_PIECE_BYTES, 2 * SNAPSHOT_PIECE_BYTES);
    const crcOfWhole = Bun.hash.crc32(torn) >>> 0;
    torn[1234] = 0; // lost on the way
    const verdict = await sendRaw(leader, follower, [
      encodeFrame({ encode: encodeRaftMessage }, messageOf(leader, follower, id)),
      pieceFrames(0, data.subarray(0, SNAPSHOT_PIECE_BYTES)),
      pieceFrames(SNAPSHOT_PIECE_BYTES, torn, crcOfWhole),
    ]);
    expect(verdict.ok).toBe(false);
    expect(verdict.error).toContain(`the piece at byte ${SNAPSHOT_PIECE_BYTES} fails its CRC-32`);
    await waitFor("the refusal to be counted", () => follower.transfers.stats.receiveRefused === 1, { timeoutMs: 5_000 });
    expect(follower.delivered).toEqual([]);
    await waitFor("the partial file to be removed", () => leftoverFiles(follower.dir).length === 0, { timeoutMs: 5_000 });
  });

  it("a forged piece (its CRC-32 matches its altered bytes) is caught by the SHA-256 of the whole: nothing installed", async () => {
    const { leader, follower } = await pair();
    const data = new Uint8Array(2 * SNAPSHOT_PIECE_BYTES + 100).fill(4);
    const id = { sizeBytes: data.length, sha256: sha256Of(data) };
    const forged = data.slice(SNAPSHOT_PIECE_BYTES, 2 * SNAPSHOT_PIECE_BYTES);
    forged[0] = 77;
    const verdict = await sendRaw(leader, follower, [
      encodeFrame({ encode: encodeRaftMessage }, messageOf(leader, follower, id)),
      pieceFrames(0, data.subarray(0, SNAPSHOT_PIECE_BYTES)),
      pieceFrames(SNAPSHOT_PIECE_BYTES, forged),
      pieceFrames(2 * SNAPSHOT_PIECE_BYTES, data.subarray(2 * SNAPSHOT_PIECE_BYTES)),
    ]);
    expect(verdict.ok).toBe(false);
    expect(verdict.error).toMatch(/SHA-256 is [0-9a-f]{64}, not the [0-9a-f]{64} its leader announced/);
    expect(follower.delivered).toEqual([]);
    await waitFor("the partial file to be removed", () => leftoverFiles(follower.dir).length === 0, { timeoutMs: 5_000 });
  });

  it("pieces out of order, past the end or over the piece bound, and messages that lie, are refused with the reason", async () => {
    const { leader, follower } = await pair();
    const data = new Uint8Array(SNAPSHOT_PIECE_BYTES + 10).fill(1);
    const id = { sizeBytes: data.length, sha256: sha256Of(data) };
    const header = encodeFrame({ encode: encodeRaftMessage }, messageOf(leader, follower, id));
    const cases: Array<[string, Array<Uint8Array | Uint8ArrayList>, RegExp]> = [
      ["a piece out of order", [header, pieceFrames(SNAPSHOT_PIECE_BYTES, data.subarray(SNAPSHOT_PIECE_BYTES))], /a piece at byte 1048576 where byte 0 was due/],
      ["a piece past the end", [header, pieceFrames(0, new Uint8Array(SNAPSHOT_PIECE_BYTES)), pieceFrames(SNAPSHOT_PIECE_BYTES, new Uint8Array(11))], /a piece of 11 bytes at byte 1048576/],
      ["a piece over the bound", [header, encodeFrame(SnapshotPiece, { offsetBytes: 0, sizeBytes: SNAPSHOT_PIECE_BYTES + 1, crc32: 0 })], /a piece of 1048577 bytes/],
      ["a message claiming another sender", [encodeFrame({ encode: encodeRaftMessage }, { ...messageOf(leader, follower, id), from: follower.id })], /claims to be from/],
      ["a message for another peer", [encodeFrame({ encode: encodeRaftMessage }, { ...messageOf(leader, follower, id), to: leader.id })], /came to this peer/],
      ["a snapshot without a descriptor", [encodeFrame({ encode: encodeRaftMessage }, { ...messageOf(leader, follower, id), data: new Uint8Array([1, 2, 3]) })], /no file descriptor/],
      ["another kind of message", [encodeFrame({ encode: encodeRaftMessage }, { type: "heartbeat", from: leader.id, to: follower.id, term: 3, commit: 0, ctx: "" })], /first message of a snapshot transfer is a heartbeat/],
    ];
    for (const [what, frames, reason] of cases) {
      const verdict = await sendRaw(leader, follower, frames);
      expect(verdict.ok, what).toBe(false);
      expect(verdict.error, what).toMatch(reason);
    }
    expect(follower.delivered).toEqual([]);
    await waitFor("no partial file to remain", () => leftoverFiles(follower.dir).length === 0, { timeoutMs: 5_000 });
  });

  it("a refused transfer is not sent again before its backoff, and the reason reaches the leader", async () => {
    const { leader, follower } = await pair();
    const file = await snapshotOf(leader, 3 * SNAPSHOT_PIECE_BYTES);
    // The leader's disk gave back other bytes than it hashed: the follower refuses the whole.
    writeFileSync(file.path, new Uint8Array(file.sizeBytes).fill(0xee));
    const message = messageOf(leader, follower, file);
    leader.transfers.send(message);
    await waitFor("the transfer to fail", () => leader.transfers.stats.sendFailed === 1, { timeoutMs: 10_000 });
    expect(follower.transfers.stats.receiveRefused).toBe(1);
    const piecesBefore = leader.transfers.stats.piecesSent;
    // send() decides at once: within the backoff both are deferred and nothing starts.
    leader.transfers.send(message);
    leader.transfers.send(message);
    expect(leader.transfers.stats.deferredByBackoff).toBe(2);
    expect(leader.transfers.stats.piecesSent).toBe(piecesBefore);
    expect(leader.transfers.stats.sendFailed).toBe(1);
    expect(follower.delivered).toEqual([]);
    expect(existsSync(incomingSnapshotPath(follower.dir, META, file))).toBe(false);
  });
});
