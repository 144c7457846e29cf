// A client of the cluster: a libp2p host holding the swarm key but no role, so it is never
// listed as a peer. The CLI's cluster commands and embedding programs talk through this.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import type { Connection } from "@libp2p/interface";
import { createHost, type TesseraHost } from "../net/host.ts";
import { isSwarmKeyMismatch } from "../net/encryption.ts";
import { request } from "../net/rpc.ts";
import { PeersRequest, PeersResponse } from "../membership/pb/membership.ts";
import { PEERS_PROTOCOL, PEERS_RPC_LIMITS } from "../membership/constants.ts";
import { peerViewFromEntry, type PeerView } from "../membership/view.ts";
import { PEER_TABLE_ENTRIES_MAX } from "../membership/peer-table.ts";

export interface ConnectOptions {
  /** Multiaddrs of peers of the cluster; the first that answers is used. */
  join: string[];
  swarmKey: Uint8Array;
}

export class ClusterUnreachableError extends Error {
  override name = "ClusterUnreachableError";
}

export class ClusterClient {
  constructor(
    readonly host: TesseraHost,
    private readonly connection: Connection,
  ) {}

  /** The peer this client talks to. */
  get entryPeer(): string {
    return this.connection.remotePeer.toString();
  }

  /** Every peer the entry peer knows of, with its state. */
  async peers(): Promise<PeerView[]> {
    const response = await request<PeersRequest, PeersResponse>(
      this.host,
      this.connection.remotePeer,
      { protocol: PEERS_PROTOCOL, requestCodec: PeersRequest, responseCodec: PeersResponse, ...PEERS_RPC_LIMITS },
      {},
    );
    if (response.peers.length > PEER_TABLE_ENTRIES_MAX) throw new Error("the peer answered with more peers than a table holds");
    return response.peers.map(peerViewFromEntry);
  }

  async close(): Promise<void> {
    await this.host.stop();
  }
}

export async function connect(options: ConnectOptions): Promise<ClusterClient> {
  if (options.join.length === 0) throw new ClusterUnreachableError("no peer to connect to: give the multiaddr of a peer of the cluster");
  const addresses: Multiaddr[] = options.join.map((address) => multiaddr(address));
  const host = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: options.swarmKey, listenAddrs: [] });
  const reasons: string[] = [];
  for (const address of addresses) {
    try {
      const connection = await host.dial(address);
      return new ClusterClient(host, connection);
    } catch (err) {
      reasons.push(describeDialFailure(address.toString(), err));
    }
  }
  await host.stop();
  throw new ClusterUnreachableError(reasons.join("; "));
}

/** One sentence a person understands, for a failed dial. */
export function describeDialFailure(address: string, err: unknown): string {
  if (isSwarmKeyMismatch(err)) return `the peer at ${address} refused our swarm key (it belongs to another cluster, or the key file is wrong)`;
  const text = errorText(err);
  if (/ECONNREFUSED|connection refused/i.test(text)) return `no peer is listening at ${address}`;
  if (/timed? ?out|abort/i.test(text)) return `the peer at ${address} did not answer in time`;
  return `could not reach the peer at ${address}: ${text}`;
}

function errorText(err: unknown): string {
  if (err instanceof AggregateError) return err.errors.map(errorText).join(", ");
  if (err instanceof Error) return err.cause ? `${err.message} (${errorText(err.cause)})` : err.message;
  return String(err);
}
