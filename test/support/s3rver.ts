// An S3 server in the test's own process (npm `s3rver` 3.7.1): a real HTTP server with S3's
// wire protocol, on a port of its own choosing, over a temporary folder.
//
// What it does and does not check: unknown access key ids are InvalidAccessKeyId, but SigV4
// signatures are not verified (a wrong secret passes) and GET ignores If-Match. Its listing
// misses a common prefix with no object directly below it ("a/" of a lone "a/b/c"), does not
// count common prefixes against max-keys, decodes a copy's source with decodeURI (a '+' sent
// as %2B stays %2B), and walks its folder in the order of file names
// (so "data/x" comes before "data.csv"). Tests of those behaviours run against Tessera's own
// S3 gateway (test/ufs/s3.test.ts).
//
// Two shims make it behave under Bun as it does under Node: Bun's node:crypto has no DES, which
// s3rver uses only to make its continuation tokens opaque (an identity cipher keeps them
// working), and Bun's readdirSync does not sort, which s3rver's listing relies on (libuv sorts).
import { createRequire } from "node:module";
import S3rver from "s3rver";
import { tempDir } from "./temp.ts";

/** s3rver's one account. */
export const S3RVER_KEY = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface StartedS3rver {
  endpoint: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const roots = new Set<string>();
let shimmed = false;

function shimForBun(): void {
  if (shimmed) return;
  shimmed = true;
  const crypto = require("crypto") as Record<string, (...args: unknown[]) => unknown>;
  const identity = () => ({ update: (data: string | Uint8Array, encoding?: BufferEncoding) => (typeof data === "string" ? Buffer.from(data, encoding ?? "utf8") : Buffer.from(data)), final: () => Buffer.alloc(0) });
  for (const name of ["createCipheriv", "createDecipheriv"]) {
    const original = crypto[name]!;
    crypto[name] = (algorithm: unknown, ...rest: unknown[]) => (algorithm === "des" ? identity() : original(algorithm, ...rest));
  }
  // s3rver reads folders through fs-extra, which holds its own copy of readdirSync.
  const fs = createRequire(require.resolve("s3rver"))("fs-extra") as { readdirSync: (path: string, ...rest: unknown[]) => string[] };
  const readdirSync = fs.readdirSync;
  fs.readdirSync = (path: string, ...rest: unknown[]) => {
    const names = readdirSync(path, ...rest);
    return typeof path === "string" && [...roots].some((root) => path.startsWith(root)) ? names.sort() : names;
  };
}

export async function startS3rver(buckets: string[]): Promise<StartedS3rver> {
  shimForBun();
  const dir = tempDir("s3rver");
  roots.add(dir.path);
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir.path, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.close();
      roots.delete(dir.path);
      dir.remove();
    },
  };
}
