// The client's side of /tessera/cache/1 (issue 16, docs/cache.md; the server is
// src/cache/cache-service.ts): a chunk of a mounted file read through a peer's cache service,
// chunks loaded into a peer's tiers with no bytes back, copies pinned where they are. A client
// inside a peer calls its own peer's service directly (libp2p does not dial itself); both are a
// CacheEndpoint. Which peer fills a chunk is fillPeerOrder's choice: the highest rendezvous
// hash of (chunk id, peer id), so every reader of one chunk asks the same peer and that peer's
// single flight makes one fetch.
import { peerIdFromString } from "@libp2p/peer-id";
import type { Stream } from "@libp2p/interface";
import type { TesseraHost } from "../net/host.ts";
import { closeStream, DataProtocolError, DataTimeoutError, encodeFrame, FrameReader } from "../net/frames.ts";
import { CACHE_PROTOCOL } from "../protocol/ids.ts";
import {
  CACHE_CONTROL_FRAME_BYTES_MAX,
  CACHE_DATA_FRAME_BYTES_MAX,
  CACHE_IDLE_TIMEOUT_MS,
  CACHE_LOAD_IDLE_TIMEOUT_MS,
  CACHE_REQUEST_CODEC,
  CACHE_SETUP_TIMEOUT_MS,
  CacheFrame,
  CacheResponse,
  type CacheRequest,
} from "../protocol/cache.ts";
import type { CacheLoad, CachePin, CacheRead } from "../protocol/pb/cache.ts";
import { errorCodeOf, WireError, type ErrorCode } from "../protocol/errors.ts";

export type { CacheLoad, CachePin, CacheRead };

