// Sizes and limits of the chunk store, each with the reason it has the value it has
// (STYLE.md §5). Everything that reads or writes chunk bytes is bounded by one of these or by
// the chunk bounds of the wire contract (src/protocol/limits.ts).
import { CHUNK_SIZE_BYTES_DEFAULT } from "../../protocol/limits.ts";

/**
 * A writer gathers packets into buffers of this size before each write to disk: large writes
 * run the disk at full speed (docs/findings.md: ~1.1 GB/s written with fsync), and a whole number
 * of checksum blocks per buffer lets every CRC be taken over one contiguous subarray. A writer
 * holds two of them (one filling while the other is on its way to disk).
 */
export const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * Sync behind writes (HDFS's dfs.datanode.sync.behind.writes): once this many bytes of a chunk
 * have reached the page cache since its last sync, the writer starts an fdatasync in the
 * background while it goes on writing. Without it the disk idles while a chunk streams in and
 * then flushes the whole chunk at its commit (the kernel starts writeback on its own only past
 * gigabytes of dirty pages on a machine with this much memory), so the commit's sync is a burst
 * the pipeline waits on. Measured on 1 GiB of 1 MiB writes: 479-497 MB/s with one sync at the
 * end, 591-628 MB/s with a background sync every 8 MiB (docs/dfsio.md).
 */
export const SYNC_BEHIND_BYTES = 8 * 1024 * 1024;

/**
 * Background syncs a store runs at once, across its writers: one leaves the other thread of the
 * runtime's file I/O pool (two threads on a 2-core machine) to the Raft log and the reads.
 */
export const SYNC_BEHIND_SYNCS_MAX = 1;

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

