// What the FUSE route itself costs (docs/mount.md "Route"), without Tessera behind it: a
// MemoryFuseFs that discards file bytes (test/support/memory-fuse-serve.ts --discard) served by
// a child process, and measured through the kernel: stat(2) per second with the kernel's
// attribute cache off (every stat a GETATTR round trip) and on, and dd of 1 GiB in 1 MiB blocks
// into and out of the mount, with and without FUSE_WRITEBACK_CACHE. Needs root and /dev/fuse.
// Run: bun bench/fuse-route.ts [--size-mib N]
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/support/temp.ts";
import { unmountPath } from "../src/mount/fuse/mount.ts";

const SERVE = join(import.meta.dir, "../test/support/memory-fuse-serve.ts");
const sizeFlag = process.argv.indexOf("--size-mib");
const SIZE_MIB = sizeFlag > 0 ? Number(process.argv[sizeFlag + 1]) : 1024;
const STAT_SECONDS = 3;

async function serve(mountPoint: string, flags: string[]): Promise<Bun.Subprocess> {
  const child = Bun.spawn([process.execPath, SERVE, mountPoint, "--discard", ...flags], { stdout: "pipe", stderr: "inherit" });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  if (!new TextDecoder().decode(first.value).includes("mounted")) throw new Error("the memory file system did not mount");
  reader.releaseLock();
  return child;
}

async function sh(cmd: string[]): Promise<string> {
  const child = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}: ${err}`);
  return out + err;
}

/** stat(2) of one file in a loop for STAT_SECONDS, in a child process (this one serves nothing, but stays honest). */
async function statsPerSecond(path: string): Promise<number> {
  const out = await sh([process.execPath, "-e", `
    const { statSync } = require("node:fs");
    const end = performance.now() + ${STAT_SECONDS * 1000};
    let n = 0;
    while (performance.now() < end) { statSync(${JSON.stringify(path)}); n++; }
    console.log(n / ${STAT_SECONDS});
  `]);
  return Number(out.trim());
}

async function ddMBps(args: string[]): Promise<number> {
  const started = performance.now();
  await sh(["dd", ...args, "bs=1M", "status=none"]);
  return (SIZE_MIB * 1.048576) / ((performance.now() - started) / 1000);
}

const temp = tempDir("fuse-route");
const mountPoint = join(temp.path, "mnt");
mkdirSync(mountPoint);
const results: Record<string, string> = {};
try {
  for (const [label, flags] of [
    ["no cache", ["--no-cache"]],
    ["1 s cache", []],
  ] as const) {
    const child = await serve(mountPoint, [...flags]);
    await sh(["touch", `${mountPoint}/f`]);
    results[`stat/s, ${label}`] = (await statsPerSecond(`${mountPoint}/f`)).toFixed(0);
    await unmountPath(mountPoint, { lazy: true });
    await child.exited;
  }
  for (const [label, flags] of [
    ["", []],
    [" (writeback cache)", ["--writeback"]],
  ] as const) {
    const child = await serve(mountPoint, [...flags]);
    results[`dd write ${SIZE_MIB} MiB${label}, MB/s`] = (await ddMBps(["if=/dev/zero", `of=${mountPoint}/big`, `count=${SIZE_MIB}`])).toFixed(0);
    await sh(["sh", "-c", "echo 3 > /proc/sys/vm/drop_caches"]).catch(() => undefined);
    results[`dd read ${SIZE_MIB} MiB${label}, MB/s`] = (await ddMBps([`if=${mountPoint}/big`, "of=/dev/null"])).toFixed(0);
    const size = (await sh(["stat", "-c", "%s", `${mountPoint}/big`])).trim();
    results[`size after dd${label}`] = size;
    await unmountPath(mountPoint, { lazy: true });
    await child.exited;
  }
} finally {
  await unmountPath(mountPoint, { lazy: true }).catch(() => undefined);
  temp.remove();
}
for (const [key, value] of Object.entries(results)) console.log(`${key.padEnd(44)} ${value}`);
