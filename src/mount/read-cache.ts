// The mount's local read cache (--cache-dir, --cache-size): chunk pieces kept on the mounting
// machine's disk, keyed by chunk id and version (a chunk's bytes never change), evicted LRU.
import type { FileRangeReader, StatView } from "../client/fs.ts";

export interface MountReadCache {
  /** A reader of `stat`'s file that serves what the cache holds and keeps what `reader` fetches. */
  wrap(stat: StatView, reader: FileRangeReader): FileRangeReader;
  close(): Promise<void>;
}
