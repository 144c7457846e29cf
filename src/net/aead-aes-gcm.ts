// AES-256-GCM through node:crypto, shaped like libp2p-noise's AEAD slots. Native in Bun
// (BoringSSL with AES-NI), unlike chacha20-poly1305, which Bun's node:crypto lacks.
import { createCipheriv, createDecipheriv } from "node:crypto";

// A Uint8ArrayList as libp2p-noise hands it over, described by shape: noise bundles its own
// copy of uint8arraylist, whose class type differs from ours.
export interface ByteList extends Iterable<Uint8Array> {
  readonly length: number;
  subarray(start?: number, end?: number): Uint8Array;
  sublist(start?: number, end?: number): Iterable<Uint8Array>;
}

const ALGORITHM = "aes-256-gcm";
export const AEAD_TAG_BYTES = 16;

export class AeadAuthenticationError extends Error {
  override name = "AeadAuthenticationError";
}

export function aesGcmEncrypt(plaintext: Uint8Array | ByteList, nonce: Uint8Array, ad: Uint8Array, key: Uint8Array): Uint8Array {
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: AEAD_TAG_BYTES });
  if (ad.length > 0) cipher.setAAD(ad);
  if (plaintext instanceof Uint8Array) {
    const body = cipher.update(plaintext);
    const final = cipher.final();
    const tag = cipher.getAuthTag();
    return Buffer.concat([body, final, tag], body.length + final.length + tag.length);
  }
  const pieces: Uint8Array[] = [];
  for (const piece of plaintext) pieces.push(cipher.update(piece));
  pieces.push(cipher.final(), cipher.getAuthTag());
  return Buffer.concat(pieces);
}

export function aesGcmDecrypt(ciphertext: Uint8Array | ByteList, nonce: Uint8Array, ad: Uint8Array, key: Uint8Array, _dst?: Uint8Array): Uint8Array {
  if (ciphertext.length < AEAD_TAG_BYTES) throw new AeadAuthenticationError("ciphertext shorter than its tag");
  const bodyLength = ciphertext.length - AEAD_TAG_BYTES;
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: AEAD_TAG_BYTES });
  if (ad.length > 0) decipher.setAAD(ad);
  decipher.setAuthTag(ciphertext.subarray(bodyLength));
  try {
    if (ciphertext instanceof Uint8Array) {
      const body = decipher.update(ciphertext.subarray(0, bodyLength));
      const final = decipher.final();
      return final.length > 0 ? Buffer.concat([body, final]) : body;
    }
    const pieces: Uint8Array[] = [];
    for (const piece of ciphertext.sublist(0, bodyLength)) pieces.push(decipher.update(piece));
    pieces.push(decipher.final());
    return Buffer.concat(pieces);
  } catch (err) {
    throw new AeadAuthenticationError("AES-256-GCM tag check failed", { cause: err });
  }
}
