// Protocol ids and limits of the chunk data protocols (write pipeline and reads), each with
// the reason it has its value (STYLE.md §5, §8). Sizes in bytes, times in milliseconds.
import { CHUNK_BLOCKS_MAX, CHUNK_CHECKSUM_BLOCK_BYTES } from "../../protocol/limits.ts";

/**
 * The largest control frame (a write header, a packet header, an ack). The biggest real one
 * is a COMMITTED ack naming 8 replicas (~600 B); a header names at most 7 peers (~400 B).
 */
export const DATA_CONTROL_FRAME_BYTES_MAX = 4 * 1024;

/**
 * The largest read response header: it carries the CRC of every block it covers, and a read
 * of a whole 1 GiB chunk covers 16,384 of them (64 KiB of CRCs).
 */
export const READ_RESPONSE_FRAME_BYTES_MAX = 4 * CHUNK_BLOCKS_MAX + 1024;

/** A libp2p peer id as text is ~52 characters; anything much longer is not one. */
export const PEER_ID_CHARS_MAX = 128;

/**
 * Packet payload the client cuts. Large enough that per-packet costs (a frame, a CRC call per
 * block, an ack, a few promises) vanish next to the bytes, small enough that a hop forwards
 * the first bytes of a chunk long before the last arrive (store-and-forward per packet).
 * Must hold whole checksum blocks: every packet but the last is block-aligned so each hop
 * checks the very CRCs the store will keep.
 */
export const WRITE_PACKET_BYTES_DEFAULT = 512 * 1024;

/** The largest packet a replica accepts: bounds what one frame makes it buffer. */
export const WRITE_PACKET_BYTES_MAX = 1024 * 1024;

/**
 * Packets the client keeps in flight (sent, not yet acknowledged by the whole pipeline).
 * Bounds the bytes buffered per pipeline at every hop to window × packet (8 MiB by default)
 * while keeping the pipe full: acks are cumulative and travel back while data flows.
 */
export const WRITE_WINDOW_PACKETS_DEFAULT = 16;

/** A replica rejects an upstream with more unacknowledged packets than this. */
export const WRITE_WINDOW_PACKETS_MAX = 64;

/**
 * Time to set up one hop of a pipeline (dial, header, writer created, READY back). A hop with
 * r replicas below it waits r × this, so the replica nearest a failure times out first and
 * its report, naming the right peer, reaches the client before anyone upstream gives up.
 */
export const WRITE_SETUP_TIMEOUT_MS_PER_HOP = 5_000;

/**
 * Longest wait for acknowledgement progress while packets are outstanding, at the last hop;
 * each hop above adds WRITE_TIMEOUT_STEP_MS per replica below it, for the same reason as the
 * setup timeout. Generous: a loaded disk's write may pause for seconds.
 */
export const WRITE_ACK_TIMEOUT_MS_BASE = 30_000;

/** Longest wait for the COMMITTED ack at the last hop (fsync of up to 1 GiB on a busy disk). */
export const WRITE_COMMIT_TIMEOUT_MS_BASE = 60_000;

/** What each replica below adds to a hop's ack and commit timeouts. */
export const WRITE_TIMEOUT_STEP_MS = 5_000;

/**
 * A replica whose upstream sends nothing (no packet, commit or keepalive) for this long takes
 * it for dead and aborts. The client sends a keepalive after WRITE_KEEPALIVE_INTERVAL_MS of
 * silence, so only a dead or wedged upstream trips it.
 */
export const WRITE_UPSTREAM_IDLE_TIMEOUT_MS = 60_000;
export const WRITE_KEEPALIVE_INTERVAL_MS = 5_000;

/** Concurrent inbound write pipelines per connection. */
export const WRITE_INBOUND_STREAMS_MAX = 32;

/** Concurrent inbound reads per connection (a MapReduce job reads many chunks at once). */
export const READ_INBOUND_STREAMS_MAX = 64;

/** From opening a read stream to its response header. */
export const READ_SETUP_TIMEOUT_MS = 10_000;

/** A reader waiting this long for the next piece gives up on the replica. */
export const READ_IDLE_TIMEOUT_MS = 30_000;

/** A server whose reader does not take a piece for this long (no drain) abandons the read. */
export const READ_SEND_STALL_TIMEOUT_MS = 60_000;

/** The most one `readChunkBytes` call returns as one buffer; longer ranges stream. */
export const READ_BYTES_MAX = 64 * 1024 * 1024;

/**
 * Local reads: pieces of this size, with LOCAL_READ_AHEAD_PIECES positioned reads in flight,
 * keep the thread pool busy without large fresh buffers (measured in docs/transport.md).
 */
export const LOCAL_READ_PIECE_BYTES = 256 * 1024;
export const LOCAL_READ_AHEAD_PIECES = 4;

/** Error messages crossing the wire are cut to this length. */
export const WIRE_ERROR_MESSAGE_CHARS_MAX = 512;

// Packets and local-read pieces are cut at checksum-block boundaries.
if (WRITE_PACKET_BYTES_DEFAULT % CHUNK_CHECKSUM_BLOCK_BYTES !== 0 || WRITE_PACKET_BYTES_MAX % CHUNK_CHECKSUM_BLOCK_BYTES !== 0 || LOCAL_READ_PIECE_BYTES % CHUNK_CHECKSUM_BLOCK_BYTES !== 0) {
  throw new Error("data packet sizes must hold whole checksum blocks");
}
