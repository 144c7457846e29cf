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
// Under Bun it needs the two fixes of s3rver-on-bun.ts (its continuation tokens' cipher, and
// the sorted folder reads its listing relies on).
import S3rver from "s3rver";
import { fitS3rverToBun } from "./s3rver-on-bun.ts";
import { tempDir } from "./temp.ts";

/** s3rver's one account. */
export const S3RVER_KEY = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface StartedS3rver {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startS3rver(buckets: string[]): Promise<StartedS3rver> {
  const dir = tempDir("s3rver");
  fitS3rverToBun(dir.path);
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir.path, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.close();
      dir.remove();
    },
  };
}
