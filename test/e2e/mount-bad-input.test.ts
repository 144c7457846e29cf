// Bad input to the mount (issue 17, "What must be shown"): `tessera mount` refuses a mount
// point that does not exist, one that is not empty and one already mounted, each with one
// sentence and a non-zero exit; through the mount, a name over 255 bytes, a write past the
// file-size bound and an rmdir of a non-empty folder fail with the errno a POSIX program
// expects (its own message: "File name too long", "File too large", "Directory not empty"),
// and after each the mount keeps serving.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY } from "../support/processes.ts";
import { canMount, MountHarness, ok, run, sayWhySkipped, type MountProcess } from "../support/mount.ts";
import { CHUNK_SIZE_BYTES_DEFAULT } from "../../src/protocol/limits.ts";
import { CHUNKS_PER_FILE_MAX } from "../../src/master/state/limits.ts";

sayWhySkipped("mount-bad-input.test.ts");

/** The largest file: the most chunks a file may have, of the default chunk size (a mount's files have it). */
const FILE_SIZE_BYTES_MAX = CHUNKS_PER_FILE_MAX * CHUNK_SIZE_BYTES_DEFAULT;

/** A refusal of the CLI: a non-zero exit and one sentence on stderr (cmd/tessera.ts). */
function expectOneSentence(result: { code: number; stderr: string }, message: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/^tessera: [^\n]+\.\n$/);
  expect(result.stderr).toMatch(message);
}

describe.skipIf(!canMount())("tessera mount: bad input", () => {
  const harness = new MountHarness();
  let mount: MountProcess;
  let mnt: string;
  /** The mount still answers: ls lists the folder made before the bad input. */
  const stillServing = async () => {
    expect(mount.process.exitCode).toBeNull();
    expect((await ok(["ls", mnt])).split("\n")).toContain("kept");
  };

  beforeAll(async () => {
    await harness.start();
    mnt = harness.dir("mnt");
    mount = await harness.mount(mnt);
    await ok(["mkdir", join(mnt, "kept")]);
  }, 120_000);
  afterAll(async () => {
    await harness.cleanup();
  }, 60_000);

  it("a mount point that does not exist, one that is not empty and one already mounted are refused in one sentence", async () => {
    const missing = join(harness.root.path, "no-such-folder");
    expectOneSentence(await run([BINARY, "mount", missing, ...harness.joinFlags(), "-f"], { timeoutMs: 30_000 }), /no-such-folder/);
    const full = harness.dir("not-empty");
    writeFileSync(join(full, "a-file"), "x");
    expectOneSentence(await run([BINARY, "mount", full, ...harness.joinFlags(), "-f"], { timeoutMs: 30_000 }), /not empty/i);
    const file = join(harness.root.path, "a-file-not-a-folder");
    writeFileSync(file, "x");
    expectOneSentence(await run([BINARY, "mount", file, ...harness.joinFlags(), "-f"], { timeoutMs: 30_000 }), /folder|director/i);
    expectOneSentence(await run([BINARY, "mount", mnt, ...harness.joinFlags(), "-f"], { timeoutMs: 30_000 }), /already|is a mount/i);
    await stillServing();
  }, 120_000);

  it("a name over 255 bytes: ENAMETOOLONG (File name too long), for a file, a folder and a lookup", async () => {
    const long = "n".repeat(256);
    for (const cmd of [["touch", join(mnt, long)], ["mkdir", join(mnt, long)], ["stat", join(mnt, long)]]) {
      const result = await run(cmd);
      expect(result.code, cmd[0]).not.toBe(0);
      expect(result.stderr, cmd[0]).toContain("File name too long");
    }
    // 255 bytes of UTF-8 are a name; 256 are not, in characters fewer than 256.
    const name255 = "é".repeat(127) + "x";
    await ok(["mkdir", join(mnt, name255)]);
    expect((await ok(["ls", mnt])).split("\n")).toContain(name255);
    expect((await run(["mkdir", join(mnt, "é".repeat(128))])).stderr).toContain("File name too long");
    await ok(["rmdir", join(mnt, name255)]);
    await stillServing();
  }, 60_000);

  it("a write past the file-size bound: EFBIG (File too large) from truncate and from dd, and the file is as it was", async () => {
    const file = join(mnt, "bounded.bin");
    await ok(["sh", "-c", `printf 'abc' > '${file}'`]);
    const grow = await run(["truncate", "-s", String(FILE_SIZE_BYTES_MAX + 1), file]);
    expect(grow.code).not.toBe(0);
    expect(grow.stderr).toContain("File too large");
    const write = await run(["dd", "if=/dev/zero", `of=${file}`, "bs=1", "count=1", `seek=${FILE_SIZE_BYTES_MAX}`, "conv=notrunc", "status=none"]);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain("File too large");
    expect((await ok(["stat", "-c", "%s", file])).trim()).toBe("3");
    expect(await ok(["cat", file])).toBe("abc");
    await stillServing();
  }, 60_000);

  it("rmdir of a non-empty folder: ENOTEMPTY (Directory not empty), and the folder keeps what it holds", async () => {
    const folder = join(mnt, "full");
    await ok(["mkdir", folder]);
    await ok(["mkdir", join(folder, "inside")]);
    const result = await run(["rmdir", folder]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Directory not empty");
    expect((await ok(["ls", folder])).trim()).toBe("inside");
    // mv onto a non-empty folder is refused the same way.
    await ok(["mkdir", join(mnt, "empty")]);
    const rename = await run(["python3", "-c", "import os, sys; os.rename(sys.argv[1], sys.argv[2])", join(mnt, "empty"), folder]);
    expect(rename.code).not.toBe(0);
    expect(rename.stderr).toContain("Directory not empty");
    await ok(["rm", "-r", folder, join(mnt, "empty")]);
    await stillServing();
  }, 60_000);

  it("errors of missing names and wrong kinds: ENOENT, EEXIST, ENOTDIR, EISDIR", async () => {
    expect((await run(["cat", join(mnt, "missing")])).stderr).toContain("No such file or directory");
    expect((await run(["mkdir", join(mnt, "kept")])).stderr).toContain("File exists");
    await ok(["touch", join(mnt, "a-file")]);
    expect((await run(["ls", join(mnt, "a-file", "below")])).stderr).toContain("Not a directory");
    await ok(["mkdir", join(mnt, "a-folder")]);
    expect((await run(["sh", "-c", `echo x > '${join(mnt, "a-folder")}'`])).stderr).toContain("Is a directory");
    await ok(["rm", "-r", join(mnt, "a-folder"), join(mnt, "a-file")]);
    await stillServing();
  }, 60_000);
});
