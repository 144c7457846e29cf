// Raft snapshots on disk, kept as files and never read whole (issue 12: a namespace of a
// million files is a snapshot of hundreds of MB, and a peer that held it in memory, or read it
// to start, paid for it in resident memory and restart time).
//
// Version 2, under the raft dir, two files per snapshot:
//   snap-<index>-<term>.snap   the metadata, small: magic "TSNP", version 2, index, term, the
//                              membership at index, the data's size and SHA-256, then the
//                              CRC-32 of everything before it.
//   snap-<index>-<term>.data   the state machine's image as it wrote it (the master's: a compact
//                              SQLite file). Raft never reads it to start: a state machine that
//                              keeps its own state on disk needs only the metadata; the bytes
//                              are read a piece at a time to send them (snapshot-transfer.ts),
//                              and a state machine restores from the file itself.
// The data file is made durable before the metadata that names it, so a metadata file always
// has its data (a crash in between leaves a data file without metadata, removed at open).
//
// Version 1 (one .snap file: header, membership, the image inside, a CRC over all) is read
// and converted once at open: the image is copied out a piece at a time into the .data file,
// the CRC checked on the way, and the .snap rewritten as version 2.
//
// In the Raft core a snapshot's `data` is then a descriptor, not the bytes: SnapshotDescriptor
// below, a few dozen bytes naming the data's size and SHA-256. The core treats it as opaque,
// as before; the driver and the transport know what it means.
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { assert } from "../util/assert.ts";
import type { ConfState, SnapshotMeta } from "./types.ts";

/**
 * The largest snapshot data accepted, from disk or from the wire: a bound against a forged or
 * damaged size, not a memory bound (the data is never held whole). A namespace takes about
 * 330 bytes per file in SQLite, so this is over 100 million files.
 */
export const SNAPSHOT_DATA_BYTES_MAX = 64 * 1024 * 1024 * 1024;
/** Bytes read or written at a time when data is copied, hashed or sent. */
export const SNAPSHOT_IO_PIECE_BYTES = 1024 * 1024;
const SNAPSHOT_MAGIC = 0x54534e50; // "TSNP"
const SNAPSHOT_VERSION_EMBEDDED = 1;
const SNAPSHOT_VERSION_FILES = 2;
const CONF_BYTES_MAX = 1024 * 1024;
/** Version 1 and 2 both start: magic, version, index, term, conf length. */
const HEADER_BYTES = 4 + 4 + 8 + 8 + 4;
const SHA256_BYTES = 32;
const DESCRIPTOR_MAGIC = 0x54534e44; // "TSND"
const DESCRIPTOR_VERSION = 1;
const DESCRIPTOR_BYTES = 4 + 1 + 8 + SHA256_BYTES;

export class CorruptSnapshotError extends Error {
  override name = "CorruptSnapshotError";
  readonly code = "RAFT_CORRUPT_SNAPSHOT";
}

/** What identifies a snapshot's data: its size and SHA-256 (the receiver of a transfer checks both). */
export interface SnapshotDataId {
  readonly sizeBytes: number;
  /** 32 bytes. */
  readonly sha256: Uint8Array;
}

/** A snapshot held on disk: its metadata and where its data is. */
export interface SnapshotFile extends SnapshotDataId {
  readonly meta: SnapshotMeta;
  /** The data file (absolute or relative to the process, as the raft dir was given). */
  readonly path: string;
}

// --- the descriptor: a snapshot's `data` inside the Raft core ------------------------------

/** The bytes the core carries for a snapshot kept as a file. */
export function encodeSnapshotDescriptor(id: SnapshotDataId): Uint8Array {
  assert(id.sha256.length === SHA256_BYTES, "a snapshot's SHA-256 is 32 bytes");
  const bytes = new Uint8Array(DESCRIPTOR_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, DESCRIPTOR_MAGIC);
  bytes[4] = DESCRIPTOR_VERSION;
  view.setBigUint64(5, BigInt(id.sizeBytes));
  bytes.set(id.sha256, 13);
  return bytes;
}

/**
 * The descriptor in a snapshot's data, or undefined when the data is not one (an image sent
 * in band by an older peer, or a test's bytes). Throws CorruptSnapshotError when it claims
 * to be a descriptor but does not hold together.
 */
export function decodeSnapshotDescriptor(data: Uint8Array): SnapshotDataId | undefined {
  if (data.length < 5) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(0) !== DESCRIPTOR_MAGIC) return undefined;
  if (data[4] !== DESCRIPTOR_VERSION || data.length !== DESCRIPTOR_BYTES) throw new CorruptSnapshotError(`a snapshot descriptor of version ${data[4]} and ${data.length} bytes is not one this peer reads`);
  const sizeBytes = Number(view.getBigUint64(5));
  if (sizeBytes > SNAPSHOT_DATA_BYTES_MAX) throw new CorruptSnapshotError(`a snapshot descriptor claims ${sizeBytes} bytes, over the bound of ${SNAPSHOT_DATA_BYTES_MAX}`);
  return { sizeBytes, sha256: data.slice(13, 13 + SHA256_BYTES) };
}

