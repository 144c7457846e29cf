// The libp2p host every peer and every client runs: TCP, the Tessera encrypter (Noise with
// a native AEAD, admission bound to the swarm key), yamux, identify, ping and gossipsub.
import { createLibp2p, type Libp2p } from "libp2p";
import { tesseraTcp } from "./tcp.ts";
import { yamux } from "@libp2p/yamux";
import { identify, type Identify } from "@libp2p/identify";
import { ping, type Ping } from "@libp2p/ping";
import { gossipsub, type GossipSub } from "@libp2p/gossipsub";
import type { PrivateKey } from "@libp2p/interface";
import { tesseraEncryption } from "./encryption.ts";

export type TesseraServices = { identify: Identify; ping: Ping; pubsub: GossipSub };
export type TesseraHost = Libp2p<TesseraServices>;

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

export interface HostInit {
  privateKey: PrivateKey;
  swarmKey: Uint8Array;
  /** Multiaddrs to listen on; empty for a client that only dials. */
  listenAddrs: string[];
}

export async function createHost(init: HostInit): Promise<TesseraHost> {
  return createLibp2p({
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
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // A lone first peer still publishes its heartbeat (nobody hears it, nothing breaks).
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        maxInboundDataLength: GOSSIP_MESSAGE_BYTES_MAX,
      }),
    },
  });
}
