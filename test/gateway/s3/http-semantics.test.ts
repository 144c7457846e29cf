// Range and conditional requests (src/gateway/s3/http-semantics.ts): tables of headers against
// an object, with RFC 9110's rules and S3's documented precedence.
import { describe, expect, it } from "vitest";
import { evaluateConditions, parseRange } from "../../../src/gateway/s3/http-semantics.ts";

describe("parseRange over a 1,000-byte object", () => {
  it.each([
    [null, "whole"],
    ["bytes=0-0", { start: 0, end: 0 }],
    ["bytes=0-499", { start: 0, end: 499 }],
    ["bytes=500-999", { start: 500, end: 999 }],
    ["bytes=500-", { start: 500, end: 999 }],
    ["bytes=900-5000", { start: 900, end: 999 }], // the end is clamped
    ["bytes=-100", { start: 900, end: 999 }],
    ["bytes=-5000", { start: 0, end: 999 }], // a suffix longer than the object is all of it
    ["BYTES = 1 - 2", { start: 1, end: 2 }],
    ["bytes=999-999", { start: 999, end: 999 }],
    ["bytes=1000-", "unsatisfiable"],
    ["bytes=1000-2000", "unsatisfiable"],
    ["bytes=99999999999999999999-", "unsatisfiable"],
    ["bytes=-0", "unsatisfiable"],
    ["bytes=5-4", "whole"], // invalid: ignored
    ["bytes=-", "whole"],
    ["bytes=a-b", "whole"],
    ["items=0-1", "whole"],
    ["bytes=0-1,5-6", "whole"], // several ranges: S3 serves the whole object
    ["bytes=0-99999999999999999999", { start: 0, end: 999 }],
    ["", "whole"],
  ] as const)("%j -> %j", (header, expected) => {
    expect(parseRange(header, 1000)).toEqual(expected);
  });

  it("an empty object satisfies no range", () => {
    expect(parseRange("bytes=0-", 0)).toBe("unsatisfiable");
    expect(parseRange("bytes=-1", 0)).toBe("unsatisfiable");
    expect(parseRange(null, 0)).toBe("whole");
  });
});

describe("evaluateConditions", () => {
  const object = { etag: '"abc"', mtimeMs: Date.UTC(2024, 5, 1, 12, 0, 0, 500) };
  const before = new Date(Date.UTC(2024, 5, 1, 11, 0, 0)).toUTCString();
  const same = new Date(Date.UTC(2024, 5, 1, 12, 0, 0)).toUTCString(); // the mtime, to the second
  const after = new Date(Date.UTC(2024, 5, 1, 13, 0, 0)).toUTCString();

  it.each([
    [{}, 200],
    [{ "if-match": '"abc"' }, 200],
    [{ "if-match": "abc" }, 200],
    [{ "if-match": '"x", "abc"' }, 200],
    [{ "if-match": "*" }, 200],
    [{ "if-match": '"x"' }, 412],
    [{ "if-match": 'W/"abc"' }, 412], // If-Match compares strongly
    [{ "if-none-match": '"abc"' }, 304],
    [{ "if-none-match": 'W/"abc"' }, 304], // If-None-Match compares weakly
    [{ "if-none-match": "*" }, 304],
    [{ "if-none-match": '"x"' }, 200],
    [{ "if-modified-since": before }, 200],
    [{ "if-modified-since": same }, 304],
    [{ "if-modified-since": after }, 304],
    [{ "if-unmodified-since": before }, 412],
    [{ "if-unmodified-since": same }, 200],
    [{ "if-unmodified-since": after }, 200],
    [{ "if-unmodified-since": "not a date" }, 200],
    [{ "if-modified-since": "not a date" }, 200],
    // S3: If-Match true and If-Unmodified-Since false -> 200 (If-Match wins).
    [{ "if-match": '"abc"', "if-unmodified-since": before }, 200],
    [{ "if-match": '"x"', "if-unmodified-since": after }, 412],
    // S3: If-None-Match false (it matches) and If-Modified-Since true -> 304.
    [{ "if-none-match": '"abc"', "if-modified-since": before }, 304],
    // RFC 9110: If-Modified-Since is ignored when If-None-Match is present.
    [{ "if-none-match": '"x"', "if-modified-since": after }, 200],
    // 412 goes before 304.
    [{ "if-match": '"x"', "if-none-match": '"abc"' }, 412],
    [{ "if-unmodified-since": before, "if-modified-since": after }, 412],
  ] as const)("%j -> %d", (headers, expected) => {
    expect(evaluateConditions(new Headers(headers as Record<string, string>), object, "GET")).toBe(expected);
    expect(evaluateConditions(new Headers(headers as Record<string, string>), object, "HEAD")).toBe(expected);
  });

  it("matches a multipart ETag", () => {
    expect(evaluateConditions(new Headers({ "if-match": '"0123-2"' }), { etag: '"0123-2"', mtimeMs: 0 }, "GET")).toBe(200);
  });
});
