// Real libp2p hosts in one process, each with a chunk store and a DataService, that know each
// other's addresses (as membership gossip would tell them): the setting of the data protocol
// tests.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { createHost, type TesseraHost } from "../../src/net/host.ts";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { DataService } from "../../src/chunk/transfer/data-service.ts";
import { DiskChunkStore } from "../../src/chunk/store/disk-store.ts";
import { MemoryChunkStore, MemoryChunkVolume } from "../../src/chunk/store/memory-store.ts";
import type { ChunkStore } from "../../src/chunk/store/store.ts";
import { createLogger } from "../../src/util/log.ts";
import { LOOPBACK } from "../support/peers.ts";
import { tempDir } from "../support/temp.ts";

export type StoreKind = "memory" | "disk" | "none";

export interface DataNode {
  id: string;
  host: TesseraHost;
  /** Undefined for a client-only node. */
  store?: ChunkStore;
  volume?: MemoryChunkVolume;
  /** The disk store's root, for damaging files. */
  root?: string;
  service?: DataService;
}

export class DataCluster {
  readonly nodes: DataNode[] = [];
  readonly swarmKey = generateSwarmKey();
  private readonly dirs: Array<{ remove(): void }> = [];

  async add(kind: StoreKind, storeOverride?: (store: ChunkStore) => ChunkStore): Promise<DataNode> {
    const host = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: this.swarmKey, listenAddrs: [LOOPBACK] });
    const node: DataNode = { id: host.peerId.toString(), host };
    if (kind === "memory") {
      node.volume = new MemoryChunkVolume();
      node.store = new MemoryChunkStore(node.volume);
    } else if (kind === "disk") {
      const dir = tempDir("data");
      this.dirs.push(dir);
      node.root = `${dir.path}/chunks`;
      node.store = await DiskChunkStore.open(node.root);
    }
    if (node.store) {
      node.service = new DataService({ host, store: storeOverride ? storeOverride(node.store) : node.store, log: createLogger(`node${this.nodes.length}`) });
      await node.service.start();
    }
    for (const other of this.nodes) {
      await other.host.peerStore.merge(host.peerId, { multiaddrs: host.getMultiaddrs() });
      await host.peerStore.merge(other.host.peerId, { multiaddrs: other.host.getMultiaddrs() });
    }
    this.nodes.push(node);
    return node;
  }

  async addAll(kinds: StoreKind[]): Promise<DataNode[]> {
    const added: DataNode[] = [];
    for (const kind of kinds) added.push(await this.add(kind));
    return added;
  }

  /** A crash as far as the others can tell: every connection reset at once, then the host stops. */
  async crash(node: DataNode): Promise<void> {
    for (const connection of node.host.getConnections()) connection.abort(new Error("simulated crash"));
    await node.host.stop();
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) await node.service?.stop().catch(() => {});
    await Promise.allSettled(this.nodes.map((node) => node.host.stop()));
    for (const node of this.nodes) await node.store?.close().catch(() => {});
    for (const dir of this.dirs) dir.remove();
  }
}

/** Deterministic, non-repeating bytes (so misplaced blocks show), fast to make. */
export function patternBytes(sizeBytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(sizeBytes);
  const words = new Uint32Array(out.buffer, 0, Math.floor(sizeBytes / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < sizeBytes; i++) out[i] = i & 0xff;
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export async function collect(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const piece of pieces) parts.push(piece);
  return Buffer.concat(parts);
}
