// The libp2p host every peer and every client runs: TCP, the Tessera encrypter (Noise with
// a native AEAD, admission bound to the swarm key), yamux, identify and ping; peers add
// gossipsub, clients do not (they never take part in membership gossip).
import { createLibp2p, type Libp2p } from "libp2p";
import { tesseraTcp } from "./tcp.ts";
import { yamux } from "@libp2p/yamux";
import { identify, type Identify } from "@libp2p/identify";
import { ping, type Ping } from "@libp2p/ping";
import { gossipsub, type GossipSub } from "@libp2p/gossipsub";
import type { PrivateKey } from "@libp2p/interface";
import { tesseraEncryption } from "./encryption.ts";

export type TesseraServices = { identify: Identify; ping: Ping };
/** What every role and the client need: streams to other peers. */
export type TesseraHost = Libp2p<TesseraServices>;
/** A peer's host: it also gossips membership. */
export type PeerHost = Libp2p<TesseraServices & { pubsub: GossipSub }>;

// A gossip message bigger than this is not one of ours: heartbeats are a few hundred bytes.
export const GOSSIP_MESSAGE_BYTES_MAX = 64 * 1024;
// Connection-monitor pings share the connection with bulk chunk transfers; under a saturated
// stream they were measured at 0.5–2.5 s, so a short timeout would kill healthy connections.
const CONNECTION_PING_TIMEOUT_MS_MAX = 30_000;
// The handshake (TCP + encrypter + muxer) of a refused peer must not hold a slot for long.
const INBOUND_UPGRADE_TIMEOUT_MS = 10_000;
const DIAL_TIMEOUT_MS = 10_000;
// libp2p's default refuses a sixth inbound connection per second from one address; every
// CLI command is a connection, and a whole rack of clients may sit behind one NAT address.
const INBOUND_CONNECTIONS_PER_SECOND_PER_ADDRESS_MAX = 200;
const INBOUND_PENDING_CONNECTIONS_MAX = 64;
// Gossipsub's default score punishes more than 10 peers behind one IP address (a defence
// against Sybil peers on open networks) with -5 per extra peer squared, which reaches the
// graylist at 14: every gossip message of every peer on that address is then dropped. In a
// Tessera swarm every peer proved the swarm key before any gossip, and many peers on one
// address is normal (one machine in tests, containers, NAT), so the factor is turned off.
// Measured: 5 peers on loopback plus a CLI polling fsck graylisted each other within seconds.
const IP_COLOCATION_FACTOR_WEIGHT = 0;

export interface HostInit {
  privateKey: PrivateKey;
  swarmKey: Uint8Array;
  /** Multiaddrs to listen on; empty for a client that only dials. */
  listenAddrs: string[];
}

/** A client's host: dials peers, serves nothing, does not gossip. */
export async function createClientHost(init: HostInit): Promise<TesseraHost> {
  return createLibp2p({ ...baseOptions(init), services: { identify: identify(), ping: ping() } });
}

/** A peer's host, with gossipsub for membership. */
export async function createHost(init: HostInit): Promise<PeerHost> {
  return createLibp2p({
    ...baseOptions(init),
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // A lone first peer still publishes its heartbeat (nobody hears it, nothing breaks).
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        maxInboundDataLength: GOSSIP_MESSAGE_BYTES_MAX,
        scoreParams: { IPColocationFactorWeight: IP_COLOCATION_FACTOR_WEIGHT },
      }),
    },
  });
}

function baseOptions(init: HostInit) {
  return {
    privateKey: init.privateKey,
    addresses: { listen: init.listenAddrs },
    transports: [tesseraTcp()],
    connectionEncrypters: [tesseraEncryption({ swarmKey: init.swarmKey })],
    streamMuxers: [yamux()],
    connectionManager: {
      dialTimeout: DIAL_TIMEOUT_MS,
      inboundUpgradeTimeout: INBOUND_UPGRADE_TIMEOUT_MS,
      inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_SECOND_PER_ADDRESS_MAX,
      maxIncomingPendingConnections: INBOUND_PENDING_CONNECTIONS_MAX,
    },
    connectionMonitor: {
      abortConnectionOnPingFailure: false,
      pingTimeout: { maxTimeout: CONNECTION_PING_TIMEOUT_MS_MAX },
    },
  };
}
