// The S3 gateway's admission (src/gateway/s3/server.ts): past its bounds a request is answered
// at once with S3's SlowDown, 503 and Retry-After, as XML with a request id.
import { describe, it, expect } from "vitest";
import type { FileSystemClient } from "../../../src/client/fs.ts";
import { startS3Gateway } from "../../../src/gateway/s3/server.ts";
import type { SettingsStore } from "../../../src/gateway/s3/keys.ts";
import { createLogger } from "../../../src/util/log.ts";
import { waitFor } from "../../support/wait.ts";

describe("the S3 gateway under more requests than it serves at once", () => {
  it("answers the excess SlowDown, 503 with Retry-After, and keeps serving the request under way", async () => {
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    let lookups = 0;
    // The access key's lookup blocks: the first request holds the gateway's one slot meanwhile.
    const settings: SettingsStore = {
      async getSetting() {
        lookups += 1;
        await blocked;
        return undefined;
      },
      async setSetting() {},
      async deleteSetting() {},
      async listSettings() {
        return { entries: [], next: "" };
      },
    };
    const gateway = await startS3Gateway({ fs: {} as FileSystemClient, settings, listen: "127.0.0.1:0", sweepIntervalMs: 0, log: createLogger("s3-admission-test"), admission: { inFlightMax: 1, queueMax: 0, queueTimeoutMs: 1_000 } });
    try {
      const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
      const headers = {
        "x-amz-date": amzDate,
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        authorization: `AWS4-HMAC-SHA256 Credential=${"A".repeat(20)}/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${"0".repeat(64)}`,
      };
      const first = fetch(`${gateway.url}/bucket/key`, { headers });
      await waitFor("the first request's key lookup", () => lookups === 1, { timeoutMs: 5_000, intervalMs: 5 });
      const refused = await fetch(`${gateway.url}/bucket/key`, { headers });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(refused.headers.get("x-amz-error-code")).toBe("SlowDown");
      const body = await refused.text();
      expect(body).toContain("<Code>SlowDown</Code><Message>Please reduce your request rate.</Message>");
      expect(body).toMatch(/<RequestId>[0-9A-F]{16}<\/RequestId>/);
      unblock();
      // The first is answered as it would have been: its key is unknown.
      expect((await first).status).toBe(403);
      expect(gateway.admission.stats).toMatchObject({ inFlight: 0, refusedQueueFull: 1 });
    } finally {
      unblock();
      await gateway.stop();
    }
  });
});
