// Tessera's connection encrypter: a Noise XX handshake (@chainsafe/libp2p-noise's, with
// AES-256-GCM from node:crypto as its AEAD) with cluster admission bound into it by the swarm
// key, then AES-256-GCM records of up to 1 MiB keyed from Noise's Split()
// (encryption-stream.ts explains why not Noise's own 64 KiB transport messages).
//
// Why not the stock noise(): its ChaCha20-Poly1305 is not in Bun's node:crypto, and the wasm
// fallback moves ~70 MB/s. AES-256-GCM is native (BoringSSL, AES-NI) in Bun. Noise names AESGCM
// as a standard cipher; every Tessera peer runs this code, and the protocol id differs from
// "/noise" so that no other libp2p node mistakes it for the standard one.
//
// Why not @libp2p/pnet for admission: it encrypts every byte a second time with xsalsa20 in
// JavaScript (~119 MB/s) and crashes on large writes. Here admission costs nothing per byte:
// the swarm key only enters the handshake (see admissionCrypto below).
import { createHmac, randomBytes } from "node:crypto";
import { noise, type ICryptoInterface } from "@chainsafe/libp2p-noise";
import { defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import { serviceCapabilities, type ConnectionEncrypter, type MessageStream, type SecureConnectionOptions, type SecuredConnection } from "@libp2p/interface";
import type { NoiseComponents } from "@chainsafe/libp2p-noise";
import { SWARM_KEY_BYTES } from "./swarm-key.ts";
import { ADMISSION_HKDF_LABEL, ADMISSION_PROLOGUE_LABEL } from "./constants.ts";
import { aesGcmDecrypt, aesGcmEncrypt, AeadAuthenticationError } from "./aead-aes-gcm.ts";
import { AesGcmRecordStream, HandshakeRelay } from "./encryption-stream.ts";
import { ENCRYPTION_PROTOCOL } from "../protocol/ids.ts";

export type EncryptionComponents = NoiseComponents;

export interface TesseraEncryptionInit {
  swarmKey: Uint8Array;
}

// Shown to the user when a dial fails because the other side holds another swarm key. The
// text is the recognizable part: libp2p's upgrader re-wraps handshake errors by message
// (EncryptionFailedError(err.message)), dropping the class and the cause.
const SWARM_KEY_MISMATCH_MARKER = "swarm key mismatch";

export class SwarmKeyMismatchError extends Error {
  override name = "SwarmKeyMismatchError";
  constructor(message = `${SWARM_KEY_MISMATCH_MARKER}: the remote peer does not hold this cluster's swarm key (or the handshake was tampered with)`, options?: ErrorOptions) {
    super(message, options);
  }
}

// Errors surface from libp2p's dial() as EncryptionFailedError (message kept, class dropped),
// possibly inside an AggregateError (one per address tried) or a `cause` chain.
const ERROR_CHAIN_DEPTH_MAX = 16;

export function isSwarmKeyMismatch(err: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): boolean => {
    if (value == null || typeof value !== "object" || depth > ERROR_CHAIN_DEPTH_MAX || seen.has(value)) return false;
    seen.add(value);
    const candidate = value as { name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (candidate.name === "SwarmKeyMismatchError") return true;
    if (typeof candidate.message === "string" && candidate.message.includes(SWARM_KEY_MISMATCH_MARKER)) return true;
    if (visit(candidate.cause, depth + 1)) return true;
    if (Array.isArray(candidate.errors)) return candidate.errors.some((inner) => visit(inner, depth + 1));
    return false;
  };
  return visit(err, 0);
}

const X25519_SEED_BYTES = 32;

function hmacSha256(key: Uint8Array, label: string): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(label).digest());
}

// Receives the two transport keys of one handshake: Noise's Split() is the only HKDF call
// with empty input keying material (every MixKey carries a DH result).
interface SplitCapture {
  keys?: [Uint8Array, Uint8Array];
}

