// The wire's error vocabulary (src/protocol/errors.ts): every code an error of Tessera carries
// is in it, with a meaning, a retry rule and an HTTP status; a code from a newer peer reads as
// UNKNOWN rather than as something it is not.
import { describe, expect, it } from "vitest";
import { codeOf, ERROR_CODES, errorCodeOf, InvalidChunkIdError, InvalidPathError, isErrorCode, isRetryable, RequestError, WireError } from "../../src/protocol/errors.ts";
import { isPipelineErrorCode } from "../../src/chunk/transfer/data-errors.ts";
import { normalizePath } from "../../src/protocol/paths.ts";
import { validateChunkId } from "../../src/protocol/chunk-id.ts";
import { ChunkNotFoundError } from "../../src/chunk/store/errors.ts";
import { NotFoundError } from "../../src/master/state/errors.ts";

describe("the error vocabulary", () => {
  it("gives every code a sentence, a retry rule and an HTTP status of 4xx or 5xx", () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect({ code, sentence: meaning.meaning.length > 10 }).toEqual({ code, sentence: true });
      expect({ code, status: meaning.httpStatus >= 400 && meaning.httpStatus < 600 }).toEqual({ code, status: true });
      // A refusal that is the caller's fault is never worth retrying unchanged.
      if (meaning.httpStatus < 500 && meaning.httpStatus !== 409) expect({ code, retryable: meaning.retryable }).toEqual({ code, retryable: false });
    }
  });

  it("retries exactly what means 'ask again shortly' for a metadata request", () => {
    for (const code of ["NOT_LEADER", "NO_LEADER", "UNAVAILABLE", "TIMEOUT"] as const) expect(isRetryable(code)).toBe(true);
    for (const code of ["NOT_FOUND", "ALREADY_EXISTS", "INVALID", "LEASE_HELD", "NO_PEERS", "COMMAND_REJECTED"] as const) expect(isRetryable(code)).toBe(false);
  });

  it("reads a code it does not know as UNKNOWN", () => {
    expect(errorCodeOf("NOT_FOUND")).toBe("NOT_FOUND");
    expect(errorCodeOf("SOMETHING_NEW")).toBe("UNKNOWN");
    expect(errorCodeOf("toString")).toBe("UNKNOWN");
    expect(isErrorCode("__proto__")).toBe(false);
  });

  it("holds every code the chunk data path sends", () => {
    for (const code of ["PEER_UNREACHABLE", "PEER_FAILED", "TIMEOUT", "CHECKSUM_MISMATCH", "DIGEST_MISMATCH", "STORE", "PROTOCOL", "SHUTTING_DOWN"]) {
      expect({ code, pipeline: isPipelineErrorCode(code), vocabulary: isErrorCode(code) }).toEqual({ code, pipeline: true, vocabulary: true });
    }
  });

  it("makes the expected failures of every room WireErrors, whose code is what crosses the wire", () => {
    const thrown = (run: () => unknown) => {
      try {
        run();
      } catch (err) {
        return err;
      }
      throw new Error("did not throw");
    };
    const path = thrown(() => normalizePath("/a/../b"));
    expect(path).toBeInstanceOf(InvalidPathError);
    expect(codeOf(path)).toBe("INVALID_PATH");
    const chunk = thrown(() => validateChunkId("../etc"));
    expect(chunk).toBeInstanceOf(InvalidChunkIdError);
    expect(codeOf(chunk)).toBe("INVALID_CHUNK_ID");
    expect(codeOf(new ChunkNotFoundError("00000000000000aa", 1))).toBe("CHUNK_NOT_FOUND");
    expect(codeOf(new NotFoundError("/x does not exist."))).toBe("NOT_FOUND");
    expect(codeOf(new RequestError("NO_PEERS", "no room"))).toBe("NO_PEERS");
    for (const err of [path, chunk, new ChunkNotFoundError("00000000000000aa", 1), new NotFoundError("x")]) expect(err).toBeInstanceOf(WireError);
    // Anything else is a failure nobody expected: it crosses as INTERNAL, never as a guess.
    expect(codeOf(new TypeError("boom"))).toBe("INTERNAL");
  });
});
