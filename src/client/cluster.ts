// A client of the cluster: a libp2p host holding the swarm key but no role, so it is never
// listed as a peer. The CLI's cluster commands and embedding programs talk through this.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import type { Connection } from "@libp2p/interface";
import { createClientHost, type TesseraHost } from "../net/host.ts";
import { isSwarmKeyMismatch } from "../net/encryption.ts";
import { request } from "../net/rpc.ts";
import { PeersRequest, PeersResponse } from "../protocol/pb/membership.ts";
import type { MuxClient } from "../net/mux-rpc.ts";
import type { MetaRequest, MetaResponse } from "../protocol/pb/meta.ts";
import { clusterStatusView, type ClusterStatusView, peerViewFromEntry, type PeerView } from "../protocol/views.ts";
import { peerIdFromString } from "@libp2p/peer-id";
import { FileSystemClient } from "./fs.ts";
import { remoteCacheEndpoint } from "./cache-client.ts";
import type { CacheAccess } from "./file-reader.ts";
import { AdminClient } from "./admin.ts";
import { JobsClient } from "./jobs.ts";
import { CallIds, callWithRetry, META_DEADLINE_MS_DEFAULT, metaChannel, retryingMetaCall } from "./meta-call.ts";

export { MetaRequestError, META_DEADLINE_MS_DEFAULT } from "./meta-call.ts";
import { PEERS_PROTOCOL } from "../protocol/ids.ts";
import { PEERS_RPC_LIMITS, PEERS_LISTED_MAX, META_RPC_LIMITS } from "../protocol/limits.ts";
import type { MetaCall } from "../protocol/meta.ts";
import { defaultUser } from "./user.ts";

export interface ConnectOptions {
  /** Multiaddrs of peers of the cluster; the first that answers is used. */
  join: string[];
  swarmKey: Uint8Array;
  /** Who the client acts for; default: TESSERA_USER, HADOOP_USER_NAME or the OS user (client/user.ts). */
  user?: string;
}

/**
 * How long a client trusts its list of live chunk servers, the peers it picks fill peers
 * among (issue 16): a peer that died meanwhile is skipped after one failed attempt.
 */
const LIVE_PEERS_CACHE_MS = 5_000;

export class ClusterUnreachableError extends Error {
  override name = "ClusterUnreachableError";
}

export class ClusterClient {
  /** Addresses of the cluster's peers, to fail over to when the entry peer goes away. */
  private readonly fallbackAddresses: string[] = [];
  /** The file system: put, get, cat, ls, mkdir, rm, mv, append, setReplication, stat. */
  readonly fs: FileSystemClient;
  private metaChannel?: { peer: string; client: MuxClient<MetaRequest, MetaResponse> };
  /** The operator's views: fsck and the capacity report. */
  readonly admin: AdminClient;
  /** MapReduce: submit, status, list, kill, wait. */
  readonly jobs: JobsClient;

  /** Any metadata request, typed by its kind, retried through elections until the default deadline. */
  readonly call: MetaCall;
  /** This client's id and call ids: one client for every call it makes, whatever its deadline. */
  readonly calls: CallIds;

  constructor(
    readonly host: TesseraHost,
    private connection: Connection,
    joinAddresses: string[],
    /** Who this client's requests act for (MetaRequest.user). */
    readonly user: string = defaultUser(),
  ) {
    this.fallbackAddresses.push(...joinAddresses);
    this.calls = new CallIds(host.peerId.toString());
    this.call = this.callWithin(META_DEADLINE_MS_DEFAULT);
    this.fs = new FileSystemClient({ host, call: this.call, user, cache: this.cacheAccess() });
    this.admin = new AdminClient(this.call);
    this.jobs = new JobsClient(this.fs, this.call);
  }

  /** A MetaCall whose requests retry until `deadlineMs` each. */
  callWithin(deadlineMs: number): MetaCall {
    return retryingMetaCall((request, timeoutMs) => this.channel().call(request, Math.min(META_RPC_LIMITS.timeoutMs, timeoutMs)), this.calls, { deadlineMs, onTransportError: () => this.reconnect(), user: this.user });
  }

  /** The peer this client talks to. */
  get entryPeer(): string {
    return this.connection.remotePeer.toString();
  }

