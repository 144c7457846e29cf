// The peer's clock hook (src/util/test-clock.ts): the chaos nemesis's clock jumps move the
// wall clock of the process, forwards and backwards, and leave monotonic time alone. Run in a
// child process so this runner's own clock is never touched.
import { describe, it, expect } from "vitest";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempDir } from "../support/temp.ts";

const HOOK = resolve(import.meta.dir, "../../src/util/test-clock.ts");

async function runChild(script: string, env: Record<string, string>): Promise<string> {
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`child failed: ${err}`);
  return out.trim();
}

describe("the test clock hook", () => {
  it("shifts Date.now and new Date() by the file's offset, re-read while running", async () => {
    const dir = tempDir("clock");
    try {
      const file = join(dir.path, "clock");
      writeFileSync(file, "3600000");
      const script = `
        const { installTestClock } = await import(${JSON.stringify(HOOK)});
        const before = Date.now();
        const installed = installTestClock();
        const forwards = Date.now() - before;
        const ctor = new Date().getTime() - before;
        const fixed = new Date(0).getTime();
        const isDate = new Date() instanceof Date;
        require("node:fs").writeFileSync(${JSON.stringify(file)}, "-7200000");
        const t0 = performance.now();
        while (Date.now() - before > 0 && performance.now() - t0 < 5000) await Bun.sleep(20);
        const backwards = Date.now() - before;
        console.log(JSON.stringify({ installed, forwards, ctor, fixed, isDate, backwards }));`;
      const result = JSON.parse(await runChild(script, { TESSERA_TEST_CLOCK_FILE: file })) as Record<string, number | boolean>;
      expect(result.installed).toBe(true);
      expect(result.forwards as number).toBeGreaterThanOrEqual(3_600_000);
      expect(result.forwards as number).toBeLessThan(3_600_000 + 1_000);
      expect(result.ctor as number).toBeGreaterThanOrEqual(3_600_000);
      expect(result.fixed).toBe(0);
      expect(result.isDate).toBe(true);
      expect(result.backwards as number).toBeLessThanOrEqual(-7_200_000 + 6_000);
      expect(result.backwards as number).toBeGreaterThan(-7_200_000 - 1);
    } finally {
      dir.remove();
    }
  });

  it("does nothing without the variable", async () => {
    const script = `
      const { installTestClock } = await import(${JSON.stringify(HOOK)});
      const installed = installTestClock({});
      console.log(JSON.stringify({ installed, skew: Math.abs(Date.now() - new Date().getTime()) }));`;
    const result = JSON.parse(await runChild(script, {})) as { installed: boolean; skew: number };
    expect(result.installed).toBe(false);
    expect(result.skew).toBeLessThan(1_000);
  });
});
