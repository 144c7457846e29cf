// A chunk writer whose commit and abort are wrapped (a store decorator reports a commit, a
// tiered store reserves and releases room), everything else passed through to the writer it
// wraps, writeChecked included: a decorator that dropped it would make the write pipeline
// compute every packet's CRCs a second time.
import type { ChunkInfo, ChunkWriter } from "./store.ts";

export function withCommitHooks(writer: ChunkWriter, hooks: { commit(): Promise<ChunkInfo>; abort(): Promise<void> }): ChunkWriter {
  const wrapped: ChunkWriter = {
    get id() {
      return writer.id;
    },
    get version() {
      return writer.version;
    },
    get writtenBytes() {
      return writer.writtenBytes;
    },
    write: (bytes) => writer.write(bytes),
    commit: hooks.commit,
    abort: hooks.abort,
  };
  if (writer.writeChecked) {
    const writeChecked = writer.writeChecked.bind(writer);
    wrapped.writeChecked = (packet, blockCrcs) => writeChecked(packet, blockCrcs);
  }
  return wrapped;
}
