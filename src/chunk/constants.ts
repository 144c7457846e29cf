// Sizes and limits of the chunk store, each with the reason it has the value it has
// (STYLE.md §5). Everything that reads or writes chunk bytes is bounded by one of these.

/** The default chunk size of a file (DESIGN.md "Data path"); a per-file option elsewhere. */
export const CHUNK_SIZE_BYTES_DEFAULT = 64 * 1024 * 1024;

/**
 * The largest chunk the store accepts. A per-file chunk size may exceed the default, but one
 * chunk must stay small enough to re-replicate in seconds and for its checksum list to stay
 * small (1 GiB / 64 KiB = 16,384 CRCs = 64 KiB of sidecar).
 */
export const CHUNK_SIZE_BYTES_MAX = 1024 * 1024 * 1024;

/**
 * One CRC32 per this many bytes of data (HDFS uses 512 B; GFS 64 KiB). 64 KiB keeps the
 * checksum list tiny (4 bytes per 64 KiB, 0.006%) and each CRC call long enough that
 * Bun.hash.crc32 runs at memory speed, while a ranged read rereads at most two extra
 * partial blocks to verify its edges.
 */
export const CHUNK_CHECKSUM_BLOCK_BYTES = 64 * 1024;

/** Blocks in the largest chunk: bounds the checksum list a sidecar may claim to hold. */
export const CHUNK_BLOCKS_MAX = CHUNK_SIZE_BYTES_MAX / CHUNK_CHECKSUM_BLOCK_BYTES;

/**
 * A writer gathers packets into buffers of this size before each write to disk: large writes
 * run the disk at full speed (FINDINGS.md: ~1.1 GB/s with 1 MiB writes), and a whole number
 * of checksum blocks per buffer lets every CRC be taken over one contiguous subarray. A writer
 * holds two of them (one filling while the other is on its way to disk).
 */
export const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * The most bytes one `read()` returns in one buffer. A whole default-size chunk fits; anything
 * larger goes through `createReadStream`, which holds one piece at a time.
 */
export const READ_LENGTH_BYTES_MAX = CHUNK_SIZE_BYTES_DEFAULT;

/**
 * Piece size of `createReadStream` and of `verify()`: large enough that each positioned read
 * amortises the thread-pool round trip of async file I/O, small enough to keep memory flat.
 */
export const READ_PIECE_BYTES = 1024 * 1024;

/**
 * Parsed checksum lists kept in memory so that ranged reads do not reread the sidecar each
 * time; bounded by bytes (a default-size chunk's list is 4 KiB, so ~2,000 chunks fit).
 */
export const CHECKSUM_CACHE_BYTES_MAX = 8 * 1024 * 1024;

/** Chunk versions are counters bumped by the master; they must stay exact in a JS number. */
export const CHUNK_VERSION_MAX = Number.MAX_SAFE_INTEGER;