/** A cache request refused or broken off, with the wire's code (CHUNK_STALE: the file changed in the under-storage). */
export class CacheError extends WireError {
  override name = "CacheError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A read through the cache in progress: resolves once the peer agreed, then yields the range's bytes. */
export interface CacheReadStream extends AsyncIterable<Uint8Array> {
  /** The bytes this read yields: the range asked for, cut at the chunk's end. */
  readonly lengthBytes: number;
  /** Served from a copy the peer held (no fetch). */
  readonly cached: boolean;
  /** Gives up on the read (also done when iteration stops early). */
  cancel(): void;
}

/** One chunk of a load, done. */
export interface CacheLoadResult {
  chunkIndex: number;
  sizeBytes: number;
  /** This peer fetched it now (false: it was cached already). */
  fetched: boolean;
  /** Set when the chunk could not be loaded. */
  error?: { code: ErrorCode; message: string };
}

/** A peer's cache service, over the wire or called in-process. */
export interface CacheEndpoint {
  read(request: CacheRead, user: string): Promise<CacheReadStream>;
  /** Resolves once every chunk is done; `onChunk` hears of each as it is. */
  load(request: CacheLoad, user: string, onChunk: (result: CacheLoadResult) => void): Promise<void>;
  /** Copies whose pin changed on that peer. */
  pin(request: CachePin): Promise<number>;
}

// --- choosing the fill peer (pure) ---------------------------------------------------------------

/** FNV-1a over the text's UTF-16 units, then murmur3's finalizer: a stable 32-bit hash with good spread. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The peers in the order they fill `chunkId`: highest rendezvous hash of (chunk id, peer id)
 * first, ties by peer id. Every client computes the same order from the same peers, and a
 * peer joining or leaving moves only the chunks it wins or held (pure).
 */
export function fillPeerOrder(chunkId: string, peers: readonly string[]): string[] {
  const scored = [...new Set(peers)].map((peer) => ({ peer, score: hash32(`${chunkId}/${peer}`) }));
  scored.sort((a, b) => b.score - a.score || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
  return scored.map((entry) => entry.peer);
}

// --- the wire -------------------------------------------------------------------------------------

function transportError(err: unknown, peer: string): CacheError {
  if (err instanceof CacheError) return err;
  if (err instanceof DataTimeoutError) return new CacheError("TIMEOUT", `the cache service of ${peer} did not answer in time: ${err.message}`);
  if (err instanceof DataProtocolError) return new CacheError("PROTOCOL", `the cache service of ${peer} broke the protocol: ${err.message}`);
  return new CacheError("PEER_FAILED", `the cache service of ${peer} went away: ${(err as Error)?.message ?? String(err)}`);
}

/** Opens a stream, sends the request, reads the response; the caller owns `reader` and `stream` after. */
async function open(host: TesseraHost, peer: string, request: CacheRequest): Promise<{ stream: Stream; reader: FrameReader; response: CacheResponse }> {
  let stream: Stream;
  try {
    stream = await host.dialProtocol(peerIdFromString(peer), CACHE_PROTOCOL, { signal: AbortSignal.timeout(CACHE_SETUP_TIMEOUT_MS) });
  } catch (err) {
    throw new CacheError("PEER_UNREACHABLE", `could not reach the cache service of ${peer}: ${(err as Error).message}`);
  }
  const reader = new FrameReader(stream);
  try {
    stream.send(encodeFrame(CACHE_REQUEST_CODEC, request));
    const response = await reader.readFrame(CacheResponse, CACHE_CONTROL_FRAME_BYTES_MAX, CACHE_SETUP_TIMEOUT_MS);
    if (response.errorCode !== "") throw new CacheError(errorCodeOf(response.errorCode), response.errorMessage);
    return { stream, reader, response };
  } catch (err) {
    reader.dispose();
    stream.abort(err instanceof Error ? err : new Error(String(err)));
    throw transportError(err, peer);
  }
}

const STREAM_CLOSE_TIMEOUT_MS = 5_000;

/** The cache service of `peer`, over /tessera/cache/1. */
export function remoteCacheEndpoint(host: TesseraHost, peer: string): CacheEndpoint {
  return {
    async read(request, user) {
      const { stream, reader, response } = await open(host, peer, { read: request, user });
      let cancelled = false;
      let finished = false;
      const cancel = (): void => {
        if (cancelled || finished) return;
        cancelled = true;
        reader.dispose();
        stream.abort(new Error("read cancelled"));
      };
      async function* bytes(): AsyncGenerator<Uint8Array> {
        let got = 0;
        try {
          for (;;) {
            const frame = await reader.readFrame(CacheFrame, CACHE_CONTROL_FRAME_BYTES_MAX, CACHE_IDLE_TIMEOUT_MS);
            if (frame.kind === CacheFrame.Kind.DATA) {
              if (frame.sizeBytes > CACHE_DATA_FRAME_BYTES_MAX || got + frame.sizeBytes > response.lengthBytes) throw new DataProtocolError(`a DATA frame of ${frame.sizeBytes} bytes after ${got} of ${response.lengthBytes}`);
              const data = await reader.readList(frame.sizeBytes, CACHE_IDLE_TIMEOUT_MS);
              got += frame.sizeBytes;
              for (const part of data) yield part;
              continue;
            }
            if (frame.kind === CacheFrame.Kind.END) {
              if (got !== response.lengthBytes) throw new DataProtocolError(`the read ended after ${got} of ${response.lengthBytes} bytes`);
              finished = true;
              reader.dispose();
              await closeStream(stream, STREAM_CLOSE_TIMEOUT_MS);
              return;
            }
            if (frame.kind === CacheFrame.Kind.ERROR) throw new CacheError(errorCodeOf(frame.errorCode), frame.errorMessage);
            throw new DataProtocolError(`a frame of kind ${frame.kind} in a read`);
          }
        } catch (err) {
          if (cancelled) throw new CacheError("PEER_FAILED", "read cancelled");
          throw transportError(err, peer);
        } finally {
          if (!finished) cancel();
        }
      }
      const iterable = bytes();
      return { lengthBytes: response.lengthBytes, cached: response.cached, cancel, [Symbol.asyncIterator]: () => iterable };
    },

    async load(request, user, onChunk) {
      const { stream, reader } = await open(host, peer, { load: request, user });
      const pending = new Set(request.chunkIndexes);
      let finished = false;
      try {
        for (;;) {
          const frame = await reader.readFrame(CacheFrame, CACHE_CONTROL_FRAME_BYTES_MAX, CACHE_LOAD_IDLE_TIMEOUT_MS);
          if (frame.kind === CacheFrame.Kind.LOADED) {
            if (!pending.delete(frame.chunkIndex)) throw new DataProtocolError(`a load answered chunk ${frame.chunkIndex}, which it was not asked for or answered twice`);
            onChunk({ chunkIndex: frame.chunkIndex, sizeBytes: frame.sizeBytes, fetched: frame.fetched, ...(frame.errorCode ? { error: { code: errorCodeOf(frame.errorCode), message: frame.errorMessage } } : {}) });
            continue;
          }
          if (frame.kind === CacheFrame.Kind.END) {
            if (pending.size > 0) throw new DataProtocolError(`a load ended with ${pending.size} chunks unanswered`);
            finished = true;
            reader.dispose();
            await closeStream(stream, STREAM_CLOSE_TIMEOUT_MS);
            return;
          }
          if (frame.kind === CacheFrame.Kind.ERROR) throw new CacheError(errorCodeOf(frame.errorCode), frame.errorMessage);
          throw new DataProtocolError(`a frame of kind ${frame.kind} in a load`);
        }
      } catch (err) {
        throw transportError(err, peer);
      } finally {
        if (!finished) {
          reader.dispose();
          stream.abort(new Error("load failed"));
        }
      }
    },

    async pin(request) {
      const { stream, reader, response } = await open(host, peer, { pin: request, user: "" });
      reader.dispose();
      await closeStream(stream, STREAM_CLOSE_TIMEOUT_MS);
      return response.pinnedCopies;
    },
  };
}
