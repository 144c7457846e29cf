// A request body as the gateway writes it (src/gateway/s3/body.ts): the declared length bound
// before anything is read, a body shorter or longer than declared refused, every announced
// digest checked at the end (and only there), aws-chunked decoded with its trailing checksum.
import { describe, it, expect } from "vitest";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { readAll, requestBody } from "../../../src/gateway/s3/body.ts";
import { S3Error } from "../../../src/gateway/s3/errors.ts";

function request(body: Uint8Array | ReadableStream<Uint8Array>, headers: Record<string, string>): Request {
  return new Request("http://gateway/b/k", { method: "PUT", body, headers, duplex: "half" } as RequestInit);
}

function streamOf(...pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3Error) return err.code;
    throw err;
  }
  return "ok";
}

const hello = new TextEncoder().encode("hello world");
const crc32Base64 = (bytes: Uint8Array) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(bytes));
  return out.toString("base64");
};

describe("requestBody", () => {
  it("passes the bytes through and verifies Content-MD5 and a CRC32 header", async () => {
    const body = requestBody(request(hello, { "content-length": String(hello.length), "content-md5": createHash("md5").update(hello).digest("base64"), "x-amz-checksum-crc32": crc32Base64(hello) }), { kind: "unsigned" }, 1024);
    expect(Buffer.from(await readAll(body.data, 1024)).toString()).toBe("hello world");
    expect(await body.verify()).toEqual({ algorithm: "CRC32", value: crc32Base64(hello) });
    expect(body.digests.md5Hex()).toBe(createHash("md5").update(hello).digest("hex"));
  });

  it("refuses a bad Content-MD5, a wrong checksum and a wrong signed hash only at the end", async () => {
    const md5 = requestBody(request(hello, { "content-length": String(hello.length), "content-md5": createHash("md5").update("other").digest("base64") }), { kind: "unsigned" }, 1024);
    await readAll(md5.data, 1024);
    expect(await codeOf(md5.verify())).toBe("BadDigest");
    const crc = requestBody(request(hello, { "content-length": String(hello.length), "x-amz-checksum-crc32": "AAAAAA==" }), { kind: "unsigned" }, 1024);
    await readAll(crc.data, 1024);
    expect(await codeOf(crc.verify())).toBe("BadDigest");
    const signed = requestBody(request(hello, { "content-length": String(hello.length) }), { kind: "sha256", hex: "0".repeat(64) }, 1024);
    await readAll(signed.data, 1024);
    expect(await codeOf(signed.verify())).toBe("XAmzContentSHA256Mismatch");
  });

  it("refuses a declared length over the bound before reading, and a body shorter than declared", async () => {
    expect(() => requestBody(request(hello, { "content-length": "2048" }), { kind: "unsigned" }, 1024)).toThrow(S3Error);
    const short = requestBody(request(streamOf(hello), { "content-length": "20" }), { kind: "unsigned" }, 1024);
    expect(await codeOf(readAll(short.data, 1024))).toBe("IncompleteBody");
  });

  it("decodes an aws-chunked body with a trailing checksum, and refuses a wrong one", async () => {
    const framed = (trailer: string) => new TextEncoder().encode(`5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:${trailer}\r\n\r\n`);
    const headers = (bytes: Uint8Array) => ({ "content-length": String(bytes.length), "x-amz-decoded-content-length": String(hello.length), "content-encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32" });
    const good = framed(crc32Base64(hello));
    const body = requestBody(request(good, headers(good)), { kind: "streaming-unsigned-trailer" }, 1024);
    expect(Buffer.from(await readAll(body.data, 1024)).toString()).toBe("hello world");
    expect((await body.verify())?.value).toBe(crc32Base64(hello));
    const bad = framed("AAAAAA==");
    const wrong = requestBody(request(bad, headers(bad)), { kind: "streaming-unsigned-trailer" }, 1024);
    await readAll(wrong.data, 1024);
    expect(await codeOf(wrong.verify())).toBe("BadDigest");
    const truncated = good.subarray(0, 12);
    const cut = requestBody(request(truncated, headers(good)), { kind: "streaming-unsigned-trailer" }, 1024);
    expect(await codeOf(readAll(cut.data, 1024))).toBe("IncompleteBody");
  });
});
