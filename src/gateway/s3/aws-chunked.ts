// aws-chunked bodies (Content-Encoding: aws-chunked), decoded as they stream:
//
//   signed:    <hex size>;chunk-signature=<sig>\r\n <data> \r\n ... 0;chunk-signature=<sig>\r\n
//              then \r\n, or trailing headers and x-amz-trailer-signature:<sig>\r\n then \r\n
//   unsigned:  <hex size>\r\n <data> \r\n ... 0\r\n then trailing headers, then \r\n
//
// References: S3 API, "Transferring Payload in Multiple Chunks" and "Including Trailing
// Headers"; what @smithy/core's getAwsChunkedEncodingStream writes for the SDK's unsigned form.
//
// Data is passed on as it arrives, before its chunk's signature (which follows the data) is
// checked: the caller must treat the body as pending until the iterator finishes, exactly as
// it does for the checksums, and publish nothing when it throws.
import { createHash, type Hash } from "node:crypto";
import { S3Error } from "./errors.ts";
import { chunkSignature, hexEqual, type ChunkSigningContext, type PayloadMode, trailerSignature } from "./sigv4.ts";

/** A chunk header line ("<hex>;chunk-signature=<64 hex>" is 81 bytes); extensions beyond are refused. */
export const CHUNK_HEADER_BYTES_MAX = 4096;
/**
 * One chunk's data. Data is streamed through, never held, so this bounds arithmetic and
 * nonsense only: an SDK sends its source stream's pieces as chunks (one whole buffer for
 * `Readable.from(buffer)`), so the bound is S3's largest single PUT, 5 GiB.
 */
export const CHUNK_BYTES_MAX = 5 * 1024 ** 3;
/** All trailing header lines together. */
export const TRAILERS_BYTES_MAX = 16 * 1024;
const TRAILERS_COUNT_MAX = 16;
const SIGNATURE_PREFIX = "chunk-signature=";
const TRAILER_SIGNATURE = "x-amz-trailer-signature";
const EMPTY = new Uint8Array(0);
const CR = 13;
const LF = 10;

export interface AwsChunkedOptions {
  /** Verify each chunk's chunk-signature (and the trailer's) from this seed. */
  signing?: ChunkSigningContext;
  /** Trailing headers follow the final chunk. */
  trailer: boolean;
  /** x-amz-decoded-content-length: the data must be exactly this long. */
  decodedLengthBytes?: number;
}

function malformed(message: string): S3Error {
  return S3Error.invalidRequest(`Malformed aws-chunked body: ${message}`);
}

/** Reads lines and counted bytes from a stream of pieces without copying the data. */
class PieceReader {
  private piece: Uint8Array = EMPTY;
  private offset = 0;
  private ended = false;
  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Ensures unread bytes are at hand; false at the end of the stream. */
  async fill(): Promise<boolean> {
    while (this.offset >= this.piece.length) {
      if (this.ended) return false;
      const next = await this.source.next();
      if (next.done === true) {
        this.ended = true;
        return false;
      }
      this.piece = next.value;
      this.offset = 0;
    }
    return true;
  }

  /** One line without its CRLF; at most maxBytes before the CRLF. */
  async line(maxBytes: number, what: string): Promise<string> {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      if (!(await this.fill())) throw S3Error.incompleteBody(`The aws-chunked body ended inside a ${what}.`);
      const end = this.piece.indexOf(LF, this.offset);
      const stop = end < 0 ? this.piece.length : end + 1;
      length += stop - this.offset;
      if (length > maxBytes + 2) throw malformed(`a ${what} is longer than ${maxBytes} bytes.`);
      parts.push(this.piece.subarray(this.offset, stop));
      this.offset = stop;
      if (end >= 0) break;
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (bytes.length < 2 || bytes[bytes.length - 2] !== CR) throw malformed(`a ${what} does not end in CRLF.`);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length - 2).toString("latin1");
  }

  /** The next piece of at most `maxBytes` bytes (a view, not a copy). */
  async take(maxBytes: number): Promise<Uint8Array> {
    if (!(await this.fill())) throw S3Error.incompleteBody("The aws-chunked body ended inside a chunk's data.");
    const stop = Math.min(this.piece.length, this.offset + maxBytes);
    const view = this.piece.subarray(this.offset, stop);
    this.offset = stop;
    return view;
  }

  async expectCrlf(): Promise<void> {
    for (const byte of [CR, LF]) {
      if (!(await this.fill())) throw S3Error.incompleteBody("The aws-chunked body ended after a chunk's data.");
      if (this.piece[this.offset] !== byte) throw malformed("a chunk's data is not followed by CRLF (its size is wrong).");
      this.offset++;
    }
  }
}

