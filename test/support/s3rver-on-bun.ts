// s3rver 3.7.1 was written for Node; two of its assumptions fail under Bun, and both break
// truncated ListObjectsV2 listings (a mount's check lists one key; a folder of many keys is
// listed a page at a time). test/support/under-s3.ts calls `fitS3rverToBun(dir)` for each
// s3rver it starts; the fixes hold in this process only:
// - its walk of a bucket's folder relies on readdirSync's order, which Node (libuv) sorts by
//   name and Bun gives as the directory has it: keys came out of order, and a listing resumed
//   after a key skipped the ones it had not reached. readdirSync sorts inside s3rver's folders.
// - its continuation tokens are encrypted with the cipher "des", a name Bun's crypto does not
//   know (it knows "des-cbc", the same cipher): every truncated listing answered InternalError.
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";

// The objects s3rver's CommonJS files get from require("fs-extra") and require("crypto"),
// resolved from s3rver's own folder (node_modules may be a symbolic link).
const fromTests = createRequire(import.meta.url);
const fromS3rver = createRequire(realpathSync(fromTests.resolve("s3rver")));
const nodeFs = fromS3rver("fs-extra") as object;
const nodeCrypto = fromS3rver("crypto") as object;

const s3rverDirs = new Set<string>();
let fitted = false;

export function fitS3rverToBun(dir: string): void {
  s3rverDirs.add(dir.endsWith("/") ? dir : `${dir}/`);
  if (fitted) return;
  fitted = true;
  const fs = nodeFs as unknown as { readdirSync: (path: unknown, ...rest: unknown[]) => unknown };
  const readdirSync = fs.readdirSync.bind(nodeFs);
  fs.readdirSync = (path: unknown, ...rest: unknown[]) => {
    const names = readdirSync(path, ...rest);
    const inside = typeof path === "string" && [...s3rverDirs].some((root) => `${path}/`.startsWith(root));
    if (!inside || rest.length > 0 || !Array.isArray(names)) return names;
    return (names as string[]).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  };
  const crypto = nodeCrypto as unknown as Record<string, (algorithm: string, ...rest: unknown[]) => unknown>;
  for (const name of ["createCipheriv", "createDecipheriv"]) {
    const original = crypto[name]!.bind(nodeCrypto);
    crypto[name] = (algorithm: string, ...rest: unknown[]) => original(algorithm === "des" ? "des-cbc" : algorithm, ...rest);
  }
}
