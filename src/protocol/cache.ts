// /tessera/cache/1 as both ends read it (issue 16, docs/cache.md): the bounds of its frames,
// its deadlines, and the codec of its first frame with the bounds its decoder enforces. The
// server is src/cache/cache-service.ts, the client src/client/cache-client.ts. No I/O here.
import type { Uint8ArrayList } from "uint8arraylist";
import { CacheFrame, CacheRequest, CacheResponse } from "./pb/cache.ts";

export { CacheFrame, CacheRequest, CacheResponse };

/** Chunks one load request names: 1,024 × 64 MiB = 64 GiB of a file per request; a client sends more requests for more. */
export const CACHE_LOAD_CHUNKS_MAX = 1_024;
/** Files one pin request names (a pin of a folder sends its files in requests of this many). */
export const CACHE_PIN_PATHS_MAX = 256;
/** The request frame: paths (at most a few KiB each) and the chunk indexes above. */
export const CACHE_REQUEST_FRAME_BYTES_MAX = 2 * 1024 * 1024;
/** A response or a control frame: codes and one sentence (messages are cut at 512 characters). */
export const CACHE_CONTROL_FRAME_BYTES_MAX = 4 * 1024;
/** The raw bytes one DATA frame announces at most (the server sends pieces as they come, cut to this). */
export const CACHE_DATA_FRAME_BYTES_MAX = 1024 * 1024;
/** Concurrent inbound cache streams per connection (a reader keeps a few pieces in flight, `cache load` a few chunks). */
export const CACHE_INBOUND_STREAMS_MAX = 64;
/**
 * From opening a stream to the response: the peer stats the file (which may consult the
 * under-storage, mrpc's sync) and reads the mounts; generous for a slow bucket.
 */
export const CACHE_SETUP_TIMEOUT_MS = 30_000;
/**
 * A reader waiting this long for the next frame gives up. A reader that waits for another
 * reader's fill of the same chunk gets no byte until that fill is done: 64 MiB from a slow
 * bucket (a few MB/s) fits.
 */
export const CACHE_IDLE_TIMEOUT_MS = 120_000;
/**
 * A load waiting this long for its next chunk gives up: a peer fills a few chunks at once for
 * every request it has, so a chunk of a large load may wait behind many others' fills from a
 * slow bucket (64 MiB at a few MB/s is tens of seconds each).
 */
export const CACHE_LOAD_IDLE_TIMEOUT_MS = 600_000;
/** A server whose reader takes nothing for this long abandons the stream (the fill goes on). */
export const CACHE_SEND_STALL_TIMEOUT_MS = 60_000;

/** The first frame's codec, its repeated fields bounded as the server decodes them. */
export const CACHE_REQUEST_CODEC = {
  encode: (request: CacheRequest): Uint8Array => CacheRequest.encode(request),
  decode: (data: Uint8Array | Uint8ArrayList): CacheRequest => CacheRequest.decode(data, { limits: { load: { chunkIndexes: CACHE_LOAD_CHUNKS_MAX }, pin: { paths: CACHE_PIN_PATHS_MAX } } }),
};
