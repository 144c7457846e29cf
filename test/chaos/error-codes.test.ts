// How a client's error is named in a chaos history (test/chaos/history.ts errorCodeOf), found
// while chasing the hot-keys workload's "INTERNAL" answers (issue 18): they were the AWS SDK's
// socket errors at a gateway whose peer was killed (ECONNREFUSED, ECONNRESET), which Bun raises
// as plain Errors with a `code`; the recorder named them INTERNAL, the word for a receiver's
// bug, until it read `code`. A gateway's own failure still reads as its S3 code, and a body
// that is not S3's XML (what a bug in the gateway's error path would send) as INTERNAL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { errorCodeOf } from "./history.ts";

let server: ReturnType<typeof Bun.serve>;
let answer: () => Response = () => new Response(null, { status: 200 });
beforeAll(() => {
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => answer() });
});
afterAll(() => server.stop(true));

function s3(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "a", secretAccessKey: "b" }, maxAttempts: 1 });
}

async function putError(client: S3Client): Promise<unknown> {
  try {
    await client.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }));
  } catch (err) {
    return err;
  } finally {
    client.destroy();
  }
  throw new Error("the PUT succeeded");
}

/** A loopback port nothing listens on (a killed peer's gateway). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

describe("errorCodeOf, S3 clients", () => {
  it("a gateway whose peer is down is ECONNREFUSED, not INTERNAL", async () => {
    expect(errorCodeOf(await putError(s3(`http://127.0.0.1:${await closedPort()}`)))).toBe("ECONNREFUSED");
  });

  it("a gateway's S3 error is its code; a body that is not S3's XML is INTERNAL", async () => {
    answer = () => new Response('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code><Message>m</Message></Error>', { status: 503, headers: { "content-type": "application/xml" } });
    expect(errorCodeOf(await putError(s3(server.url.origin)))).toBe("ServiceUnavailable");
    answer = () => new Response("Internal Server Error", { status: 500 });
    expect(errorCodeOf(await putError(s3(server.url.origin)))).toBe("INTERNAL");
  });
});
