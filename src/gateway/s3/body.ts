// A request's body as the gateway writes it: aws-chunked decoded (chunk signatures checked as
// they arrive), bounded, every digest computed once while it streams, and verified at the end
// (Content-MD5, x-amz-checksum-* from a header or a trailer, the signed SHA-256) BEFORE the
// caller makes anything visible. Memory stays one piece of the body at a time.
import { collectAfterBodyBytes } from "../body-collection.ts";
import { awsChunkedOptions, decodeAwsChunked } from "./aws-chunked.ts";
import { BodyDigests, digestsFor, expectedChecksums, verifyDigests, type ExpectedChecksums, type VerifiedChecksum } from "./checksums.ts";
import { S3Error } from "./errors.ts";
import type { PayloadMode } from "./sigv4.ts";

/** S3's largest object. */
export const OBJECT_BYTES_MAX = 5 * 1024 ** 4;
/** S3's largest single PUT and largest part. */
export const PUT_BYTES_MAX = 5 * 1024 ** 3;
/**
 * Bodies up to this size are read whole, into one array of their declared length, before
 * anything is written: the attributes then go with the create (a Raft command fewer), and the
 * file writer slices the array instead of growing a chunk buffer piece by piece. No more memory
 * than streaming: the writer holds a whole chunk (up to 64 MiB) of a streamed body anyway. It
 * covers the usual part sizes (5–16 MiB).
 */
export const SMALL_BODY_BYTES_MAX = 16 * 1024 * 1024;

/**
 * Chunks a streamed body keeps in flight (the file system client's default is 4): each is a
 * buffer of up to the chunk size (64 MiB), and a gateway serves many PUTs at once. A 1 GiB
 * PutObject measured 0.93× `fs put` with 1, 0.96× with 2 and 0.97× with 4, at a peak RSS of
 * 554, 593 and 679 MiB (docs/s3.md, "Memory").
 */
export const STREAM_CHUNKS_IN_FLIGHT = 2;

export interface RequestBody {
  /** The object's bytes; a failure (a bad chunk signature, a short body, a bound) is an S3Error thrown from the iteration. */
  data: AsyncIterable<Uint8Array>;
  /** The declared length of the object's bytes (x-amz-decoded-content-length for aws-chunked). */
  declaredBytes: number;
  digests: BodyDigests;
  /** After `data` ended: checks every digest the request announced; answers the checksum to keep. Throws S3Error. */
  verify(): Promise<VerifiedChecksum | undefined>;
  /** Object bytes read so far. */
  readonly receivedBytes: number;
}

const EMPTY_BODY: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

/** The body of a PUT or UploadPart; `maxBytes` is PUT_BYTES_MAX for both. */
export function requestBody(request: Request, payload: PayloadMode, maxBytes: number): RequestBody {
  const headers = request.headers;
  const contentLength = parseLength(headers.get("content-length"), "Content-Length");
  const chunked = awsChunkedOptions(headers, payload);
  if (contentLength === undefined && !chunked && request.body !== null && headers.get("transfer-encoding") !== null) {
    throw new S3Error("MissingContentLength", 411, "You must provide the Content-Length HTTP header.");
  }
  const declaredBytes = chunked?.decodedLengthBytes ?? contentLength ?? 0;
  if (declaredBytes > maxBytes) throw new S3Error("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size.");
  const expected: ExpectedChecksums = expectedChecksums(headers);
  const digests = digestsFor(expected, { sha256: payload.kind === "sha256" });
  const raw: AsyncIterable<Uint8Array> = request.body ?? EMPTY_BODY;
  let trailers: Promise<Headers> | undefined;
  let source = raw;
  if (chunked) {
    const decoded = decodeAwsChunked(raw, chunked);
    source = decoded.data;
    trailers = decoded.trailers;
    // Read only after the data: a body that failed leaves the promise rejected and unread.
    trailers.catch(() => undefined);
  }
  const state = { receivedBytes: 0 };
  async function* data(): AsyncGenerator<Uint8Array> {
    for await (const piece of source) {
      state.receivedBytes += piece.length;
      if (state.receivedBytes > declaredBytes) throw S3Error.incompleteBody("The body is longer than its declared length.");
      digests.update(piece);
      collectAfterBodyBytes(piece.length, COLLECT_EVERY_BODY_BYTES);
      yield piece;
    }
    if (state.receivedBytes !== declaredBytes) throw S3Error.incompleteBody();
  }
  return {
    data: data(),
    declaredBytes,
    digests,
    get receivedBytes() {
      return state.receivedBytes;
    },
    async verify() {
      const trailerHeaders = trailers ? await trailers : undefined;
      return verifyDigests(digests, expected, {
        ...(payload.kind === "sha256" ? { contentSha256Hex: payload.hex } : {}),
        ...(trailerHeaders ? { trailers: trailerHeaders } : {}),
      });
    },
  };
}

/** Reads a body of a known length into one array of that length (`data` checks the length). */
export async function readExactly(data: AsyncIterable<Uint8Array>, lengthBytes: number): Promise<Uint8Array> {
  const out = Buffer.allocUnsafe(lengthBytes);
  let at = 0;
  for await (const piece of data) {
    if (at + piece.length > lengthBytes) throw S3Error.incompleteBody("The body is longer than its declared length.");
    out.set(piece, at);
    at += piece.length;
  }
  if (at !== lengthBytes) throw S3Error.incompleteBody();
  return out;
}

/**
 * A full garbage collection after every this many bytes of request bodies. A body's bytes are
 * copied a few times on their way to the chunk servers (the chunk buffer, the encrypted
 * records), and those buffers are freed only when JSC collects, which it does by heap
 * pressure: a 1 GiB Upload in 8 MiB parts, 4 at a time, grew the gateway's RSS by 268 to
 * 311 MiB (peers' allocator settings, MIMALLOC_PURGE_DELAY=-1) with garbage piling up
 * between collections. Collecting every 32 MiB kept the growth at 180 MiB for about 0.8 s
 * of CPU per GiB (every 64 MiB: 217 MiB, 0.4 s). docs/s3.md, "Memory".
 */
export const COLLECT_EVERY_BODY_BYTES = 32 * 1024 * 1024;

/** Reads a whole body (at most `maxBytes`) into one array. */
export async function readAll(data: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let length = 0;
  for await (const piece of data) {
    length += piece.length;
    if (length > maxBytes) throw new S3Error("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size.");
    pieces.push(piece);
  }
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length);
}

function parseLength(text: string | null, header: string): number | undefined {
  if (text === null) return undefined;
  if (!/^\d{1,16}$/.test(text.trim())) throw S3Error.invalidArgument(`${header} is not a length.`);
  return Number(text.trim());
}
