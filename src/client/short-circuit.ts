// What a map task's worker thread needs to read its input chunk directly (HDFS short-circuit
// reads): the chunk store's reader, which takes plain data (paths, CRCs) and holds no network.
// A room of its own, so compute/ reaches the chunk store through the client as the
// architecture's table says, and the worker thread loads this small module only.
export { LocalChunkReader, type LocalChunkLocation } from "../chunk/store/local-chunk-reader.ts";
export type { LocalChunkSpan } from "./file-reader.ts";
