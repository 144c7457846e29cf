// Random writes and what another mount sees of them (issue 17, "What must be shown"): SQLite
// making a database of 10,000 rows on the mount and reading it back after a remount, dd
// overwriting the middle of a 200 MiB file (and a range across a chunk boundary) with the
// file's sha256 as expected, and two mounts of one cluster, in two processes, where a file
// closed on one shows its new bytes on the other within the attribute timeout (close-to-open,
// docs/mount.md "Consistency").
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { randomFillSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { canMount, MiB, MountHarness, ok, run, sayWhySkipped, sha256Local, sha256sum, writeRandomFile, type MountProcess } from "../support/mount.ts";

sayWhySkipped("mount-writes.test.ts");

/** The attribute timeout of a mount (VFS_ATTR_TIMEOUT_MS), and how long past it a change may take to show. */
const ATTR_TIMEOUT_MS = 1_000;
const VISIBLE_WITHIN_MS = 3 * ATTR_TIMEOUT_MS;
/** Tessera's default chunk size: the second dd crosses the boundary between chunks 1 and 2. */
const CHUNK_BYTES = 64 * MiB;

describe.skipIf(!canMount())("tessera mount: random writes and two mounts", () => {
  const harness = new MountHarness();
  let first: MountProcess;
  let second: MountProcess;
  let a: string;
  let b: string;

  beforeAll(async () => {
    await harness.start();
    a = harness.dir("mnt-a");
    b = harness.dir("mnt-b");
    first = await harness.mount(a);
    second = await harness.mount(b);
  }, 120_000);
  afterAll(async () => {
    await harness.cleanup();
  }, 60_000);

  it("sqlite3 makes a database of 10,000 rows on the mount; after a remount it reads back whole and intact", async () => {
    await ok(["mkdir", join(a, "db")]);
    const db = join(a, "db", "rows.sqlite");
    const sql = (statements: string) => ok(["sqlite3", "-bail", db, statements], { timeoutMs: 120_000 });
    await sql(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL);" +
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000) INSERT INTO t SELECT x, printf('row-%05d', x) FROM c;",
    );
    // More transactions that rewrite pages in place (the journal, then the database's pages).
    await sql("UPDATE t SET v = v || '!' WHERE id % 7 = 0; DELETE FROM t WHERE id > 9990; INSERT INTO t VALUES (9991, 'back');");
    first = await harness.remount(first);
    const answer = (await sql("PRAGMA integrity_check; SELECT count(*), sum(id), sum(length(v)) FROM t; SELECT v FROM t WHERE id IN (7, 9991, 9992) ORDER BY id;")).trim().split("\n");
    // 9,991 rows: 1..9991; 9 characters each, one more for the 1,427 multiples of 7 up to 9,990, 4 for 'back'.
    expect(answer).toEqual(["ok", `9991|${(9990 * 9991) / 2 + 9991}|${9990 * 9 + 1427 + 4}`, "row-00007!", "back"]);
    // The other mount reads the same database.
    expect((await ok(["sqlite3", join(b, "db", "rows.sqlite"), "SELECT count(*) FROM t;"])).trim()).toBe("9991");
  }, 240_000);

  it("dd conv=notrunc overwrites the middle of a 200 MiB file and a range across a chunk boundary; the sha256 is the locally patched file's", async () => {
    const sizeBytes = 200 * MiB;
    const local = join(harness.root.path, "big.bin");
    writeRandomFile(local, sizeBytes);
    const patch = join(harness.root.path, "patch.bin");
    const patchBytes = new Uint8Array(8 * MiB);
    randomFillSync(patchBytes);
    writeFileSync(patch, patchBytes);
    const onMount = join(a, "big.bin");
    await ok(["cp", local, onMount], { timeoutMs: 120_000 });
    // 8 MiB in the middle, in whole MiB; then 40 KiB from 16 KiB before the end of the second
    // chunk (at 128 MiB) into the third,
    // starting at a byte that is no page boundary.
    const overwrites = [
      ["bs=1M", "count=8", "seek=96"],
      ["bs=4096", "count=10", `seek=${CHUNK_BYTES * 2 - 16 * 1024 - 100}`, "oflag=seek_bytes"],
    ];
    for (const operands of overwrites) {
      for (const target of [local, onMount]) await ok(["dd", `if=${patch}`, `of=${target}`, "conv=notrunc", "status=none", ...operands], { timeoutMs: 60_000 });
    }
    const expected = sha256Local(local);
    expect((await ok(["stat", "-c", "%s", onMount])).trim()).toBe(String(sizeBytes));
    expect(await sha256sum(onMount)).toBe(expected);
    // The other mount process never had these pages: what it reads came from the peers.
    expect(await sha256sum(join(b, "big.bin"))).toBe(expected);
    await ok(["rm", onMount]);
  }, 240_000);

  it("a file closed on one mount shows its new bytes on the other within the attribute timeout", async () => {
    const onA = join(a, "shared.txt");
    const onB = join(b, "shared.txt");
    const readOnB = async () => {
      const result = await run(["cat", onB]);
      return result.code === 0 ? result.stdout : undefined;
    };
    const visible = async (what: string, expected: string): Promise<number> => {
      const startMs = performance.now();
      for (;;) {
        if ((await readOnB()) === expected) return performance.now() - startMs;
        if (performance.now() - startMs > VISIBLE_WITHIN_MS) throw new Error(`${what} was not visible on the second mount within ${VISIBLE_WITHIN_MS} ms (it reads ${JSON.stringify(await readOnB())})`);
        await Bun.sleep(20);
      }
    };
    // A new file; then the same size with other bytes (the case a stale page cache would hide),
    // then longer, then shorter. Each write closes before the clock starts.
    const versions = ["first version\n", "FIRST VERSION\n", "a longer second version of the file\n", "short\n"];
    for (const version of versions) {
      await ok(["sh", "-c", `printf '%s' "$1" > "$2"`, "sh", version, onA]);
      const tookMs = await visible(JSON.stringify(version), version);
      expect(tookMs).toBeLessThan(VISIBLE_WITHIN_MS);
    }
    // A folder made and a file renamed on one: listed on the other.
    await ok(["mkdir", join(a, "made-on-a")]);
    await ok(["mv", onA, join(a, "made-on-a", "renamed.txt")]);
    const startMs = performance.now();
    for (;;) {
      const listing = await run(["ls", join(b, "made-on-a")]);
      if (listing.code === 0 && listing.stdout.trim() === "renamed.txt" && (await run(["stat", onB])).code !== 0) break;
      if (performance.now() - startMs > VISIBLE_WITHIN_MS) throw new Error(`the rename on the first mount was not visible on the second within ${VISIBLE_WITHIN_MS} ms`);
      await Bun.sleep(20);
    }
    expect((await ok(["cat", join(b, "made-on-a", "renamed.txt")]))).toBe("short\n");
  }, 60_000);

  it("both mount processes are still serving", async () => {
    expect(first.process.exitCode).toBeNull();
    expect(second.process.exitCode).toBeNull();
    await ok(["ls", a, b]);
  });
});
