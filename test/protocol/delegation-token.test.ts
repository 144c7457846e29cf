// Delegation tokens' text form (src/protocol/delegation-token.ts): a round trip, the bounds every
// decoder keeps, and keys derived per purpose so one signature never passes as another's.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeToken, decodeTokenRecord, derivedKey, encodeToken, encodeTokenRecord, InvalidTokenError, TOKEN_CHARS_MAX, userNameProblem } from "../../src/protocol/delegation-token.ts";

const SECRET = new Uint8Array(32).fill(5);
const KEY = derivedKey(SECRET, "delegation-token");
const ID = { id: "AbCdEfGhIjKlMnOpQrStUv", user: "alice", renewer: "yarn", issueMs: 1_000, maxDateMs: 2_000 };

describe("delegation tokens' text", () => {
  it("round-trips, URL-safe, well under its bound", () => {
    const text = encodeToken(ID, KEY);
    expect(text).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(text.length).toBeLessThan(TOKEN_CHARS_MAX / 4);
    expect(decodeToken(text, KEY)).toEqual(ID);
  });

  it("a key per purpose: a token's signature does not verify under the redirect key", () => {
    expect(derivedKey(SECRET, "webhdfs-redirect").equals(KEY)).toBe(false);
    expect(() => decodeToken(encodeToken(ID, KEY), derivedKey(SECRET, "webhdfs-redirect"))).toThrow(InvalidTokenError);
  });

  it("refuses text past the bound before decoding it, and malformed or ill-typed payloads", () => {
    expect(() => decodeToken("a".repeat(TOKEN_CHARS_MAX + 1), KEY)).toThrow("1..1024 characters");
    for (const text of ["", ".", "abc", "a.b.c", "a b.c"]) expect(() => decodeToken(text, KEY)).toThrow(InvalidTokenError);
    // Well signed but not a token: each field checked.
    const signed = (payload: unknown) => {
      const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
      return `${body}.${encodeToken(ID, KEY).split(".")[1]}`;
    };
    const sign = (payload: unknown) => {
      const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
      const mac = createHmac("sha256", KEY).update(body).digest("base64url");
      return `${body}.${mac}`;
    };
    expect(() => decodeToken(signed({ v: 1 }), KEY)).toThrow("signature does not match");
    for (const bad of [{ v: 2, id: ID.id, u: "a", r: "", i: 1, m: 2 }, { v: 1, id: "short", u: "a", r: "", i: 1, m: 2 }, { v: 1, id: ID.id, u: "../x", r: "", i: 1, m: 2 }, { v: 1, id: ID.id, u: "a", r: "", i: 3, m: 2 }, { v: 1, id: ID.id, u: "a", r: "", i: 1.5, m: 2 }, [1, 2]]) {
      expect(() => decodeToken(sign(bad), KEY)).toThrow("malformed");
    }
  });

  it("user names as Hadoop's default pattern takes them, bounded", () => {
    for (const good of ["alice", "_svc", "a.b-c_d", "host$"]) expect(userNameProblem(good)).toBeUndefined();
    for (const bad of ["", "1abc", "a b", "a/b", "../x", "é", "x".repeat(257)]) expect(userNameProblem(bad)).toBeDefined();
  });

  it("records decode only when well formed and small", () => {
    const record = { user: "alice", renewer: "yarn", expiryMs: 5, maxDateMs: 9 };
    expect(decodeTokenRecord(encodeTokenRecord(record))).toEqual(record);
    expect(decodeTokenRecord(Buffer.from("not json"))).toBeUndefined();
    expect(decodeTokenRecord(Buffer.from(JSON.stringify({ ...record, expiryMs: "5" })))).toBeUndefined();
    expect(decodeTokenRecord(Buffer.from(JSON.stringify({ ...record, user: "x".repeat(5_000) })))).toBeUndefined();
  });
});
