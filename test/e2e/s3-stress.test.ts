// The S3 gateway under weight and breakage (issue 14): a 1 GiB multipart Upload with bounded
// gateway memory read back by ranged GETs; kill -9 of the gateway in the middle of a 200 MiB
// PUT leaves the old object whole and nothing partial; 8 overwriters of one key never let a
// reader see a mix of versions; a 100 KiB header is refused; 10,000 idle connections do not
// stop a real client's work.
// Real peers of the compiled binary, `tessera gateway s3` as its own process, and the AWS SDK
// at its defaults (CRC32 checksums on).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { Socket } from "bun";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { ensureBinary, PeerProcesses, rssBytes, runCli } from "../support/processes.ts";
import { startJobCluster } from "../support/job-cluster.ts";
import { createKey, s3Client, startGateway, type AccessKeyPair, type StartedGateway } from "../support/s3.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";
import { pattern as patternBytes } from "../support/bytes.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let env: Record<string, string>;
let key: AccessKeyPair;
let gateway: StartedGateway;
let s3: S3Client;
const gateways: StartedGateway[] = [];

beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("s3-stress");
  ({ env } = await startJobCluster(processes, root.path, "s3s", 3));
  key = await createKey(env, ["--name", "stress"]);
  gateway = await startGateway(env);
  gateways.push(gateway);
  s3 = s3Client(gateway.endpoint, key);
  await s3.send(new CreateBucketCommand({ Bucket: "stress" }));
});
afterAll(async () => {
  s3?.destroy();
  for (const started of gateways) started.process.kill("SIGKILL");
  await processes.stopAll();
  root.remove();
});

/** A stream of `sizeBytes` made of 1 MiB pieces of a repeatable pattern, hashed as it is read. */
function patternStream(sizeBytes: number, seed: number, onRead?: (readBytes: number) => void): { stream: Readable; sha256(): string } {
  const hash = createHash("sha256");
  let readBytes = 0;
  async function* pieces() {
    for (let offset = 0, piece = 0; offset < sizeBytes; offset += MiB, piece++) {
      const bytes = patternBytes(Math.min(MiB, sizeBytes - offset), seed * 1_000_003 + piece);
      hash.update(bytes);
      readBytes += bytes.byteLength;
      onRead?.(readBytes);
      yield bytes;
    }
  }
  return { stream: Readable.from(pieces(), { objectMode: false }), sha256: () => hash.digest("hex") };
}


