// Job modules as a user writes them, created on the fly in a temporary folder (so this
// repository's type check never has to resolve "tessera" for them). Shared by the bundle and
// worker pool tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const JOB_SOURCES: Record<string, string> = {
  "tokenize.ts": `export function tokenize(line: string): string[] { return line.split(/\\s+/).filter((word) => word.length > 0); }\n`,
  "word-count.ts": `
import { defineJob } from "tessera";
import { tokenize } from "./tokenize.ts";

async function sum(key: string, values: AsyncIterable<string>, emit: (k: string, v: string) => void) {
  let total = 0;
  for await (const value of values) total += Number(value);
  emit(key, String(total));
}

export default defineJob({
  map(_offset, line, emit) {
    for (const word of tokenize(line)) emit(word, "1");
  },
  combine: sum,
  reduce: sum,
});
`,
  "throws.ts": `
import { defineJob } from "tessera";
export default defineJob({
  map(_offset, line) { if (line.includes("poison")) throw new Error("poisoned record"); },
  reduce() {},
});
`,
  "exits.ts": `
import { defineJob } from "tessera";
export default defineJob({ map() { process.exit(7); }, reduce() {} });
`,
  "async-crash.ts": `
import { defineJob } from "tessera";
export default defineJob({
  async map() {
    setTimeout(() => { throw new Error("thrown from a timer"); }, 0);
    await new Promise(() => {});
  },
  reduce() {},
});
`,
  "spins.ts": `
import { defineJob } from "tessera";
export default defineJob({ map() { for (;;) {} }, reduce() {} });
`,
  "forges.ts": `
import { defineJob } from "tessera";
// A job's code shares the worker's global scope, so it can post to the peer: the peer must
// treat it as untrusted.
export default defineJob({
  map() { (globalThis as unknown as { postMessage(m: unknown): void }).postMessage({ type: "read", id: 1, offsetBytes: 0, lengthBytes: 1e12 }); },
  reduce() {},
});
`,
  "no-default.ts": `export const job = 1;\n`,
  "no-map.ts": `export default { reduce() {} };\n`,
  "fails-to-load.ts": `throw new Error("missing configuration");\nexport default {};\n`,
  "syntax-error.ts": `export default {\n`,
  "unresolved.ts": `import missing from "no-such-package-tessera-test";\nexport default missing;\n`,
  "bad-define.ts": `import { defineJob } from "tessera";\nexport default defineJob({ map() {} } as never);\n`,
};

/** Writes every job module into `dir` and returns the path of each by name. */
export function writeJobModules(dir: string): (name: string) => string {
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(JOB_SOURCES)) writeFileSync(join(dir, name), source);
  return (name) => join(dir, name);
}