// The crypto implementation handed to libp2p-noise, one per connection (it captures that
// connection's Split()). Its "chaCha20Poly1305" slots hold AES-256-GCM for the handshake's
// encrypted fields (the interface is named after the cipher it was written for; the nonce
// layout, 4 zero bytes and a counter, fits GCM's 96-bit IV as well).
//
// Admission has two parts, both in the handshake only:
//  - the prologue is HMAC(swarmKey, ADMISSION_PROLOGUE_LABEL): Noise mixes it into the
//    handshake hash h, which is the associated data of every handshake AEAD, so the first
//    encrypted handshake field from a peer with another key fails its tag;
//  - every HKDF (MixKey and Split) also takes HMAC(swarmKey, ADMISSION_HKDF_LABEL) as extra
//    input keying material. The prologue alone authenticates but does not hide: h only enters
//    the AEAD as associated data, and GCM is a stream cipher underneath, so an outsider who
//    dials us could strip the tag and read our static key and libp2p identity from handshake
//    message 2. With the key in the HKDF, the outsider cannot derive the keystream at all.
function admissionCrypto(hkdfKey: Uint8Array, capture: SplitCapture): ICryptoInterface {
  return {
    ...defaultCrypto,
    getHKDF(ck, ikm) {
      const bound = new Uint8Array(ikm.length + hkdfKey.length);
      bound.set(ikm, 0);
      bound.set(hkdfKey, ikm.length);
      const output = defaultCrypto.getHKDF(ck, bound);
      if (ikm.length === 0) {
        if (capture.keys !== undefined) throw new Error("Noise Split() ran twice on one connection");
        capture.keys = [output[0], output[1]];
      }
      return output;
    },
    chaCha20Poly1305Encrypt: aesGcmEncrypt,
    chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst) {
      try {
        return aesGcmDecrypt(ciphertext, nonce, ad, k, dst);
      } catch (err) {
        // Handshake AEADs carry the handshake hash as associated data; transport messages
        // carry none. A handshake tag failure means the peer's swarm key differs (or someone
        // altered the handshake in flight), which is what the dialer's user must be told.
        if (err instanceof AeadAuthenticationError && ad.length > 0) throw new SwarmKeyMismatchError(undefined, { cause: err });
        throw err;
      }
    },
  };
}

// Inbound Noise XX messages each side reads: the initiator reads message 2; the responder
// reads messages 1 and 3.
const HANDSHAKE_FRAMES_INBOUND_INITIATOR = 1;
const HANDSHAKE_FRAMES_INBOUND_RESPONDER = 2;

export function tesseraEncryption(init: TesseraEncryptionInit): (components: EncryptionComponents) => ConnectionEncrypter {
  if (!(init.swarmKey instanceof Uint8Array) || init.swarmKey.length !== SWARM_KEY_BYTES) {
    throw new TypeError(`tesseraEncryption needs a ${SWARM_KEY_BYTES}-byte swarm key`);
  }
  const prologueBytes = hmacSha256(init.swarmKey, ADMISSION_PROLOGUE_LABEL);
  const hkdfKey = hmacSha256(init.swarmKey, ADMISSION_HKDF_LABEL);
  return (components) => {
    // One static Noise key per node, as stock noise() has; a Noise instance is made per
    // connection only so that its crypto can capture that connection's transport keys.
    const staticNoiseKey = new Uint8Array(randomBytes(X25519_SEED_BYTES));
    // libp2p's components are a lazy proxy (the upgrader exists only later), so read through
    // it on use. Metrics stay off: Noise would register its metrics once per connection.
    const noiseComponents: NoiseComponents = {
      get peerId() { return components.peerId; },
      get privateKey() { return components.privateKey; },
      get logger() { return components.logger; },
      get upgrader() { return components.upgrader; },
    };

    const secure = async (connection: MessageStream, options: SecureConnectionOptions | undefined, initiator: boolean): Promise<SecuredConnection> => {
      const capture: SplitCapture = {};
      const inner = noise({ crypto: admissionCrypto(hkdfKey, capture), prologueBytes, staticNoiseKey })(noiseComponents);
      const relay = new HandshakeRelay(connection, initiator ? HANDSHAKE_FRAMES_INBOUND_INITIATOR : HANDSHAKE_FRAMES_INBOUND_RESPONDER);
      let secured: SecuredConnection;
      try {
        secured = initiator ? await inner.secureOutbound(relay, options) : await inner.secureInbound(relay, options);
      } finally {
        relay.detach();
      }
      if (capture.keys === undefined) throw new Error("Noise handshake finished without Split()");
      // Noise Split(): the first key encrypts initiator -> responder, the second the reverse.
      const [initiatorKey, responderKey] = capture.keys;
      const records = new AesGcmRecordStream(connection, {
        sendKey: initiator ? initiatorKey : responderKey,
        receiveKey: initiator ? responderKey : initiatorKey,
        pending: relay.pending,
      });
      return { ...secured, connection: records };
    };

    return {
      protocol: ENCRYPTION_PROTOCOL,
      [Symbol.toStringTag]: "@tessera/encryption",
      [serviceCapabilities]: ["@libp2p/connection-encryption"],
      secureInbound: (connection: MessageStream, options?: SecureConnectionOptions) => secure(connection, options, false),
      secureOutbound: (connection: MessageStream, options?: SecureConnectionOptions) => secure(connection, options, true),
    } as ConnectionEncrypter;
  };
}
