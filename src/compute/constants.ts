// Sizes and limits of the per-task data side of MapReduce, each with the reason it has the
// value it has (STYLE.md §5). Everything a task reads, buffers, spills, merges or passes
// between a worker thread and its peer is bounded by one of these.

/** Pieces in which a map task reads its split (LineRecordReader's buffer, Hadoop: 64 KiB–1 MiB). */
export const SPLIT_READ_AHEAD_BYTES_DEFAULT = 1024 * 1024;

/**
 * A split's first read is at most this long: the job's map starts on the first lines while the
 * next piece is read, instead of after a whole piece (the whole split, for 1 MiB chunks).
 */
export const SPLIT_FIRST_READ_BYTES = 64 * 1024;

/**
 * The longest line a map task accepts. A line is held whole in memory (it is decoded whole, so
 * a multibyte character is never cut), so this bounds a task's memory on a file that has no
 * newlines at all; a chunk-sized line is already unusual, 64 MiB is the default chunk size.
 */
export const LINE_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

/** The largest file a "whole-file" job reads into one map call (it is held whole in memory). */
export const WHOLE_FILE_BYTES_MAX = 256 * 1024 * 1024;

/**
 * The largest key or value a job may emit, in UTF-8 bytes. Anything a map reads (a whole line)
 * can be emitted, and the run-file decoder uses the same bound to reject a corrupt length
 * before allocating for it.
 */
export const RECORD_FIELD_BYTES_MAX = 256 * 1024 * 1024;

/**
 * Payload a run-file block is cut at. Blocks are the unit of checksumming and of decoding, so
 * a reader holds one block's records at a time; 256 KiB keeps many open runs (a merge of
 * MERGE_FAN_IN_MAX of them) cheap and each CRC call long enough to run at memory speed.
 */
export const RUN_BLOCK_BYTES_TARGET = 256 * 1024;

/**
 * The largest block a decoder accepts: one record of two maximal fields and their varints.
 * A block only exceeds RUN_BLOCK_BYTES_TARGET when a single record does.
 */
export const RUN_BLOCK_BYTES_MAX = 2 * RECORD_FIELD_BYTES_MAX + 16;

/** Pieces in which a run file is read from disk: large reads keep the disk at full speed. */
export const RUN_READ_PIECE_BYTES = 1024 * 1024;

/**
 * Pieces in which a merge reads each of its runs: a merge holds one piece per open run, so
 * MERGE_FAN_IN_MAX × this bounds its read buffers (32 × 256 KiB = 8 MiB).
 */
export const MERGE_READ_PIECE_BYTES = 256 * 1024;

/**
 * Runs merged in one pass (Hadoop's io.sort.factor). More spills than this are merged in
 * several passes, so open files and read buffers stay bounded however many spills a task makes.
 */
export const MERGE_FAN_IN_MAX = 32;

/** Records a merge hands on per batch: amortises the async step over many records. */
export const MERGE_BATCH_RECORDS = 1024;

/**
 * Heap a buffered map output record costs beyond its characters (two string headers and two
 * array slots); used to estimate the collector's memory, which is what its limit is about.
 */
export const BUFFERED_RECORD_OVERHEAD_BYTES = 64;
/** Estimated heap of one more value of a key already buffered: its slot in the key's array. */
export const BUFFERED_VALUE_OVERHEAD_BYTES = 16;
/**
 * Estimated heap of a record buffered as its key alone (every record of the task so far has
 * the same value: map-output.ts's keys-only buffer) beyond its characters: a string header
 * and an array slot. Measured: 671,089 ASCII keys of 99 characters took 150 bytes each.
 */
export const BUFFERED_KEY_OVERHEAD_BYTES = 50;

/**
 * The default memory a map task buffers before it sorts and spills: Hadoop's io.sort.mb (100).
 * A 64 MiB chunk of 100-byte lines, a sort's split, fits in one spill, which then is the map's
 * output itself, with no merge pass that reads and writes every record again.
 */
export const MAP_OUTPUT_MEMORY_BYTES_DEFAULT = 100 * 1024 * 1024;

/**
 * A map call that keeps emitting past memoryLimitBytes × this factor is spilled from inside
 * emit (synchronously, without the combiner), because the async spill between map calls
 * cannot run until the call returns; one map call can therefore not exhaust memory.
 */
export const MAP_OUTPUT_MEMORY_HARD_FACTOR = 2;

/** Reduce output is handed to its writer in pieces of about this size. */
export const REDUCE_OUTPUT_FLUSH_BYTES = 1024 * 1024;

/** Task ids become folder names: a bounded, safe alphabet. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * The most bytes one read request from a worker thread may ask its peer for: a map task reads
 * in SPLIT_READ_AHEAD_BYTES_DEFAULT pieces, and a worker must not be able to make its peer
 * allocate without bound.
 */
export const WORKER_READ_BYTES_MAX = 16 * 1024 * 1024;

/** The most bytes one pull of a reduce input carries from the peer to a worker thread. */
export const WORKER_PULL_BYTES_MAX = 4 * 1024 * 1024;

/** A worker posts progress at most this often; a status line, not a stream. */
export const WORKER_PROGRESS_INTERVAL_MS = 1000;