interface ChunkHeader {
  sizeBytes: number;
  signature: string | undefined;
}

function parseChunkHeader(line: string, signed: boolean): ChunkHeader {
  const semicolon = line.indexOf(";");
  const hex = semicolon < 0 ? line : line.slice(0, semicolon);
  // 5 GiB is 9 hex digits; more than 10 is refused before parsing.
  if (!/^[0-9a-fA-F]{1,10}$/.test(hex)) throw malformed(`a chunk size must be hex digits, got ${JSON.stringify(hex.slice(0, 16))}.`);
  const sizeBytes = Number.parseInt(hex, 16);
  if (sizeBytes > CHUNK_BYTES_MAX) throw malformed(`a chunk is at most ${CHUNK_BYTES_MAX} bytes.`);
  if (!signed) return { sizeBytes, signature: undefined }; // extensions of the unsigned form carry nothing we check
  const extension = semicolon < 0 ? "" : line.slice(semicolon + 1);
  if (!extension.startsWith(SIGNATURE_PREFIX)) throw S3Error.signatureDoesNotMatch("A chunk of the aws-chunked body has no chunk-signature.");
  const signature = extension.slice(SIGNATURE_PREFIX.length);
  if (!/^[0-9a-f]{64}$/.test(signature)) throw S3Error.signatureDoesNotMatch("A chunk-signature must be 64 lower case hex digits.");
  return { sizeBytes, signature };
}

/**
 * Decodes an aws-chunked body. `data` yields the object's bytes; `trailers` resolves to the
 * trailing headers (names lower case) once `data` is finished, and rejects with the same error
 * when it fails. Throws (from `data`) S3Error: IncompleteBody when the body ends early or the
 * data is shorter than x-amz-decoded-content-length, SignatureDoesNotMatch for a bad chunk or
 * trailer signature, InvalidRequest for anything malformed or over its bound.
 */
export function decodeAwsChunked(body: AsyncIterable<Uint8Array>, options: AwsChunkedOptions): { data: AsyncIterable<Uint8Array>; trailers: Promise<Headers> } {
  const trailers = Promise.withResolvers<Headers>();
  // Nobody may be listening to `trailers` when `data` fails: that is not an unhandled rejection.
  trailers.promise.catch(() => {});
  async function* data(): AsyncGenerator<Uint8Array> {
    let settled = false;
    try {
      const result = yield* decode(body, options);
      settled = true;
      trailers.resolve(result);
    } catch (err) {
      settled = true;
      trailers.reject(err);
      throw err;
    } finally {
      // The consumer stopped early (return()): the trailers never came, and nobody may wait forever.
      if (!settled) trailers.reject(S3Error.incompleteBody("The aws-chunked body was not read to its end."));
    }
  }
  return { data: data(), trailers: trailers.promise };
}

async function* decode(body: AsyncIterable<Uint8Array>, options: AwsChunkedOptions): AsyncGenerator<Uint8Array, Headers> {
  const iterator = body[Symbol.asyncIterator]();
  const reader = new PieceReader(iterator);
  const signing = options.signing;
  let previousSignature = signing?.seedSignature ?? "";
  let totalBytes = 0;
  try {
    for (;;) {
      const header = parseChunkHeader(await reader.line(CHUNK_HEADER_BYTES_MAX, "chunk header"), signing !== undefined);
      totalBytes += header.sizeBytes;
      if (options.decodedLengthBytes !== undefined && totalBytes > options.decodedLengthBytes) {
        throw malformed("the chunks hold more bytes than x-amz-decoded-content-length.");
      }
      const hash: Hash | undefined = signing === undefined ? undefined : createHash("sha256");
      let remaining = header.sizeBytes;
      while (remaining > 0) {
        const piece = await reader.take(remaining);
        remaining -= piece.length;
        hash?.update(piece);
        yield piece;
      }
      if (signing !== undefined) {
        const expected = chunkSignature(signing, previousSignature, hash!.digest("hex"));
        if (!hexEqual(expected, header.signature!)) throw S3Error.signatureDoesNotMatch("A chunk-signature of the aws-chunked body does not match.");
        previousSignature = expected;
      }
      if (header.sizeBytes === 0) break;
      await reader.expectCrlf();
    }
    if (options.decodedLengthBytes !== undefined && totalBytes !== options.decodedLengthBytes) {
      throw S3Error.incompleteBody(`The aws-chunked body holds ${totalBytes} bytes; x-amz-decoded-content-length says ${options.decodedLengthBytes}.`);
    }
    const trailers = options.trailer ? await readTrailers(reader, signing, previousSignature) : new Headers();
    if (!options.trailer) {
      const end = await reader.line(0, "final CRLF");
      if (end !== "") throw malformed("the final chunk is not followed by CRLF.");
    }
    if (await reader.fill()) throw malformed("bytes follow the end of the aws-chunked body.");
    return trailers;
  } finally {
    // Stop the source when we stop early (an error, or the consumer gave up).
    await iterator.return?.();
  }
}

