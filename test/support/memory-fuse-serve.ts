// A child process serving a MemoryFuseFs at argv[2] (test/mount/fuse-kernel.test.ts, and the
// route measurement in bench/fuse-route.ts): prints "mounted" once the kernel's INIT was
// answered and exits when the mount goes away. Flags: --discard (MemoryFuseFs discardWrites),
// --writeback (FUSE_WRITEBACK_CACHE), --no-cache (entries and attributes valid 0 ms: every stat
// is a round trip), --debug (every request on stderr).
import { mountFuse } from "../../src/mount/fuse/mount.ts";
import { MemoryFuseFs } from "./memory-fuse-fs.ts";

const mountPoint = process.argv[2];
if (!mountPoint) {
  console.error("usage: memory-fuse-serve.ts MOUNTPOINT [--discard] [--writeback] [--no-cache] [--debug]");
  process.exit(2);
}
const flags = new Set(process.argv.slice(3));
const fs = new MemoryFuseFs({ discardWrites: flags.has("--discard"), validMs: flags.has("--no-cache") ? 0 : undefined });
const mounted = await mountFuse(mountPoint, fs, {
  writebackCache: flags.has("--writeback"),
  debug: flags.has("--debug") ? (line) => console.error(line) : undefined,
});
process.on("SIGTERM", () => void mounted.unmount({ lazy: true }));
console.log("mounted");
await mounted.closed;
console.log("closed");
process.exit(0);
