// Protocol ids and limits of the network layer, one flat list so that a reader finds every
// wire-visible name and every bound in one place.

// Label under which the Noise prologue is derived from the swarm key (HMAC-SHA256 key = swarm
// key). Changing it partitions clusters, so it carries a version.
export const ADMISSION_PROLOGUE_LABEL = "tessera/admission/1";

// Label under which the key mixed into every Noise HKDF is derived from the swarm key, so an
// outsider cannot even decrypt the responder's static key and identity in handshake message 2.
export const ADMISSION_HKDF_LABEL = "tessera/admission-hkdf/1";