  /** The peers' cache services as this client reaches them: live chunk servers from the entry peer's view. */
  private cacheAccess(): CacheAccess {
    let known: { ids: string[]; readAtMs: number } | undefined;
    // One question at a time: readers starting together share it (the entry peer takes a few
    // streams of the peers protocol at once and resets the rest).
    let asking: Promise<string[]> | undefined;
    const ask = async (): Promise<string[]> => {
      const live = (await this.peers()).filter((peer) => peer.state === "alive" && peer.roles.includes("chunk"));
      // Their addresses into the peer store, so a cache request can dial by id.
      await Promise.all(live.map((peer) => this.host.peerStore.merge(peerIdFromString(peer.id), { multiaddrs: parsedAddresses(peer.addresses) }).catch(() => undefined)));
      known = { ids: live.map((peer) => peer.id), readAtMs: performance.now() };
      return known.ids;
    };
    return {
      livePeers: async () => {
        if (known && performance.now() - known.readAtMs < LIVE_PEERS_CACHE_MS) return known.ids;
        asking ??= ask().finally(() => {
          asking = undefined;
        });
        return asking;
      },
      remote: (peer) => remoteCacheEndpoint(this.host, peer),
    };
  }

  /** Every peer the entry peer knows of, with its state. */
  async peers(): Promise<PeerView[]> {
    const response = await request<PeersRequest, PeersResponse>(
      this.host,
      this.connection.remotePeer,
      { protocol: PEERS_PROTOCOL, requestCodec: PeersRequest, responseCodec: PeersResponse, ...PEERS_RPC_LIMITS },
      {},
    );
    if (response.peers.length > PEERS_LISTED_MAX) throw new Error("the peer answered with more peers than a table holds");
    const peers = response.peers.map(peerViewFromEntry);
    for (const peer of peers) for (const address of peer.addresses) if (!this.fallbackAddresses.includes(address)) this.fallbackAddresses.push(address);
    return peers;
  }

  /** The Raft group of masters: leader, term, voters, learners, commit and match indexes. */
  async status(deadlineMs = META_DEADLINE_MS_DEFAULT): Promise<ClusterStatusView> {
    return clusterStatusView(await this.callWithin(deadlineMs)("status", {}));
  }

  /** Sets a cluster setting; resolves once it is committed by a majority of the masters. */
  async setSetting(key: string, value: Uint8Array, deadlineMs = META_DEADLINE_MS_DEFAULT): Promise<void> {
    await this.callWithin(deadlineMs)("setSetting", { key, value: value as Uint8Array<ArrayBuffer> });
  }

  /** Reads a cluster setting linearizably (ReadIndex on the leader). */
  async getSetting(key: string, deadlineMs = META_DEADLINE_MS_DEFAULT): Promise<Uint8Array | undefined> {
    const setting = await this.callWithin(deadlineMs)("getSetting", { key });
    return setting.found ? setting.value : undefined;
  }

  /**
   * One raw metadata request, retried through elections and leader moves until the deadline;
   * when the entry peer stops answering, the client moves to another peer of the cluster.
   * `call` is the typed way; this one is for tools that measure the protocol itself.
   */
  async meta(req: MetaRequest, deadlineMs: number): Promise<MetaResponse> {
    return callWithRetry(
      (timeoutMs) => this.channel().call(req, Math.min(META_RPC_LIMITS.timeoutMs, timeoutMs)),
      deadlineMs,
      () => this.reconnect(),
    );
  }

  /** The multiplexed metadata channel to the entry peer (one stream for every request). */
  private channel(): MuxClient<MetaRequest, MetaResponse> {
    const peer = this.connection.remotePeer.toString();
    if (this.metaChannel?.peer !== peer) {
      this.metaChannel?.client.close();
      this.metaChannel = { peer, client: metaChannel(this.host, this.connection.remotePeer) };
    }
    return this.metaChannel.client;
  }

  /** Connects to the next peer that answers, if the current connection is gone. */
  private async reconnect(): Promise<void> {
    if (this.connection.status === "open") return;
    for (const address of this.fallbackAddresses) {
      try {
        this.connection = await this.host.dial(multiaddr(address), { signal: AbortSignal.timeout(2_000) });
        return;
      } catch {
        // Try the next one.
      }
    }
  }

  async close(): Promise<void> {
    this.metaChannel?.client.close();
    await this.host.stop();
  }
}

export async function connect(options: ConnectOptions): Promise<ClusterClient> {
  if (options.join.length === 0) throw new ClusterUnreachableError("no peer to connect to: give the multiaddr of a peer of the cluster");
  const addresses: Multiaddr[] = options.join.map((address) => multiaddr(address));
  const host = await createClientHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: options.swarmKey, listenAddrs: [] });
  const reasons: string[] = [];
  for (const address of addresses) {
    try {
      const connection = await host.dial(address);
      return new ClusterClient(host, connection, options.join, options.user ?? defaultUser());
    } catch (err) {
      reasons.push(describeDialFailure(address.toString(), err));
    }
  }
  await host.stop();
  throw new ClusterUnreachableError(reasons.join("; "));
}

/** The addresses that parse (a peer may advertise one this version does not know). */
function parsedAddresses(addresses: readonly string[]): Multiaddr[] {
  return addresses.flatMap((address) => {
    try {
      return [multiaddr(address)];
    } catch {
      return [];
    }
  });
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
