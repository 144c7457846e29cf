// In-process peers for tests of the layers above the network: each on loopback with its own
// temporary data dir.
import { startPeer, type Peer } from "../../src/peer/peer.ts";
import type { PeerOptions } from "../../src/peer/config.ts";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { tempDir } from "./temp.ts";

export const LOOPBACK = "/ip4/127.0.0.1/tcp/0";

export class TestPeers {
  readonly peers: Peer[] = [];
  private readonly dirs: Array<{ remove(): void }> = [];
  /** The cluster's swarm key, given to every peer this harness starts. */
  readonly swarmKey = generateSwarmKey();

  async start(options: PeerOptions = {}): Promise<Peer> {
    let dataDir = options.dataDir;
    // A restart (a data dir given) listens where it did before, so remembered addresses hold.
    const listen = options.dataDir ? {} : { listen: [LOOPBACK] };
    if (!dataDir) {
      const dir = tempDir("peer");
      this.dirs.push(dir);
      dataDir = dir.path;
    }
    const peer = await startPeer({ ...listen, http: false, swarmKey: this.swarmKey, ...options, dataDir });
    this.peers.push(peer);
    return peer;
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.peers.map((peer) => peer.stop()));
    for (const dir of this.dirs) dir.remove();
  }
}

export function aliveIds(peer: Peer): string[] {
  return peer
    .peers()
    .filter((view) => view.state === "alive")
    .map((view) => view.id)
    .sort();
}
