// `--ttl`'s durations (cmd/auth.ts): the units Hadoop's users write, and nothing else.
import { it, expect } from "vitest";
import { parseDuration } from "../../cmd/auth.ts";

it("durations", () => {
  expect(parseDuration("24h", "--ttl")).toBe(86_400_000);
  expect(parseDuration("7d", "--ttl")).toBe(7 * 86_400_000);
  expect(parseDuration("30m", "--ttl")).toBe(1_800_000);
  expect(parseDuration("90s", "--ttl")).toBe(90_000);
  expect(parseDuration("1500ms", "--ttl")).toBe(1_500);
  expect(parseDuration("1.5h", "--ttl")).toBe(5_400_000);
  for (const bad of ["24", "h", "-1h", "0s", "1y", "1e3s", ""]) expect(() => parseDuration(bad, "--ttl")).toThrow("--ttl must be a duration");
});