/** A seeded sequence in [0, 1): the same ranges every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function bodyBytes(client: S3Client, bucket: string, objectKey: string, range?: string): Promise<Uint8Array> {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey, Range: range }));
  return answer.Body!.transformToByteArray();
}

/** Sends `request` as it is on a new connection and answers the first bytes of the reply. */
async function rawRequest(port: number, request: string): Promise<string> {
  let reply = "";
  const { promise, resolve } = Promise.withResolvers<string>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, bytes) {
        reply += new TextDecoder().decode(bytes);
        if (reply.includes("\r\n")) resolve(reply);
      },
      close() {
        resolve(reply);
      },
      error() {
        resolve(reply);
      },
    },
  });
  socket.write(request);
  const answer = await waitFor("the reply", () => promise, { timeoutMs: 10_000 });
  socket.end();
  return answer;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("S3 gateway under weight and breakage", () => {
  it("a 1 GiB Upload in 8 MiB parts, 4 at a time, reads back by ranged GETs with the same sha256, the gateway's RSS growing under 256 MiB", async () => {
    const sizeBytes = GiB;
    const source = patternStream(sizeBytes, 1);
    const rssBeforeBytes = rssBytes(gateway.process.pid);
    let rssPeakBytes = rssBeforeBytes;
    const poll = setInterval(() => (rssPeakBytes = Math.max(rssPeakBytes, rssBytes(gateway.process.pid))), 20);
    try {
      await new Upload({ client: s3, params: { Bucket: "stress", Key: "big/one-gib.bin", Body: source.stream }, partSize: 8 * MiB, queueSize: 4 }).done();
    } finally {
      clearInterval(poll);
    }
    const written = source.sha256();
    expect(rssPeakBytes - rssBeforeBytes).toBeLessThan(256 * MiB);

    const head = await s3.send(new HeadObjectCommand({ Bucket: "stress", Key: "big/one-gib.bin" }));
    expect(head.ContentLength).toBe(sizeBytes);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-128"$/);

    // Ranges of random lengths at random offsets, fetched in order so their hash is the whole's.
    const random = seeded(14);
    const readBack = createHash("sha256");
    for (let offset = 0; offset < sizeBytes; ) {
      const lengthBytes = Math.min(sizeBytes - offset, 1 + Math.floor(random() * 96 * MiB));
      const bytes = await bodyBytes(s3, "stress", "big/one-gib.bin", `bytes=${offset}-${offset + lengthBytes - 1}`);
      expect(bytes.byteLength).toBe(lengthBytes);
      readBack.update(bytes);
      offset += lengthBytes;
    }
    expect(readBack.digest("hex")).toBe(written);
  }, 300_000);

  it("kill -9 of the gateway in the middle of a 200 MiB PUT leaves the old object whole and no partial object anywhere", async () => {
    const old = patternBytes(100_000, 77);
    await s3.send(new PutObjectCommand({ Bucket: "stress", Key: "atomic/object", Body: old }));

    const doomed = await startGateway(env);
    gateways.push(doomed);
    const doomedClient = s3Client(doomed.endpoint, key);
    let killed = false;
    const source = patternStream(200 * MiB, 2, (readBytes) => {
      if (!killed && readBytes >= 64 * MiB) {
        killed = true;
        doomed.process.kill("SIGKILL");
      }
    });
    const put = doomedClient.send(new PutObjectCommand({ Bucket: "stress", Key: "atomic/object", Body: source.stream, ContentLength: 200 * MiB }));
    await expect(put).rejects.toThrow();
    doomedClient.destroy();
    expect(killed).toBe(true);
    await doomed.process.exited;

    // The surviving gateway and the file system both see the old object, whole, and nothing else.
    const head = await s3.send(new HeadObjectCommand({ Bucket: "stress", Key: "atomic/object" }));
    expect(head.ContentLength).toBe(old.byteLength);
    expect(sha256(await bodyBytes(s3, "stress", "atomic/object"))).toBe(sha256(old));
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: "stress", Prefix: "atomic/" }));
    expect(listing.Contents?.map((entry) => [entry.Key, entry.Size])).toEqual([["atomic/object", old.byteLength]]);
    const ls = await runCli(["fs", "ls", "--json", "/stress/atomic"], env);
    expect(ls.code).toBe(0);
    expect((JSON.parse(ls.stdout) as Array<{ path: string; size: number }>).map((entry) => [entry.path, entry.size])).toEqual([["/stress/atomic/object", old.byteLength]]);
  }, 120_000);

  it("8 concurrent overwriters of one key and a looping reader: every read is one complete version", async () => {
    const writers = 8;
    const rounds = 4;
    const versions = new Map<string, string>();
    const bodyOf = (writer: number, round: number) => patternBytes(64 * 1024 + ((writer * 7 + round * 13) % 11) * 200_000, 1_000 + writer * 100 + round);
    for (let writer = 0; writer < writers; writer++) for (let round = 0; round < rounds; round++) versions.set(sha256(bodyOf(writer, round)), `${writer}/${round}`);
    await s3.send(new PutObjectCommand({ Bucket: "stress", Key: "hot", Body: bodyOf(0, 0) }));

    let writing = true;
    const seen = new Set<string>();
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const answer = await s3.send(new GetObjectCommand({ Bucket: "stress", Key: "hot" }));
        const bytes = await answer.Body!.transformToByteArray();
        const hash = sha256(bytes);
        expect(versions.has(hash)).toBe(true);
        // The ETag came with the same version's bytes.
        expect(answer.ETag).toBe(`"${createHash("md5").update(bytes).digest("hex")}"`);
        seen.add(hash);
        reads++;
      }
    })();
    const clients = Array.from({ length: writers }, () => s3Client(gateway.endpoint, key, 2));
    try {
      await Promise.all(
        clients.map(async (client, writer) => {
          for (let round = 0; round < rounds; round++) await client.send(new PutObjectCommand({ Bucket: "stress", Key: "hot", Body: bodyOf(writer, round) }));
        }),
      );
    } finally {
      writing = false;
      await reader;
      for (const client of clients) client.destroy();
    }
    expect(reads).toBeGreaterThan(0);
    const last = sha256(await bodyBytes(s3, "stress", "hot"));
    expect(versions.get(last)).toMatch(new RegExp(`/${rounds - 1}$`));
  }, 120_000);

  it("a request with a 100 KiB header is refused (431) before it reaches S3, and nothing is written", async () => {
    const answer = await rawRequest(gateway.port, `PUT /stress/huge-header HTTP/1.1\r\nHost: 127.0.0.1:${gateway.port}\r\nContent-Length: 1\r\nx-amz-meta-big: ${"a".repeat(100 * 1024)}\r\n\r\nx`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: "stress", Prefix: "huge-header" }));
    expect(listing.KeyCount).toBe(0);
  });

  it("10,000 idle connections held for 30 s do not stop a real client's PUTs and GETs", async () => {
    const sockets: Socket[] = [];
    const closed = { count: 0 };
    for (let opened = 0; opened < 10_000; opened += 500) {
      const batch = await Promise.all(
        Array.from({ length: 500 }, () =>
          Bun.connect({ hostname: "127.0.0.1", port: gateway.port, socket: { data() {}, close() { closed.count++; }, error() {} } }),
        ),
      );
      sockets.push(...batch);
    }
    expect(sockets).toHaveLength(10_000);
    const holdUntilMs = performance.now() + 30_000;
    let operations = 0;
    let slowestMs = 0;
    try {
      for (let i = 0; performance.now() < holdUntilMs; i++) {
        const started = performance.now();
        const body = patternBytes(4096 + (i % 5) * 1000, 500 + i);
        await s3.send(new PutObjectCommand({ Bucket: "stress", Key: `busy/${i % 20}`, Body: body }));
        expect(sha256(await bodyBytes(s3, "stress", `busy/${i % 20}`))).toBe(sha256(body));
        slowestMs = Math.max(slowestMs, performance.now() - started);
        operations++;
      }
    } finally {
      for (const socket of sockets) socket.end();
    }
    expect(operations).toBeGreaterThan(20);
    expect(slowestMs).toBeLessThan(10_000);
    // The gateway still answers, and the peers' count of live members did not change.
    await waitFor("the idle sockets to close", () => closed.count === 10_000, { timeoutMs: 30_000, intervalMs: 100 });
    expect((await s3.send(new HeadObjectCommand({ Bucket: "stress", Key: "busy/0" }))).ContentLength).toBeGreaterThan(0);
  }, 120_000);
});
