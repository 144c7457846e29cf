// The layout of a peer's data dir, and the little state a peer keeps across restarts:
//   peer.key    libp2p identity (so a restarted peer keeps its id), mode 0600
//   swarm.key   the cluster's pre-shared key, mode 0600
//   peer.json   remembered settings: listen addresses, rack, incarnation, known peers
//   LOCK        the pid of the peer using the dir (two peers must never share one)
//   raft/       the Raft log and snapshots of the master's state
//   master/     the master's state machine (the namespace, in SQLite)
//   chunks/     the chunk server's chunks
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { decodeSwarmKey, encodeSwarmKey, generateSwarmKey } from "../net/swarm-key.ts";

export const PEER_KEY_FILE = "peer.key";
export const SWARM_KEY_FILE = "swarm.key";
export const PEER_STATE_FILE = "peer.json";
export const LOCK_FILE = "LOCK";
export const RAFT_DIR = "raft";
export const MASTER_DIR = "master";
export const MASTER_DB_FILE = "namespace.db";
export const CHUNKS_DIR = "chunks";
/** Which chunks of `chunks/` are cache copies (evictable), and their pins: JSON (src/cache/tiered-store.ts). */
export const CACHE_COPIES_FILE = "cache-copies.json";
/** Map outputs, job bundles and reduce scratch of the compute worker. */
export const COMPUTE_DIR = "compute";
// Remembered addresses of other peers, so a restarted peer finds the cluster without --join.
export const KNOWN_PEER_ADDRESSES_MAX = 64;

export class DataDirError extends Error {
  override name = "DataDirError";
}

export interface PeerState {
  listen?: string[];
  rack?: string;
  incarnation?: number;
  knownPeers?: string[];
}

/** Writes a file so that a crash leaves either the old or the new content: temp, fsync, rename. */
export function writeFileDurably(path: string, data: string | Uint8Array, mode = 0o644): void {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, "w", mode);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

export class DataDir {
  private locked = false;

  constructor(readonly path: string) {}

  file(name: string): string {
    return join(this.path, name);
  }

  /** Creates the dir if needed and takes its lock; fails if a live peer holds it. */
  open(): void {
    try {
      mkdirSync(this.path, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new DataDirError(`cannot create the data dir ${this.path}: ${(err as Error).message}`);
    }
    const lockPath = this.file(LOCK_FILE);
    if (existsSync(lockPath)) {
      const holder = Number(readFileSync(lockPath, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
        throw new DataDirError(`the data dir ${this.path} is in use by another peer (pid ${holder})`);
      }
    }
    writeFileDurably(lockPath, `${process.pid}\n`);
    this.locked = true;
  }

  close(): void {
    if (!this.locked) return;
    this.locked = false;
    try {
      unlinkSync(this.file(LOCK_FILE));
    } catch {
      // Already gone: nothing to release.
    }
  }

  async loadOrCreateIdentity(): Promise<PrivateKey> {
    const path = this.file(PEER_KEY_FILE);
    if (existsSync(path)) {
      try {
        return privateKeyFromProtobuf(new Uint8Array(readFileSync(path)));
      } catch (err) {
        throw new DataDirError(`the identity file ${path} is damaged: ${(err as Error).message}`);
      }
    }
    const key = await generateKeyPair("Ed25519");
    writeFileDurably(path, privateKeyToProtobuf(key), 0o600);
    return key;
  }

  readSwarmKey(): Uint8Array | undefined {
    const path = this.file(SWARM_KEY_FILE);
    if (!existsSync(path)) return undefined;
    return decodeSwarmKey(readFileSync(path, "utf8"));
  }

  writeSwarmKey(key: Uint8Array): void {
    writeFileDurably(this.file(SWARM_KEY_FILE), encodeSwarmKey(key), 0o600);
  }

  /** The swarm key to use: the one given, else the stored one, else a new one if allowed. */
  resolveSwarmKey(given: Uint8Array | undefined, mayCreate: boolean): { key: Uint8Array; created: boolean } {
    const stored = this.readSwarmKey();
    if (given) {
      if (!stored || !sameBytes(stored, given)) this.writeSwarmKey(given);
      return { key: given, created: false };
    }
    if (stored) return { key: stored, created: false };
    if (!mayCreate) {
      throw new DataDirError("joining a cluster needs its swarm key: pass --swarm-key FILE (the swarm.key of a peer of that cluster)");
    }
    const key = generateSwarmKey();
    this.writeSwarmKey(key);
    return { key, created: true };
  }

  readState(): PeerState {
    const path = this.file(PEER_STATE_FILE);
    if (!existsSync(path)) return {};
    try {
      return JSON.parse(readFileSync(path, "utf8")) as PeerState;
    } catch (err) {
      throw new DataDirError(`the peer state file ${path} is damaged: ${(err as Error).message}`);
    }
  }

  writeState(state: PeerState): void {
    writeFileDurably(this.file(PEER_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
