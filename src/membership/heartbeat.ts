// Encoding and validation of heartbeats. Everything here is bounded: a heartbeat comes from
// the network, and a peer must survive whatever another peer sends (DESIGN.md, "Protocols").
import { Heartbeat } from "../protocol/pb/membership.ts";
import { TIERS_MAX } from "../protocol/mounts.ts";

export { Heartbeat };

// A heartbeat is a few hundred bytes; 8 KiB leaves room for many addresses and no more.
export const HEARTBEAT_BYTES_MAX = 8 * 1024;
// A peer with more listen addresses than this is misconfigured or hostile.
export const HEARTBEAT_ADDRESSES_MAX = 16;
export const HEARTBEAT_ROLES_MAX = 8;
export const MULTIADDR_CHARS_MAX = 512;
export const RACK_NAME_CHARS_MAX = 128;
export const PEER_ID_CHARS_MAX = 128;
/** HOST:PORT of the admin HTTP server: a DNS name (253) or a bracketed IPv6 address, and a port. */
export const HTTP_ADDRESS_CHARS_MAX = 262;
/** A cache tier's name: MEM, SSD or HDD (issue 16). */
const TIER_NAMES = new Set(["MEM", "SSD", "HDD"]);
// A host name or IPv4 address, or [IPv6], then :port. Nothing else: a redirect's URL is built from it.
const HTTP_ADDRESS = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

export const ROLES = ["chunk", "compute", "master-candidate"] as const;
export type Role = (typeof ROLES)[number];

export class MalformedHeartbeatError extends Error {
  override name = "MalformedHeartbeatError";
  readonly code = "ERR_MALFORMED_HEARTBEAT";
}

export function encodeHeartbeat(heartbeat: Heartbeat): Uint8Array {
  return Heartbeat.encode(heartbeat);
}

/** Decodes and checks a heartbeat from the wire; throws MalformedHeartbeatError with the reason. */
export function decodeHeartbeat(data: Uint8Array): Heartbeat {
  if (data.byteLength > HEARTBEAT_BYTES_MAX) {
    throw new MalformedHeartbeatError(`heartbeat of ${data.byteLength} bytes exceeds ${HEARTBEAT_BYTES_MAX}`);
  }
  let heartbeat: Heartbeat;
  try {
    heartbeat = Heartbeat.decode(data, {
      limits: { addresses: HEARTBEAT_ADDRESSES_MAX, roles: HEARTBEAT_ROLES_MAX, tiers: TIERS_MAX },
    });
  } catch (err) {
    throw new MalformedHeartbeatError(`heartbeat does not decode: ${(err as Error).message}`);
  }
  validateHeartbeat(heartbeat);
  return heartbeat;
}

export function validateHeartbeat(heartbeat: Heartbeat): void {
  const fail = (reason: string): never => {
    throw new MalformedHeartbeatError(reason);
  };
  if (heartbeat.peerId.length === 0 || heartbeat.peerId.length > PEER_ID_CHARS_MAX) fail("heartbeat has no valid peer id");
  if (heartbeat.rack.length === 0 || heartbeat.rack.length > RACK_NAME_CHARS_MAX) fail("heartbeat has no valid rack name");
  for (const address of heartbeat.addresses) {
    if (address.length === 0 || address.length > MULTIADDR_CHARS_MAX || !address.startsWith("/")) fail("heartbeat has a malformed address");
  }
  if (heartbeat.httpAddress.length > HTTP_ADDRESS_CHARS_MAX || (heartbeat.httpAddress !== "" && !HTTP_ADDRESS.test(heartbeat.httpAddress))) fail("heartbeat has a malformed HTTP address");
  if (heartbeat.freeBytes > heartbeat.capacityBytes) fail("heartbeat claims more free bytes than capacity");
  if (heartbeat.incarnation === 0n) fail("heartbeat has incarnation 0");
  for (const tier of heartbeat.tiers) {
    if (!TIER_NAMES.has(tier.name)) fail("heartbeat has a cache tier of an unknown name");
    if (tier.usedBytes > tier.capacityBytes) fail("heartbeat claims a cache tier fuller than its capacity");
  }
}
