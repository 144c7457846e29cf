// A tiny HTTP server that records the requests a real client sends (the AWS SDK, fetch of a
// presigned URL), so the protocol layer is tested against what clients really put on the wire;
// and the S3 error code a function of the protocol layer throws.
import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import { S3Error } from "../../../src/gateway/s3/errors.ts";

export interface CapturedRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Headers;
  body: Uint8Array;
  receivedMs: number;
}

export interface Capture {
  endpoint: string;
  requests: CapturedRequest[];
  /** The one request captured since the last take(). */
  take(): CapturedRequest;
  stop(): Promise<void>;
}

// The SDK parses each operation's response: these are the smallest bodies it accepts.
function responseFor(method: string, rawQuery: string): Response {
  if (method === "GET" && rawQuery.includes("list-type=2")) {
    return new Response('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>', {
      headers: { "content-type": "application/xml" },
    });
  }
  if (method === "POST" && rawQuery.includes("delete")) {
    return new Response('<?xml version="1.0" encoding="UTF-8"?><DeleteResult></DeleteResult>', { headers: { "content-type": "application/xml" } });
  }
  return new Response(method === "GET" ? "hello" : "", { headers: { etag: '"5d41402abc4b2a76b9719d911017c592"' } });
}

export function startCapture(): Capture {
  const requests: CapturedRequest[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = request.url;
      // The raw target as sent: Request.url is normalised by the URL parser, which keeps %-escapes.
      const afterHost = url.slice(url.indexOf("/", url.indexOf("//") + 2));
      const q = afterHost.indexOf("?");
      const body = new Uint8Array(await request.arrayBuffer());
      requests.push({
        method: request.method,
        rawPath: q < 0 ? afterHost : afterHost.slice(0, q),
        rawQuery: q < 0 ? "" : afterHost.slice(q + 1),
        headers: new Headers(request.headers),
        body,
        receivedMs: Date.now(),
      });
      return responseFor(request.method, q < 0 ? "" : afterHost.slice(q + 1));
    },
  });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    requests,
    take() {
      const request = requests.shift();
      if (request === undefined || requests.length !== 0) throw new Error(`expected one captured request, got ${request === undefined ? 0 : requests.length + 1}`);
      return request;
    },
    stop: () => server.stop(true),
  };
}

export const TEST_KEY = { accessKeyId: "AKIDTESSERATEST", secret: "tessera/secret+key=abc", name: "test", buckets: [], readOnly: false };

export function sdkClient(endpoint: string, secret = TEST_KEY.secret): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: TEST_KEY.accessKeyId, secretAccessKey: secret },
    maxAttempts: 1,
  });
}

export async function* bodyStream(bytes: Uint8Array, pieceBytes: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) yield bytes.subarray(offset, offset + pieceBytes);
}

export async function collect(data: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of data) pieces.push(piece);
  return Buffer.concat(pieces);
}

/** The S3 error code `fn` throws ("none" when it returns); anything but an S3Error fails the test. */
export function s3ErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(S3Error);
    return (err as S3Error).code;
  }
  return "none";
}
