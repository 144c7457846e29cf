// A WebHDFS request's path and parameters: Hadoop's case rules, bounds, and the paths refused.
import { describe, it, expect } from "vitest";
import { WebHdfsError } from "../../../src/gateway/webhdfs/errors.ts";
import { booleanParam, integerParam, pathOfUrl, pathParam, permissionParam, queryParams, QUERY_CHARS_MAX, urlPathOf } from "../../../src/gateway/webhdfs/params.ts";

function refusal(run: () => unknown): { exception: string; status: number } {
  try {
    run();
  } catch (err) {
    if (err instanceof WebHdfsError) return { exception: err.exception, status: err.status };
    throw err;
  }
  throw new Error("it was not refused");
}

describe("the path of a request", () => {
  it("is the URL's path below /webhdfs/v1, %-decoded, repeated slashes collapsed", () => {
    expect(pathOfUrl("/webhdfs/v1")).toBe("/");
    expect(pathOfUrl("/webhdfs/v1/")).toBe("/");
    expect(pathOfUrl("/webhdfs/v1/a/b%20c/")).toBe("/a/b c");
    expect(pathOfUrl("/webhdfs/v1//a///b")).toBe("/a/b");
    expect(urlPathOf("/a/b c?")).toBe("/webhdfs/v1/a/b%20c%3F");
    expect(pathOfUrl(urlPathOf("/a/b c?"))).toBe("/a/b c?");
  });

  it("refuses '..', '.', a bad escape and a path outside /webhdfs/v1 as IllegalArgumentException", () => {
    for (const pathname of ["/webhdfs/v1/a/../b", "/webhdfs/v1/a/%2E%2E/b", "/webhdfs/v1/./a", "/webhdfs/v1/a%zz", "/webhdfs/v2/a", "/webhdfs/v1a"]) {
      expect(refusal(() => pathOfUrl(pathname))).toEqual({ exception: "IllegalArgumentException", status: 400 });
    }
    expect(refusal(() => pathParam("relative/path", "destination")).exception).toBe("IllegalArgumentException");
    expect(pathParam("/x/y z", "destination")).toBe("/x/y z");
    // Found by test/fuzz (webhdfs/params): a lone surrogate made encodeURIComponent throw a URIError.
    expect(refusal(() => pathParam("/\udfff", "destination")).exception).toBe("IllegalArgumentException");
  });
});

describe("parameters", () => {
  it("names are read in any case, the op is upper-cased", () => {
    const { op, params } = queryParams("?Op=liststatus&User.Name=alice&OFFSET=5");
    expect(op).toBe("LISTSTATUS");
    expect(params.get("user.name")).toBe("alice");
    expect(params.get("offset")).toBe("5");
  });

  it("an op is required and the query is bounded", () => {
    expect(refusal(() => queryParams("?user.name=a")).exception).toBe("IllegalArgumentException");
    expect(refusal(() => queryParams(`?op=OPEN&x=${"a".repeat(QUERY_CHARS_MAX)}`)).exception).toBe("IllegalArgumentException");
  });

  it("booleans, whole numbers within bounds, octal permissions", () => {
    const params = new URLSearchParams("overwrite=TRUE&recursive=false&offset=10&negative=-1&big=99999999999999999&perm=0644&sticky=1777&bad=8&huge=17777&word=yes");
    expect(booleanParam(params, "overwrite", false)).toBe(true);
    expect(booleanParam(params, "recursive", true)).toBe(false);
    expect(booleanParam(params, "absent", true)).toBe(true);
    expect(refusal(() => booleanParam(params, "word", false)).exception).toBe("IllegalArgumentException");
    expect(integerParam(params, "offset", { min: 0, max: 100 })).toBe(10);
    expect(integerParam(params, "absent", { min: 0, max: 100 })).toBeUndefined();
    expect(integerParam(params, "absent", { min: 0, max: 100 }, 7)).toBe(7);
    expect(refusal(() => integerParam(params, "negative", { min: 0, max: 100 }))).toEqual({ exception: "IllegalArgumentException", status: 400 });
    expect(refusal(() => integerParam(params, "big", { min: 0, max: Number.MAX_SAFE_INTEGER })).exception).toBe("IllegalArgumentException");
    expect(refusal(() => integerParam(params, "word", { min: 0, max: 100 })).exception).toBe("IllegalArgumentException");
    expect(permissionParam(params, "perm")).toBe(0o644);
    expect(permissionParam(params, "sticky")).toBe(0o1777);
    expect(permissionParam(params, "absent")).toBeUndefined();
    expect(refusal(() => permissionParam(params, "bad")).exception).toBe("IllegalArgumentException");
    expect(refusal(() => permissionParam(params, "huge")).exception).toBe("IllegalArgumentException");
  });
});