async function readTrailers(reader: PieceReader, signing: ChunkSigningContext | undefined, previousSignature: string): Promise<Headers> {
  const trailers = new Headers();
  const lines: [string, string][] = [];
  let signature: string | undefined;
  let bytes = 0;
  for (;;) {
    const line = await reader.line(TRAILERS_BYTES_MAX, "trailing header");
    bytes += line.length + 2;
    if (bytes > TRAILERS_BYTES_MAX) throw malformed(`the trailing headers are longer than ${TRAILERS_BYTES_MAX} bytes.`);
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed("a trailing header is not \"name:value\".");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === TRAILER_SIGNATURE) {
      if (signature !== undefined) throw malformed("x-amz-trailer-signature appears twice.");
      signature = value;
      continue;
    }
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw malformed("a trailing header's name is not a token.");
    // RFC 9110 field values: no control character but HTAB. Headers.append refuses NUL and a
    // bare CR with a TypeError, which reached the client as a 500 (found by test/fuzz).
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw malformed("a trailing header's value holds a control character.");
    if (lines.length >= TRAILERS_COUNT_MAX) throw malformed(`more than ${TRAILERS_COUNT_MAX} trailing headers.`);
    lines.push([name, value]);
    trailers.append(name, value);
  }
  if (signing !== undefined) {
    if (signature === undefined) throw S3Error.signatureDoesNotMatch("The trailing headers of a signed aws-chunked body have no x-amz-trailer-signature.");
    const canonical = [...lines]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([name, value]) => `${name}:${value}\n`)
      .join("");
    if (!hexEqual(trailerSignature(signing, previousSignature, canonical), signature)) {
      throw S3Error.signatureDoesNotMatch("The x-amz-trailer-signature of the aws-chunked body does not match.");
    }
  }
  return trailers;
}

/** S3's largest object, and so the largest x-amz-decoded-content-length taken. */
const DECODED_LENGTH_BYTES_MAX = 5 * 1024 ** 4;

/**
 * How to decode a request's body, from the payload mode its signature declared: undefined
 * when the body is plain; options for decodeAwsChunked when x-amz-content-sha256 names a
 * STREAMING-* mode (S3 decodes those whatever Content-Encoding says). x-amz-decoded-content-length
 * is required then (MissingContentLength 411, as S3), and must be a decimal byte count.
 */
export function awsChunkedOptions(headers: Headers, payload: PayloadMode): AwsChunkedOptions | undefined {
  if (payload.kind !== "streaming-signed" && payload.kind !== "streaming-unsigned-trailer") return undefined;
  const lengthText = headers.get("x-amz-decoded-content-length");
  if (lengthText === null) throw new S3Error("MissingContentLength", 411, "You must provide the Content-Length HTTP header (x-amz-decoded-content-length for an aws-chunked body).");
  if (!/^\d{1,16}$/.test(lengthText.trim()) || Number(lengthText.trim()) > DECODED_LENGTH_BYTES_MAX) {
    throw S3Error.invalidArgument("x-amz-decoded-content-length must be a byte count of at most 5 TiB.");
  }
  const decodedLengthBytes = Number(lengthText.trim());
  if (payload.kind === "streaming-unsigned-trailer") return { trailer: true, decodedLengthBytes };
  return { signing: payload.seed, trailer: payload.trailer, decodedLengthBytes };
}

/**
 * The Content-Encoding to store for an object: the request's without "aws-chunked" (which
 * describes the transfer, not the object, as S3 does), or undefined when nothing is left.
 */
export function storedContentEncoding(header: string | null): string | undefined {
  if (header === null) return undefined;
  const kept = header
    .split(",")
    .map((token) => token.trim())
    .filter((token) => token !== "" && token.toLowerCase() !== "aws-chunked");
  return kept.length === 0 ? undefined : kept.join(", ");
}
