// Protocol ids and limits of the network layer, one flat list so that a reader finds every
// wire-visible name and every bound in one place.

// Our connection encrypter's multistream-select id. It is deliberately not "/noise": the
// cipher inside is AES-256-GCM, not ChaCha20-Poly1305, and every key is bound to the swarm
// key, so a standard libp2p node must never believe it speaks the same protocol.
export const ENCRYPTION_PROTOCOL_ID = "/tessera/noise-aesgcm/1";

// Label under which the Noise prologue is derived from the swarm key (HMAC-SHA256 key = swarm
// key). Changing it partitions clusters, so it carries a version.
export const ADMISSION_PROLOGUE_LABEL = "tessera/admission/1";

// Label under which the key mixed into every Noise HKDF is derived from the swarm key, so an
// outsider cannot even decrypt the responder's static key and identity in handshake message 2.
export const ADMISSION_HKDF_LABEL = "tessera/admission-hkdf/1";
