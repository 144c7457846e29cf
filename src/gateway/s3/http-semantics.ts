// HTTP's Range and conditional requests as S3 applies them to GET and HEAD (RFC 9110 §13-14,
// and the precedence S3 documents for If-Match with If-Unmodified-Since and for If-None-Match
// with If-Modified-Since).
import { unquoteEtag } from "./checksums.ts";

/** Digits beyond this are an offset past any object: read as "past the end", never overflowing. */
const OFFSET_DIGITS_MAX = 15;
const ETAG_LIST_MAX = 64;

function offset(digits: string): number {
  return digits.length > OFFSET_DIGITS_MAX ? Number.MAX_SAFE_INTEGER : Number(digits);
}

/**
 * The byte range of a Range header over an object of `sizeBytes`: inclusive start and end,
 * "whole" when there is no usable Range (absent, malformed, not bytes, or several ranges: S3
 * serves one range only and ignores the rest of RFC 9110's forms, answering 200 with the whole
 * object), "unsatisfiable" (416 InvalidRange) when the range starts at or past the end, or is a
 * suffix of zero bytes.
 */
export function parseRange(header: string | null, sizeBytes: number): { start: number; end: number } | "whole" | "unsatisfiable" {
  if (header === null) return "whole";
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (match === null) return "whole";
  const [, first, last] = match as unknown as [string, string, string];
  if (first === "" && last === "") return "whole";
  if (first === "") {
    const suffixBytes = offset(last);
    if (suffixBytes === 0 || sizeBytes === 0) return "unsatisfiable";
    return { start: Math.max(0, sizeBytes - suffixBytes), end: sizeBytes - 1 };
  }
  const start = offset(first);
  if (last !== "" && offset(last) < start) return "whole"; // syntactically invalid: ignored (RFC 9110 §14.1.1)
  if (start >= sizeBytes) return "unsatisfiable";
  const end = last === "" ? sizeBytes - 1 : Math.min(offset(last), sizeBytes - 1);
  return { start, end };
}

function etagMatches(header: string, etag: string, weak: boolean): boolean {
  if (header.trim() === "*") return true;
  const wanted = unquoteEtag(etag);
  const candidates = header.split(",").slice(0, ETAG_LIST_MAX);
  return candidates.some((candidate) => {
    const trimmed = candidate.trim();
    // If-Match compares strongly: a weak tag never matches it (RFC 9110 §13.1.1).
    if (!weak && trimmed.startsWith("W/")) return false;
    return unquoteEtag(trimmed) === wanted;
  });
}

function httpDateMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The status the preconditions of a GET or HEAD call for: 412 (PreconditionFailed), 304 (Not
 * Modified) or 200 (serve it). If-Match, then If-Unmodified-Since (ignored when If-Match is
 * present); If-None-Match, then If-Modified-Since (ignored when If-None-Match is present).
 * An unparseable date is ignored. Times compare at whole seconds, as HTTP dates carry.
 */
export function evaluateConditions(headers: Headers, object: { etag: string; mtimeMs: number }, method: "GET" | "HEAD"): 200 | 304 | 412 {
  void method; // both methods answer alike; the parameter keeps the contract's room for PUT's conditions
  const mtimeSeconds = Math.floor(object.mtimeMs / 1000);
  const ifMatch = headers.get("if-match");
  if (ifMatch !== null) {
    if (!etagMatches(ifMatch, object.etag, false)) return 412;
  } else {
    const since = httpDateMs(headers.get("if-unmodified-since"));
    if (since !== undefined && mtimeSeconds > Math.floor(since / 1000)) return 412;
  }
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (etagMatches(ifNoneMatch, object.etag, true)) return 304;
  } else {
    const since = httpDateMs(headers.get("if-modified-since"));
    if (since !== undefined && mtimeSeconds <= Math.floor(since / 1000)) return 304;
  }
  return 200;
}
