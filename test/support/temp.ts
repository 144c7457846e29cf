import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix: string, parent = tmpdir()): { path: string; remove(): void } {
  const path = mkdtempSync(join(parent, `tessera-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
