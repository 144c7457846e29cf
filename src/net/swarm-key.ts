// The cluster's pre-shared swarm key. The file format is the one IPFS and libp2p's pnet use
// ("/key/swarm/psk/1.0.0/", "/base16/", 64 hex digits), so tooling that makes swarm.key
// files for those works here too.
import { randomBytes } from "node:crypto";

export const SWARM_KEY_BYTES = 32;
const HEADER = "/key/swarm/psk/1.0.0/";
const ENCODING = "/base16/";
// A swarm.key file is three short lines; anything much longer is not one.
const SWARM_KEY_FILE_BYTES_MAX = 1024;

export class SwarmKeyFormatError extends Error {
  override name = "SwarmKeyFormatError";
}

export function generateSwarmKey(): Uint8Array {
  return new Uint8Array(randomBytes(SWARM_KEY_BYTES));
}

export function encodeSwarmKey(key: Uint8Array): string {
  if (key.length !== SWARM_KEY_BYTES) throw new SwarmKeyFormatError(`a swarm key is ${SWARM_KEY_BYTES} bytes, not ${key.length}`);
  return `${HEADER}\n${ENCODING}\n${Buffer.from(key).toString("hex")}\n`;
}

export function decodeSwarmKey(text: string): Uint8Array {
  if (text.length > SWARM_KEY_FILE_BYTES_MAX) throw new SwarmKeyFormatError("the swarm key file is too long to be a swarm key");
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (lines.length !== 3 || lines[0] !== HEADER || lines[1] !== ENCODING) {
    throw new SwarmKeyFormatError(`a swarm key file has three lines: ${HEADER}, ${ENCODING} and 64 hex digits`);
  }
  const hex = lines[2]!;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new SwarmKeyFormatError("the swarm key must be 64 hex digits");
  return new Uint8Array(Buffer.from(hex, "hex"));
}
