// Every libp2p protocol id and gossip topic of Tessera, in one list (docs/architecture.md has
// the table of who calls whom). An id carries a version: a change of a message that an older
// peer would misread gets a new id, never a silent reuse of the old one.

/** Raft messages between voters: append, vote, snapshot pieces (src/raft/transport.ts). */
export const RAFT_PROTOCOL = "/tessera/raft/1";
/**
 * A Raft snapshot kept as a file, leader → follower, one stream per transfer: the snapshot
 * message (its data a descriptor: size and SHA-256), then the file in checksummed pieces, then
 * the follower's verdict (src/raft/snapshot-transfer.ts).
 */
export const RAFT_SNAPSHOT_PROTOCOL = "/tessera/raft/snapshot/1";
/**
 * Metadata requests from anyone to the master; a non-leader forwards once (src/master/rpc/meta-service.ts).
 * 3: attributes, rename's replace and parents, delete's pruning (a master of 2 would drop them
 * unseen), concat, setAttributes, settings listing and deletion, and a 2 MiB message bound.
 */
export const META_PROTOCOL = "/tessera/meta/3";
/** Pipelined chunk writes: client → replica → replica, packets with checksums, acks back. */
export const CHUNK_WRITE_PROTOCOL = "/tessera/chunk/write/1";
/** Ranged chunk reads with checksums, from any peer to a replica. */
export const CHUNK_READ_PROTOCOL = "/tessera/chunk/read/1";
/**
 * The leader asks a holder to copy a chunk to new holders, or any server to delete a replica.
 * Version 2: the request is a typed oneof (CopyChunk, DeleteChunk) instead of version 1's string op.
 */
export const CHUNK_REPLICATE_PROTOCOL = "/tessera/chunk/replicate/2";
/** Block reports: a chunk server tells the leader what it holds (GFS §2.6.2). */
export const CHUNK_REPORT_PROTOCOL = "/tessera/chunk/report/1";
/**
 * The leader orders a worker to run, cancel or clean up a task, or gives a running reduce more
 * map outputs. Version 3: a reduce may start before every map is done (slow start) and waits
 * for RunTask.mapCount outputs, the rest pushed in MapOutputs orders; a version-2 worker would
 * take its partial list of map outputs for the whole and reduce too little.
 */
export const TASK_PROTOCOL = "/tessera/task/3";
/** A reducer fetches one partition of a map's output from the map's worker. */
export const SHUFFLE_PROTOCOL = "/tessera/shuffle/1";
/** A peer's view of the cluster's members, for clients (`tessera cluster peers`). */
export const PEERS_PROTOCOL = "/tessera/membership/peers/2";
/** Gossipsub topic of every peer's heartbeat, about once a second. */
export const MEMBERSHIP_TOPIC = "/tessera/membership/1";
/**
 * The connection encrypter's multistream-select id. It is deliberately not "/noise": the
 * cipher inside is AES-256-GCM, not ChaCha20-Poly1305, and every key is bound to the swarm
 * key, so a standard libp2p node must never believe it speaks the same protocol.
 */
export const ENCRYPTION_PROTOCOL = "/tessera/noise-aesgcm/1";
/**
 * A peer's cache service (issue 16, src/cache/cache-service.ts): a client reads a chunk of a
 * mounted file through it (the peer fetches it from the under-storage into its tiers while it
 * streams it back, one fetch per chunk however many read it), `cache load` fills chunks with no
 * bytes back, and `cache pin` reaches the holders of a file's copies.
 */
export const CACHE_PROTOCOL = "/tessera/cache/1";