export function sha256Hex(sha256: Uint8Array): string {
  return Buffer.from(sha256).toString("hex");
}

// --- names ----------------------------------------------------------------------------------

function baseName(index: number, term: number): string {
  return `snap-${String(index).padStart(16, "0")}-${String(term).padStart(16, "0")}`;
}

export function snapshotMetaPath(dir: string, meta: Pick<SnapshotMeta, "index" | "term">): string {
  return join(dir, `${baseName(meta.index, meta.term)}.snap`);
}

export function snapshotDataPath(dir: string, meta: Pick<SnapshotMeta, "index" | "term">): string {
  return join(dir, `${baseName(meta.index, meta.term)}.data`);
}

/**
 * Where a snapshot received from a leader waits, verified, until the driver installs it. The
 * name carries the data's hash, so two leaders' snapshots of the same index cannot be mixed up.
 */
export function incomingSnapshotPath(dir: string, meta: Pick<SnapshotMeta, "index" | "term">, id: SnapshotDataId): string {
  return join(dir, `${baseName(meta.index, meta.term)}-${sha256Hex(id.sha256).slice(0, 16)}.incoming`);
}

const SNAP_NAME = /^snap-(\d{16})-(\d{16})\.snap$/;
const DATA_NAME = /^snap-(\d{16})-(\d{16})\.data$/;
const INCOMING_NAME = /^snap-(\d{16})-(\d{16})-[0-9a-f]{16}\.incoming$/;
/** A snapshot being received or written when the peer stopped (with SQLite's journal of the copy). */
const LEFTOVER_NAME = /\.part(-journal)?$/;

function listSnapshots(dir: string): Array<{ name: string; index: number; term: number }> {
  return readdirSync(dir)
    .map((name) => ({ name, match: SNAP_NAME.exec(name) }))
    .filter((item) => item.match)
    .map((item) => ({ name: item.name, index: Number(item.match![1]), term: Number(item.match![2]) }))
    .sort((a, b) => a.index - b.index || a.term - b.term);
}

