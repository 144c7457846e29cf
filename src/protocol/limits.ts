// The bounds of the wire contract (STYLE.md §5): what a message may hold and how long an
// exchange may take, each with the reason it has its value. Both ends of a protocol read
// them from here, so a client and a server never disagree on a bound.

/** An RPC exchange: the largest encoded message either way, and how long one may take. */
export interface RpcLimits {
  messageBytesMax: number;
  timeoutMs: number;
}

/** /tessera/meta/3. */
export const META_RPC_LIMITS: RpcLimits = {
  // The largest requests are a concat of 10,000 sources (S3's most parts; 1.2 MB at 120-byte
  // paths); the largest answers a status of 2,000 tasks or a list page (LIST_PAGE_BYTES_MAX).
  messageBytesMax: 2 * 1024 * 1024,
  // Long enough for a leader election plus a commit on a loaded machine.
  timeoutMs: 10_000,
};

/** /tessera/chunk/replicate/2. */
export const REPLICATE_RPC_LIMITS: RpcLimits = {
  // A request names at most 8 targets with 16 addresses each: a few KiB.
  messageBytesMax: 64 * 1024,
  // The exchange lasts the whole copy: a 1 GiB chunk at a slow 20 MB/s, with room to spare.
  timeoutMs: 120_000,
};
/** A copy's deadline, fixed part: the dial, the pipeline's set-up and the targets' fsync. */
export const REPLICATE_COPY_DEADLINE_BASE_MS = 10_000;
/** A copy's deadline, per byte: the slowest rate a healthy copy runs at (10 MB/s). */
export const REPLICATE_COPY_BYTES_PER_MS_MIN = 10_000;
/** A delete's deadline. */
export const REPLICATE_DELETE_DEADLINE_MS = 10_000;

/**
 * How long the leader waits for one replicate exchange. Scaled to the chunk, so that a copy of
 * a small chunk stuck on a dead connection (a partition that drops packets sends no reset)
 * frees its slot in seconds: the leader repairs no chunk that has a copy in flight, so a flat
 * two minutes could keep a 4 KiB chunk under-replicated that long after a partition healed.
 */
export function replicateDeadlineMs(request: { copy?: { sizeBytes: number } }): number {
  if (!request.copy) return REPLICATE_DELETE_DEADLINE_MS;
  return Math.min(REPLICATE_RPC_LIMITS.timeoutMs, REPLICATE_COPY_DEADLINE_BASE_MS + Math.ceil(request.copy.sizeBytes / REPLICATE_COPY_BYTES_PER_MS_MIN));
}

/** Replicas in one write pipeline, hence targets of one copy: 8 covers any sane replication of a hot file. */
export const WRITE_PIPELINE_TARGETS_MAX = 8;
/** Addresses the leader gives per copy target (a peer listens on a few). */
export const REPLICATE_TARGET_ADDRESSES_MAX = 16;

/** /tessera/chunk/report/1: a page of 10,000 chunks is ~400 KB on the wire, one message. */
export const REPORT_PAGE_CHUNKS_MAX = 10_000;
export const REPORT_RPC_LIMITS: RpcLimits = { messageBytesMax: 2 * 1024 * 1024, timeoutMs: 10_000 };

/** /tessera/task/3: an order names every map output a reduce fetches (100,000 maps at most). */
export const TASK_RPC_LIMITS: RpcLimits = { messageBytesMax: 4 * 1024 * 1024, timeoutMs: 10_000 };

/**
 * A cluster of more peers than this is beyond what one gossip mesh is built for; the bound
 * keeps a flood of forged-looking ids from growing a peer table (or an answer) without limit.
 */
export const PEERS_LISTED_MAX = 10_000;
/** /tessera/membership/peers/2: ten thousand peers of about 400 bytes each. */
export const PEERS_RPC_LIMITS: RpcLimits = { messageBytesMax: 8 * 1024 * 1024, timeoutMs: 10_000 };

// --- chunks, as the namespace and every chunk server see them --------------------------------

/** The default chunk size of a file (DESIGN.md "Data path"); a per-file option elsewhere. */
export const CHUNK_SIZE_BYTES_DEFAULT = 64 * 1024 * 1024;
/**
 * The largest chunk. A per-file chunk size may exceed the default, but one chunk must stay
 * small enough to re-replicate in seconds and for its checksum list to stay small
 * (1 GiB / 64 KiB = 16,384 CRCs = 64 KiB of sidecar).
 */
