// `fs ls` prints as `hdfs dfs -ls` does (cmd/ls-format.ts), and chown's and chgrp's arguments
// read as HDFS's FsShell reads them (cmd/fs-permissions.ts).
import { describe, expect, it } from "vitest";
import type { StatView } from "../../src/client/fs.ts";
import { lsLines, lsTime } from "../../cmd/ls-format.ts";
import { checkMode, parseGroupSpec, parseOwnerSpec, PermissionUsageError } from "../../cmd/fs-permissions.ts";

const at = new Date(2026, 11, 6, 17, 51, 42).getTime(); // local time, as HDFS prints it

function entry(fields: Partial<StatView> & Pick<StatView, "path" | "kind">): StatView {
  return { size: 0, replication: 3, chunkSize: 0, mtimeMs: at, state: "closed", chunks: [], attributes: {}, owner: "alice", group: "supergroup", permission: fields.kind === "dir" ? 0o755 : 0o644, accessTimeMs: 0, ...fields };
}

describe("lsLines", () => {
  it("prints a folder and a file in HDFS's columns", () => {
    const lines = lsLines([entry({ path: "/data", kind: "dir", replication: 0, size: 0 }), entry({ path: "/data.csv", kind: "file", size: 1234 })]);
    expect(lines).toEqual([
      "drwxr-xr-x   - alice supergroup          0 2026-12-06 17:51 /data",
      "-rw-r--r--   3 alice supergroup       1234 2026-12-06 17:51 /data.csv",
    ]);
  });

  it("widens owner, group, replication and size to the widest entry, and shows the sticky bit", () => {
    const lines = lsLines([
      entry({ path: "/tmp", kind: "dir", permission: 0o1777, owner: "hdfs", group: "g" }),
      entry({ path: "/big", kind: "file", size: 123_456_789_012, replication: 1000, owner: "a-much-longer-user", group: "analysts" }),
    ]);
    expect(lines).toEqual([
      "drwxrwxrwt    - hdfs               g                   0 2026-12-06 17:51 /tmp",
      "-rw-r--r-- 1000 a-much-longer-user analysts 123456789012 2026-12-06 17:51 /big",
    ]);
  });

  it("prints a symbolic link as ls -l does: l, no replication, the target's bytes, path -> target", () => {
    expect(lsLines([entry({ path: "/l", kind: "symlink", permission: 0o777, size: 6, symlinkTarget: "/data1" })])).toEqual(["lrwxrwxrwx   - alice supergroup          6 2026-12-06 17:51 /l -> /data1"]);
  });

  it("prints local time to the minute", () => {
    expect(lsTime(new Date(2027, 0, 2, 3, 4, 59).getTime())).toBe("2027-01-02 03:04");
  });

  it("puts an entry's extra columns (a mounted file's cache state) just before its path, and none for the others", () => {
    const lines = lsLines([entry({ path: "/m/a", kind: "file", size: 5 }), entry({ path: "/b", kind: "file", size: 5 })], (e) => (e.path.startsWith("/m/") ? "PERSISTED 100% MEM:100%" : undefined));
    expect(lines).toEqual([
      "-rw-r--r--   3 alice supergroup          5 2026-12-06 17:51 PERSISTED 100% MEM:100% /m/a",
      "-rw-r--r--   3 alice supergroup          5 2026-12-06 17:51 /b",
    ]);
  });
});

describe("chown and chgrp arguments", () => {
  it("reads OWNER, OWNER:GROUP, OWNER: and :GROUP", () => {
    expect(parseOwnerSpec("alice")).toEqual({ owner: "alice" });
    expect(parseOwnerSpec("alice:staff")).toEqual({ owner: "alice", group: "staff" });
    expect(parseOwnerSpec("alice:")).toEqual({ owner: "alice" });
    expect(parseOwnerSpec(":staff")).toEqual({ group: "staff" });
    expect(parseOwnerSpec("svc.etl@EXAMPLE.COM")).toEqual({ owner: "svc.etl@EXAMPLE.COM" });
    expect(parseGroupSpec("data-eng_1")).toBe("data-eng_1");
  });

  it("refuses a spec naming neither, or a name with other characters, in one sentence", () => {
    for (const bad of [":", "", "al ice", "alice:st:aff", "bob;rm", "x".repeat(257)]) {
      expect(() => parseOwnerSpec(bad), bad).toThrow(PermissionUsageError);
    }
    for (const bad of ["", "a b", "g:h"]) expect(() => parseGroupSpec(bad), bad).toThrow(PermissionUsageError);
    expect(() => parseOwnerSpec(":")).toThrow(/names neither an owner nor a group/);
  });

  it("checks a mode before anything is sent", () => {
    expect(() => checkMode("u+x,go-w")).not.toThrow();
    expect(() => checkMode("1777")).not.toThrow();
    expect(() => checkMode("rwx")).toThrow(PermissionUsageError);
    expect(() => checkMode("rwx")).toThrow(/"rwx" is not a mode/);
  });
});
