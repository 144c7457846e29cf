// OVERLOADED in every interface's own terms: S3's SlowDown (503, Retry-After), WebHDFS's
// RetriableException (503, Retry-After), admin HTTP's 503.
import { describe, expect, it } from "vitest";
import { s3ErrorFromWire } from "../../src/gateway/s3/errors.ts";
import { remoteExceptionResponse, webHdfsErrorOf } from "../../src/gateway/webhdfs/errors.ts";
import { statusOf } from "../../src/http/respond.ts";
import { OverloadedError, RequestError } from "../../src/protocol/errors.ts";

const refusal = () => new OverloadedError("this peer's metadata service is overloaded (256 requests under way and 512 waiting); it refused this request: retry after a short backoff");

describe("OVERLOADED at the gateways", () => {
  it("is S3's SlowDown, 503 with Retry-After", () => {
    for (const err of [refusal(), new RequestError("OVERLOADED", "x")]) {
      const s3 = s3ErrorFromWire(err);
      expect(s3.code).toBe("SlowDown");
      expect(s3.status).toBe(503);
      expect((s3 as typeof s3 & { headers?: Record<string, string> }).headers?.["retry-after"]).toBe("1");
    }
  });

  it("is WebHDFS's RetriableException, 503 with Retry-After and the peer's sentence", async () => {
    const error = webHdfsErrorOf(refusal());
    expect(error.exception).toBe("RetriableException");
    expect(error.status).toBe(503);
    const response = remoteExceptionResponse(refusal());
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    const body = (await response.json()) as { RemoteException: { exception: string; javaClassName: string; message: string } };
    expect(body.RemoteException).toEqual({ exception: "RetriableException", javaClassName: "org.apache.hadoop.ipc.RetriableException", message: refusal().message });
  });

  it("is admin HTTP's 503", () => {
    expect(statusOf(refusal())).toBe(503);
  });
});
