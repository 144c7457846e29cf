import { describe, expect, it } from "vitest";
import { basename, isValidPath, join, NAME_BYTES_MAX, normalizePath, parent, PATH_BYTES_MAX, segments } from "../../src/protocol/paths.ts";
import { InvalidPathError } from "../../src/protocol/errors.ts";

function rejection(path: string): InvalidPathError {
  try {
    normalizePath(path);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPathError);
    return err as InvalidPathError;
  }
  throw new Error(`${JSON.stringify(path)} was accepted`);
}

describe("path", () => {
  it("accepts and normalizes good paths", () => {
    expect(normalizePath("/")).toBe("/");
    expect(normalizePath("/a")).toBe("/a");
    expect(normalizePath("/a/b.txt")).toBe("/a/b.txt");
    expect(normalizePath("/a/b/")).toBe("/a/b");
    expect(normalizePath("/ünï cödé/名前")).toBe("/ünï cödé/名前");
    expect(normalizePath("/...")).toBe("/...");
    expect(normalizePath(`/${"x".repeat(NAME_BYTES_MAX)}`)).toBe(`/${"x".repeat(NAME_BYTES_MAX)}`);
  });

  it("rejects each bad case with a one-sentence message and a stable code", () => {
    const bad: Record<string, string> = {
      empty: "",
      relative: "a/b",
      "dot-relative": "./a",
      "double slash": "/a//b",
      "only slashes": "//",
      "trailing double slash": "/a//",
      dot: "/a/./b",
      "dot dot": "/a/../b",
      "final dot dot": "/a/..",
      NUL: "/a\u0000b",
      newline: "/a\nb",
      DEL: "/a\u007fb",
      "C1 control": "/a\u0085b",
      "lone surrogate": "/a\ud800b",
      "name too long": `/${"x".repeat(NAME_BYTES_MAX + 1)}`,
      "name too long in bytes": `/${"é".repeat(128)}`,
      "path too long": `/${Array.from({ length: 20 }, () => "y".repeat(250)).join("/")}`,
      "path too long at the bound": `/${"a/".repeat(PATH_BYTES_MAX / 2)}`,
    };
    for (const [what, path] of Object.entries(bad)) {
      const err = rejection(path);
      expect(err.code, what).toBe("INVALID_PATH");
      expect(err.message.length, what).toBeLessThan(200);
      expect(err.message.trim().endsWith("."), what).toBe(true);
      expect(isValidPath(path), what).toBe(false);
    }
    expect(rejection(`/${"z".repeat(100_000)}`).message.length).toBeLessThan(200);
  });

  it("takes paths apart and joins them", () => {
    expect(parent("/")).toBeUndefined();
    expect(parent("/a")).toBe("/");
    expect(parent("/a/b/c")).toBe("/a/b");
    expect(basename("/")).toBe("");
    expect(basename("/a/b/c")).toBe("c");
    expect(segments("/")).toEqual([]);
    expect(segments("/a/b")).toEqual(["a", "b"]);
    expect(join("/", "a")).toBe("/a");
    expect(join("/a", "b")).toBe("/a/b");
    expect(() => join("/a", "..")).toThrow(InvalidPathError);
    expect(() => join("/a", "b/c")).toThrow(InvalidPathError);
    expect(() => join("/a", "")).toThrow(InvalidPathError);
  });
});