export const CHUNK_SIZE_BYTES_MAX = 1024 * 1024 * 1024;
/**
 * One CRC32 per this many bytes of data (HDFS uses 512 B; GFS 64 KiB). 64 KiB keeps the
 * checksum list tiny (4 bytes per 64 KiB, 0.006%) and each CRC call long enough that
 * Bun.hash.crc32 runs at memory speed, while a ranged read rereads at most two extra
 * partial blocks to verify its edges. Chunk sizes are whole blocks.
 */
export const CHUNK_CHECKSUM_BLOCK_BYTES = 64 * 1024;
/** Blocks in the largest chunk: bounds the checksum list a message or sidecar may claim to hold. */
export const CHUNK_BLOCKS_MAX = CHUNK_SIZE_BYTES_MAX / CHUNK_CHECKSUM_BLOCK_BYTES;
/**
 * Chunks of one file a writer may have in flight (allocated, not yet committed; issue 13):
 * each has its own pipeline, so a remote writer keeps disks busy while another chunk
 * commits. The master refuses more; a writer's memory for them is bounded separately
 * (client/file-writer.ts).
 */
export const CHUNKS_IN_FLIGHT_MAX = 16;
/** Chunk versions are counters bumped by the master; they must stay exact in a JS number. */
export const CHUNK_VERSION_MAX = Number.MAX_SAFE_INTEGER;

// --- files ---------------------------------------------------------------------------------

/** Replicas of a file's chunks: HDFS caps at 512, but beyond 32 copies a file is a broadcast, not storage. */
export const REPLICATION_MAX = 32;
export const REPLICATION_DEFAULT = 3;

// --- the balancer's threshold, checked by clients before they ask ---------------------------

/** HDFS's default threshold: every peer within 10 percentage points of the mean. */
export const BALANCE_THRESHOLD_PCT_DEFAULT = 10;
/** Below 1 point a cluster would never stop moving replicas for the last few bytes. */
export const BALANCE_THRESHOLD_PCT_MIN = 1;
export const BALANCE_THRESHOLD_PCT_MAX = 100;

// --- attributes of files and folders (issue 14: S3 object metadata) --------------------------

/** One attribute's name, in UTF-8 bytes: an HTTP header name (x-amz-meta-*) fits with room. */
export const ATTRIBUTE_NAME_BYTES_MAX = 255;
/**
 * Names and values of one file's or folder's attributes together, in UTF-8 bytes: S3 allows
 * 2 KiB of user metadata; the system attributes (ETag, content type, checksums) fit beside
 * it, and a list page of entries that each carry this much still pages (LIST_PAGE_BYTES_MAX).
 */
export const ATTRIBUTES_BYTES_MAX = 16 * 1024;
/**
 * A page of a listing, in bytes of paths and attributes: the page stops early past it, so a
 * folder of files with large attributes still answers in one metadata message.
 */
export const LIST_PAGE_BYTES_MAX = 512 * 1024;
/**
 * A stat answer's chunks, in bytes (about 390 a chunk with three replicas and their
 * addresses): a file of more is answered a page at a time, so a concat of 10,000 parts, or a
 * file of 10,000 chunks, still reads. Half the message bound leaves room for the rest.
 */
export const STAT_CHUNKS_BYTES_MAX = 1024 * 1024;
/** Sources of one concat (S3 allows 10,000 parts in a multipart upload). */
export const CONCAT_SOURCES_MAX = 10_000;

/**
 * Chunks one editor's flush moves into its file (issue 17, a RewriteRequest's moves): about
 * 30 bytes each, well inside a metadata message; 1.25 TiB of new chunks at 64 MiB each. An
 * editor with this many waiting refuses more writes until it is flushed.
 */
export const REWRITE_CHUNKS_MAX = 20_000;
/** Settings in one page of a settings listing. */
export const SETTINGS_PAGE_MAX = 1_000;
/** A page of settings, in bytes of keys and values: stops early past it (values are up to 64 KiB). */
export const SETTINGS_PAGE_BYTES_MAX = 512 * 1024;
