// The text of job-api.ts, for bundle.ts to hand to the bundler as the module "tessera".
//
// Imported `with { type: "macro" }`: Bun runs this function when it transpiles or bundles the
// importing file and puts the returned string in its place, so the text is inside the compiled
// binary, where no src/ folder exists on disk. (A `type: "text"` import does not do: when the
// same file is also imported as a module, `bun build` bundles it once, as a module.)
import { readFileSync } from "node:fs";

export function readJobApiSource(): string {
  return readFileSync(new URL("./job-api.ts", import.meta.url), "utf8");
}
