// How a mount begins and ends (issue 17, "What to build" 1): `tessera umount`, `fusermount3 -u`
// (when installed) and `umount` each end a mount, and its process then exits 0; the daemon
// form (no -f) returns once mounted and logs to its file; a mount whose process is killed
// with kill -9 leaves a folder the next `tessera mount` recovers; --readonly answers EROFS;
// --path shows a subtree as the mount's root.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY } from "../support/processes.ts";
import { canMount, EXIT_TIMEOUT_MS, isMounted, MountHarness, ok, processesNaming, run, sayWhySkipped } from "../support/mount.ts";

sayWhySkipped("mount-lifecycle.test.ts");

describe.skipIf(!canMount())("tessera mount: mounting and unmounting", () => {
  const harness = new MountHarness();

  beforeAll(async () => {
    await harness.start();
  }, 120_000);
  afterAll(async () => {
    await harness.cleanup();
  }, 60_000);

  const unmounters: Array<[string, (mountPoint: string) => string[]]> = [
    ["tessera umount", (mountPoint) => [BINARY, "umount", mountPoint]],
    ["umount", (mountPoint) => ["umount", mountPoint]],
    ["fusermount3 -u", (mountPoint) => ["fusermount3", "-u", mountPoint]],
  ];
  for (const [name, command] of unmounters) {
    it.skipIf(name.startsWith("fusermount3") && !Bun.which("fusermount3"))(`${name} ends a mount, and the mount process exits 0`, async () => {
      const mnt = harness.dir(`mnt-${name.replace(/\W+/g, "-")}`);
      const mount = await harness.mount(mnt);
      await ok(["mkdir", join(mnt, `made-before-${name.replace(/\W+/g, "-")}`)]);
      await ok(command(mnt), { timeoutMs: EXIT_TIMEOUT_MS });
      expect(await harness.exited(mount)).toBe(0);
      expect(isMounted(mnt)).toBe(false);
      // The folder is a plain empty folder again.
      expect((await ok(["ls", "-A", mnt])).trim()).toBe("");
    }, 60_000);
  }

  it("the daemon form returns once mounted, logs to --log-file, and ends with tessera umount", async () => {
    const mnt = harness.dir("mnt-daemon");
    const log = join(harness.root.path, "daemon.log");
    const started = await harness.mountDaemon(mnt, ["--log-file", log]);
    expect(started.stderr).toBe("");
    expect(started.code).toBe(0);
    expect(isMounted(mnt)).toBe(true);
    await ok(["mkdir", join(mnt, "made-by-daemon-test")]);
    expect((await ok(["ls", mnt])).split("\n")).toContain("made-by-daemon-test");
    expect(existsSync(log)).toBe(true);
    await ok([BINARY, "umount", mnt], { timeoutMs: EXIT_TIMEOUT_MS });
    expect(isMounted(mnt)).toBe(false);
    const startMs = performance.now();
    while (processesNaming(mnt).length > 0) {
      if (performance.now() - startMs > EXIT_TIMEOUT_MS) throw new Error(`the daemon of ${mnt} still runs ${EXIT_TIMEOUT_MS} ms after its unmount; its log: ${readFileSync(log, "utf8").slice(-500)}`);
      await Bun.sleep(20);
    }
  }, 60_000);

  it("a mount process killed with kill -9 leaves a folder that the next tessera mount recovers", async () => {
    const mnt = harness.dir("mnt-killed");
    const mount = await harness.mount(mnt);
    await ok(["mkdir", join(mnt, "survives")]);
    mount.process.kill("SIGKILL");
    await harness.exited(mount);
    // The kernel keeps the mount, with nobody serving it.
    expect(isMounted(mnt)).toBe(true);
    expect((await run(["stat", mnt], { timeoutMs: 10_000 })).stderr).toContain("Transport endpoint is not connected");
    const again = await harness.mount(mnt);
    expect((await ok(["ls", mnt])).split("\n")).toContain("survives");
    expect(await harness.unmount(again)).toBe(0);
    expect(isMounted(mnt)).toBe(false);
  }, 60_000);

  it("--readonly: reads work, changes fail with EROFS (Read-only file system)", async () => {
    const writable = await harness.mount(harness.dir("mnt-rw"));
    await ok(["mkdir", join(writable.mountPoint, "ro-test")]);
    const mnt = harness.dir("mnt-ro");
    const mount = await harness.mount(mnt, ["--readonly"]);
    expect((await ok(["ls", mnt])).split("\n")).toContain("ro-test");
    for (const cmd of [["touch", join(mnt, "new")], ["mkdir", join(mnt, "new-folder")], ["rmdir", join(mnt, "ro-test")], ["chmod", "700", join(mnt, "ro-test")]]) {
      const result = await run(cmd);
      expect(result.code, cmd.join(" ")).not.toBe(0);
      expect(result.stderr, cmd.join(" ")).toContain("Read-only file system");
    }
    expect(await harness.unmount(mount)).toBe(0);
    expect(await harness.unmount(writable)).toBe(0);
  }, 60_000);

  it("--path shows a subtree of the namespace as the mount's root", async () => {
    const whole = await harness.mount(harness.dir("mnt-whole"));
    await ok(["mkdir", "-p", join(whole.mountPoint, "projects", "alpha", "inside")]);
    const mnt = harness.dir("mnt-sub");
    const sub = await harness.mount(mnt, ["--path", "/projects"]);
    expect((await ok(["ls", mnt])).trim()).toBe("alpha");
    expect((await ok(["ls", join(mnt, "alpha")])).trim()).toBe("inside");
    // What is made through the subtree lands inside it.
    await ok(["mkdir", join(mnt, "made-through-sub")]);
    expect((await ok(["ls", join(whole.mountPoint, "projects")])).trim().split("\n")).toEqual(["alpha", "made-through-sub"]);
    expect(await harness.unmount(sub)).toBe(0);
    expect(await harness.unmount(whole)).toBe(0);
  }, 60_000);
});
