// The peer/worker message checks (src/compute/worker-protocol.ts). A worker runs the job's code,
// so what it sends is untrusted: every message outside the protocol, or past a bound, is
// refused rather than acted on (STYLE.md §5: each bound has a test that it holds).
import { describe, it, expect } from "vitest";
import { WORKER_READ_BYTES_MAX } from "../../src/compute/constants.ts";
import { JobBundleError, LineTooLongError, TaskError } from "../../src/compute/errors.ts";
import { JobDefinitionError } from "../../src/job-module/job-api.ts";
import { fromWireError, parseFromWorker, postableBytes, toWireError } from "../../src/compute/worker-protocol.ts";
import { codeOf } from "../../src/protocol/errors.ts";

const counters = { mapInputRecords: 1, mapOutputRecords: 2, mapOutputBytes: 3, spilledRecords: 2, spills: 0, combineInputRecords: 0, combineOutputRecords: 0 };

describe("parseFromWorker", () => {
  it("accepts the protocol's messages", () => {
    expect(parseFromWorker({ type: "read", id: 1, offsetBytes: 0, lengthBytes: WORKER_READ_BYTES_MAX })).toEqual({ type: "read", id: 1, offsetBytes: 0, lengthBytes: WORKER_READ_BYTES_MAX });
    expect(parseFromWorker({ type: "pull", id: 2, input: 0 })).toEqual({ type: "pull", id: 2, input: 0 });
    expect(parseFromWorker({ type: "progress", progress: { records: 5, fraction: 0.5 } })).toEqual({ type: "progress", progress: { records: 5, fraction: 0.5 } });
    const outcome = { kind: "map", outputDir: "/d", partitions: [{ partition: 0, path: "/d/part-0.run", records: 2, sizeBytes: 40 }], counters, shortCircuitBytes: 7 };
    expect(parseFromWorker({ type: "done", outcome })).toEqual({ type: "done", outcome });
    expect(parseFromWorker({ type: "process-group", pgid: 4242 })).toEqual({ type: "process-group", pgid: 4242 });
    expect(parseFromWorker({ type: "process-group", pgid: 0 })).toEqual({ type: "process-group", pgid: 0 });
  });

  it("refuses anything else", () => {
    const refused: unknown[] = [
      null,
      "done",
      { type: "exec" },
      { type: "read", id: 1, offsetBytes: 0, lengthBytes: WORKER_READ_BYTES_MAX + 1 },
      { type: "read", id: 1, offsetBytes: -1, lengthBytes: 10 },
      { type: "read", id: 1.5, offsetBytes: 0, lengthBytes: 10 },
      { type: "read", id: 1, offsetBytes: 0, lengthBytes: 0 },
      { type: "pull", id: 1, input: "0" },
      { type: "done", outcome: { kind: "map", outputDir: "/d", partitions: [{ partition: 0 }], counters, shortCircuitBytes: 0 } },
      { type: "done", outcome: { kind: "map", outputDir: "/d", partitions: [], counters } },
      { type: "done", outcome: { kind: "map", outputDir: "/d", partitions: [], counters, shortCircuitBytes: -1 } },
      { type: "done", outcome: { kind: "map", outputDir: "/d", partitions: [], counters: { ...counters, spills: -1 } } },
      { type: "done", outcome: { kind: "shell" } },
      { type: "failed", error: { message: 1 } },
      // The group the pool would kill: never init's, the peer's own, or a negative id.
      { type: "process-group", pgid: 1 },
      { type: "process-group", pgid: process.pid },
      { type: "process-group", pgid: -5 },
      { type: "process-group", pgid: "12" },
    ];
    for (const message of refused) expect(parseFromWorker(message)).toBeUndefined();
  });
});

describe("wire errors", () => {
  it("come back as the class that was thrown, with its details", () => {
    const roundTrip = (err: Error) => {
      const message = parseFromWorker({ type: "failed", error: toWireError(err) });
      if (message?.type !== "failed") throw new Error("a failed message is accepted");
      return fromWireError(message.error);
    };
    const task = roundTrip(new TaskError("map failed on the record at byte 8 of /x: boom", { offsetBytes: 8 }));
    expect(task).toBeInstanceOf(TaskError);
    expect((task as TaskError).offsetBytes).toBe(8);
    expect(roundTrip(new JobBundleError("the job module has no default export"))).toEqual(new JobBundleError("the job module has no default export"));
    expect(roundTrip(new JobDefinitionError("the job module has no map function"))).toBeInstanceOf(JobDefinitionError);
    const long = roundTrip(new LineTooLongError(3, 49));
    expect(long).toBeInstanceOf(LineTooLongError);
    expect(long.message).toBe("the line starting at byte 3 is longer than the limit of 49 bytes");
    const other = roundTrip(Object.assign(new Error("ENOSPC: no space left on device"), { name: "SystemError" }));
    expect([other.name, other.message]).toEqual(["SystemError", "ENOSPC: no space left on device"]);
  });

  it("keep a code of the cluster's vocabulary (a read refused as MISSING), so the scheduler can tell a passing fault from the task's own", () => {
    const message = parseFromWorker({ type: "failed", error: toWireError(Object.assign(new Error("no live replica of chunk 9 (index 0) is known"), { code: "MISSING" })) });
    if (message?.type !== "failed") throw new Error("a failed message is accepted");
    const error = fromWireError(message.error);
    expect([codeOf(error), error.message]).toEqual(["MISSING", "no live replica of chunk 9 (index 0) is known"]);
    // A system error's code is not one of the vocabulary: the failure is the task's (INTERNAL).
    expect(codeOf(fromWireError(toWireError(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }))))).toBe("INTERNAL");
  });

  it("bound a message from the job's code", () => {
    expect(toWireError(new Error("x".repeat(100_000))).message.length).toBeLessThan(5000);
  });
});

describe("postableBytes", () => {
  it("copies a small view of a large buffer down to its own bytes, and leaves a whole buffer as is", () => {
    const big = new Uint8Array(1 << 20);
    const view = postableBytes(big.subarray(10, 20));
    expect(view.bytes.buffer.byteLength).toBe(10);
    expect(view.transfer).toEqual([view.bytes.buffer]);
    const whole = new Uint8Array(16);
    expect(postableBytes(whole)).toEqual({ bytes: whole, transfer: [] });
  });
});
