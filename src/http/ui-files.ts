// The text of the web UI's static files (src/http/ui/), for ui.ts to serve.
//
// Imported `with { type: "macro" }`, as compute/job-api-source.ts is: Bun runs this function
// when it transpiles or bundles the importing file and puts the returned string in its place,
// so the files are inside the compiled binary, where no src/ folder exists on disk, and
// TypeScript sees a plain string (a `type: "text"` import of an .html file is typed as an
// HTML bundle, and of a .js file as a module).
import { readFileSync } from "node:fs";

export function readUiFile(name: string): string {
  return readFileSync(new URL(`./ui/${name}`, import.meta.url), "utf8");
}
