// Where a worker thread's entry module is. Run from source, it is a file beside its caller. In
// a binary from `bun build --compile`, every module's import.meta.path is the binary's own
// path in its virtual "$bunfs" folder, and a worker can start only from a module compiled in
// as an entry point (scripts/build.ts lists them); such a module lives at its path under the
// entry points' common folder, with ".js".
import { dirname, join } from "node:path";

/**
 * `sourceUrl` when running from source; else the compiled copy of `src/<srcPath>.js`
 * (`srcPath` like "compute/task-worker").
 */
export function workerEntryUrl(srcPath: string, sourceUrl: URL): string | URL {
  const here = import.meta.path;
  const compiled = here.startsWith("/$bunfs/") || here.includes("~BUN");
  return compiled ? join(dirname(here), "src", `${srcPath}.js`) : sourceUrl;
}
