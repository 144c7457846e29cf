// Membership protocol ids and limits.
export const MEMBERSHIP_TOPIC = "/tessera/membership/1";
export const PEERS_PROTOCOL = "/tessera/membership/peers/1";
export const PEERS_RPC_LIMITS = {
  // Ten thousand peers (PEER_TABLE_ENTRIES_MAX) of about 400 bytes each.
  messageBytesMax: 8 * 1024 * 1024,
  timeoutMs: 10_000,
};
export const HEARTBEAT_INTERVAL_MS_DEFAULT = 1_000;
