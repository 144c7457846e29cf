import { it, expect } from "vitest";
import { parseSize } from "../../cmd/fs.ts";
it("sizes", () => {
  expect(parseSize("4MiB", "x")).toBe(4 * 1024 * 1024);
  expect(parseSize("4MB", "x")).toBe(4 * 1024 * 1024);
  expect(parseSize("4m", "x")).toBe(4 * 1024 * 1024);
  expect(parseSize("65536", "x")).toBe(65536);
  expect(parseSize("1G", "x")).toBe(1024 ** 3);
  expect(() => parseSize("4 parsecs", "x")).toThrow();
  expect(() => parseSize("-1", "x")).toThrow();
});
