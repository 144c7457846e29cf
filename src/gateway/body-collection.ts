// Bytes of request bodies a gateway has taken since the last full garbage collection, counted
// once for the whole process: a peer serving S3 and WebHDFS at once collects by their sum. The
// copies a body makes on its way to the chunk servers are freed only when JavaScriptCore
// collects, so a gateway bounds its memory by collecting every so many body bytes (each
// gateway measured its own interval: docs/s3.md and docs/webhdfs.md, "Memory").
let bodyBytesSinceCollection = 0;

/** Counts `bytes` of a body; runs a full collection when `everyBytes` have come since the last. */
export function collectAfterBodyBytes(bytes: number, everyBytes: number): void {
  bodyBytesSinceCollection += bytes;
  if (bodyBytesSinceCollection < everyBytes) return;
  bodyBytesSinceCollection = 0;
  Bun.gc(true);
}