// --- writing --------------------------------------------------------------------------------

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeWhole(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Writes `bytes` to `path` through a temp file, fsynced and renamed (the caller fsyncs the dir). */
function writeFileDurably(path: string, bytes: Uint8Array): void {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, "w");
  try {
    writeWhole(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

function encodeMeta(meta: SnapshotMeta, id: SnapshotDataId): Uint8Array {
  const conf = new TextEncoder().encode(JSON.stringify(meta.confState));
  assert(conf.length <= CONF_BYTES_MAX, "a snapshot's membership is over its bound");
  const file = new Uint8Array(HEADER_BYTES + conf.length + 8 + SHA256_BYTES + 4);
  const view = new DataView(file.buffer);
  view.setUint32(0, SNAPSHOT_MAGIC);
  view.setUint32(4, SNAPSHOT_VERSION_FILES);
  view.setBigUint64(8, BigInt(meta.index));
  view.setBigUint64(16, BigInt(meta.term));
  view.setUint32(24, conf.length);
  file.set(conf, HEADER_BYTES);
  view.setBigUint64(HEADER_BYTES + conf.length, BigInt(id.sizeBytes));
  file.set(id.sha256, HEADER_BYTES + conf.length + 8);
  view.setUint32(file.length - 4, crc32(file.subarray(0, file.length - 4)));
  return file;
}

/**
 * Records the snapshot whose data is already durable at snapshotDataPath(dir, meta): writes its
 * metadata file and fsyncs the dir. From here on it is the newest snapshot at open.
 */
export function commitSnapshot(dir: string, meta: SnapshotMeta, id: SnapshotDataId): SnapshotFile {
  const path = snapshotDataPath(dir, meta);
  const size = statSync(path).size;
  assert(size === id.sizeBytes, `the data of snapshot ${meta.index}/${meta.term} holds ${size} bytes, not ${id.sizeBytes}`);
  writeFileDurably(snapshotMetaPath(dir, meta), encodeMeta(meta, id));
  fsyncDir(dir);
  return { meta, path, sizeBytes: id.sizeBytes, sha256: id.sha256 };
}

/** Makes `source` (a file this takes over) the data of the snapshot at `meta`, durably. */
export function moveSnapshotData(dir: string, meta: SnapshotMeta, source: string): void {
  const fd = openSync(source, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(source, snapshotDataPath(dir, meta));
  fsyncDir(dir);
}

/** Writes a snapshot whose data is in memory (a bootstrap configuration, a test, an image an older peer sent in band). */
export function writeSnapshotBytes(dir: string, meta: SnapshotMeta, data: Uint8Array): SnapshotFile {
  writeFileDurably(snapshotDataPath(dir, meta), data);
  return commitSnapshot(dir, meta, { sizeBytes: data.length, sha256: sha256Of(data) });
}

/** Removes the snapshots before `index` (metadata first: a data file alone is never used), and incoming ones up to it. */
export function removeSnapshotsBefore(dir: string, index: number): void {
  for (const snapshot of listSnapshots(dir)) {
    if (snapshot.index >= index) continue;
    unlinkSync(join(dir, snapshot.name));
    rmSync(snapshotDataPath(dir, snapshot), { force: true });
  }
  for (const name of readdirSync(dir)) {
    const match = INCOMING_NAME.exec(name);
    if (match && Number(match[1]) <= index) rmSync(join(dir, name), { force: true });
  }
}

// --- reading --------------------------------------------------------------------------------

/** The first `bytes` bytes of a file (fewer if it is shorter). */
function readHead(path: string, bytes: number): Uint8Array {
  const head = new Uint8Array(bytes);
  const fd = openSync(path, "r");
  try {
    let got = 0;
    while (got < bytes) {
      const n = readSync(fd, head, got, bytes - got, got);
      if (n === 0) break;
      got += n;
    }
    return head.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

interface ParsedHeader {
  version: number;
  index: number;
  term: number;
  confState: ConfState;
  /** Where the bytes after the membership start. */
  afterConf: number;
}

function parseHeader(head: Uint8Array, path: string): ParsedHeader {
  const fail = (reason: string): never => {
    throw new CorruptSnapshotError(`the snapshot ${path} is damaged: ${reason}`);
  };
  if (head.length < HEADER_BYTES) fail("too short");
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getUint32(0) !== SNAPSHOT_MAGIC) fail("not a snapshot file");
  const version = view.getUint32(4);
  if (version !== SNAPSHOT_VERSION_EMBEDDED && version !== SNAPSHOT_VERSION_FILES) fail(`unknown version ${version}`);
  const confLength = view.getUint32(24);
  if (confLength > CONF_BYTES_MAX || HEADER_BYTES + confLength > head.length) fail("bad membership length");
  let confState: ConfState;
  try {
    confState = JSON.parse(new TextDecoder().decode(head.subarray(HEADER_BYTES, HEADER_BYTES + confLength))) as ConfState;
  } catch {
    return fail("the membership does not parse");
  }
  return { version, index: Number(view.getBigUint64(8)), term: Number(view.getBigUint64(16)), confState, afterConf: HEADER_BYTES + confLength };
}

/** Reads a version-2 metadata file whole (it is small), checks it and its data file's size. */
function readMetaV2(dir: string, path: string, bytes: Uint8Array): SnapshotFile {
  const fail = (reason: string): never => {
    throw new CorruptSnapshotError(`the snapshot ${path} is damaged: ${reason}`);
  };
  const header = parseHeader(bytes, path);
  if (bytes.length !== header.afterConf + 8 + SHA256_BYTES + 4) fail("bad length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(bytes.length - 4) !== crc32(bytes.subarray(0, bytes.length - 4))) fail("checksum mismatch");
  const sizeBytes = Number(view.getBigUint64(header.afterConf));
  if (sizeBytes > SNAPSHOT_DATA_BYTES_MAX) fail(`a data size of ${sizeBytes} bytes`);
  const meta: SnapshotMeta = { index: header.index, term: header.term, confState: header.confState };
  const data = snapshotDataPath(dir, meta);
  // Only the size: the bytes are not read here, whatever their number (the transfer's receiver
  // checks the SHA-256 of everything it is sent, and a state machine checks what it restores).
  if (!existsSync(data)) fail(`its data file ${data} is missing`);
  const actual = statSync(data).size;
  if (actual !== sizeBytes) fail(`its data file holds ${actual} bytes, not ${sizeBytes}`);
  return { meta, path: data, sizeBytes, sha256: bytes.slice(header.afterConf + 8, header.afterConf + 8 + SHA256_BYTES) };
}

/**
 * Converts a version-1 snapshot (the image inside the .snap) to version 2: the image is
 * copied out a piece at a time, the file's CRC checked on the way, the .data made durable,
 * then the .snap replaced by version 2's metadata. Memory: one piece.
 */
function convertV1(dir: string, path: string, header: ParsedHeader): SnapshotFile {
  const fail = (reason: string): never => {
    throw new CorruptSnapshotError(`the snapshot ${path} (version 1) is damaged: ${reason}`);
  };
  const total = statSync(path).size;
  const lengthAt = header.afterConf;
  const dataStart = lengthAt + 8;
  if (dataStart + 4 > total) fail("too short");
  const lengthBytes = readHead(path, dataStart).subarray(lengthAt, dataStart);
  const dataLength = Number(new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0));
  if (dataLength > SNAPSHOT_DATA_BYTES_MAX || dataStart + dataLength + 4 !== total) fail("bad data length");
  const meta: SnapshotMeta = { index: header.index, term: header.term, confState: header.confState };
  const dataPath = snapshotDataPath(dir, meta);
  const temp = `${dataPath}.tmp`;
  const hasher = new Bun.CryptoHasher("sha256");
  const piece = new Uint8Array(SNAPSHOT_IO_PIECE_BYTES);
  let crc = 0;
  const input = openSync(path, "r");
  const output = openSync(temp, "w");
  try {
    for (let at = 0; at < total - 4; ) {
      const n = readSync(input, piece, 0, Math.min(piece.length, total - 4 - at), at);
      if (n === 0) fail("ended early");
      const bytes = piece.subarray(0, n);
      crc = Bun.hash.crc32(bytes, crc);
      // The image is the part between the length and the trailing CRC.
      const from = Math.max(at, dataStart) - at;
      const to = Math.min(at + n, dataStart + dataLength) - at;
      if (to > from) {
        hasher.update(bytes.subarray(from, to));
        writeWhole(output, bytes.subarray(from, to));
      }
      at += n;
    }
    const stored = new Uint8Array(4);
    readSync(input, stored, 0, 4, total - 4);
    if (new DataView(stored.buffer).getUint32(0) !== crc >>> 0) fail("checksum mismatch");
    fsyncSync(output);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  } finally {
    closeSync(input);
    closeSync(output);
  }
  renameSync(temp, dataPath);
  fsyncDir(dir);
  // The .snap is replaced last: a crash before leaves version 1 in place, converted again at the next open.
  return commitSnapshot(dir, meta, { sizeBytes: dataLength, sha256: new Uint8Array(hasher.digest()) });
}

/**
 * The newest snapshot in `dir`, as metadata and a data path; its data is not read (a version-1
 * snapshot is converted first, which reads it once). Leftovers of interrupted writes (temp
 * files, received snapshots never installed, data files without metadata) are removed. A
 * damaged metadata file is disk corruption: the peer stops, as for the log.
 */
export function loadNewestSnapshot(dir: string): SnapshotFile | undefined {
  for (const name of readdirSync(dir)) if (name.endsWith(".tmp") || INCOMING_NAME.test(name) || LEFTOVER_NAME.test(name)) rmSync(join(dir, name), { force: true });
  const snapshots = listSnapshots(dir);
  const held = new Set(snapshots.map((s) => `${baseName(s.index, s.term)}.data`));
  for (const name of readdirSync(dir)) if (DATA_NAME.test(name) && !held.has(name)) rmSync(join(dir, name), { force: true });
  const newest = snapshots.at(-1);
  if (!newest) return undefined;
  const path = join(dir, newest.name);
  // A version-2 metadata file is small; a version-1 file holds the image, so only its head is read.
  const head = readHead(path, HEADER_BYTES + CONF_BYTES_MAX + 8 + SHA256_BYTES + 4);
  const header = parseHeader(head, path);
  if (header.version === SNAPSHOT_VERSION_FILES) return readMetaV2(dir, path, head);
  return convertV1(dir, path, header);
}

// --- hashing --------------------------------------------------------------------------------

const crc32 = (data: Uint8Array) => Bun.hash.crc32(data) >>> 0;

export function sha256Of(data: Uint8Array): Uint8Array {
  return new Uint8Array(new Bun.CryptoHasher("sha256").update(data).digest());
}

/**
 * The size and SHA-256 of a file, read a piece at a time with asynchronous reads: the event
 * loop keeps serving while a snapshot of hundreds of MB is hashed.
 */
export async function hashFile(path: string): Promise<SnapshotDataId> {
  const hasher = new Bun.CryptoHasher("sha256");
  const handle = await open(path, "r");
  try {
    const piece = new Uint8Array(SNAPSHOT_IO_PIECE_BYTES);
    let sizeBytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(piece, 0, piece.length, sizeBytes);
      if (bytesRead === 0) break;
      hasher.update(piece.subarray(0, bytesRead));
      sizeBytes += bytesRead;
    }
    return { sizeBytes, sha256: new Uint8Array(hasher.digest()) };
  } finally {
    await handle.close();
  }
}
