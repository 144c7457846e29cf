// Runs every readable scenario in testdata/ (see datadriven.ts for the format).
import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { runScript } from "./datadriven.ts";

const dir = join(import.meta.dir, "testdata");

describe("scenario files (testdata/*.txt)", () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".txt")).sort()) {
    it(file, () => {
      const r = runScript(join(dir, file));
      if (!r.ok) console.log(r.diff);
      expect(r.ok).toBe(true);
    });
  }
});
