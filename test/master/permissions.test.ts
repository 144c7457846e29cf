// HDFS's permission model on the master (issue 15, docs/permissions.md): first the pure rules
// of permissions.ts (owner, else group, else other; the superuser and the supergroup; the
// sticky bit; the umask; HDFS's messages), then each operation's rule through log commands
// that carry their caller, applied to a namespace as every master applies them.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  applyUmask,
  checkerFor,
  EXECUTE,
  isSuperuser,
  parseUmask,
  PermissionChecker,
  permissionSettingsOf,
  READ,
  WRITE,
  type PermissionSettings,
  type PermRow,
} from "../../src/master/state/permissions.ts";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand, type LogCommandKind, type LogCommandOf, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { ReplayedCall } from "../../src/master/state/retry-cache.ts";
import { SCHEMA_VERSION } from "../../src/master/state/namespace-schema.ts";
import { WireError } from "../../src/protocol/errors.ts";
import type { Caller } from "../../src/protocol/pb/log.ts";
import { tempDir } from "../support/temp.ts";

const names = { superuser: "hdfs", supergroup: "supergroup" };
const settings: PermissionSettings = { superuser: "hdfs", supergroup: "supergroup", umask: 0o022, enabled: true };
const dir = (owner: string, grp: string, mode: number): PermRow => ({ owner, grp, mode, kind: "dir" });
const file = (owner: string, grp: string, mode: number): PermRow => ({ owner, grp, mode, kind: "file" });
const as = (user: string, ...groups: string[]) => new PermissionChecker({ user, groups }, names);

describe("the pure rules (HDFS's FSPermissionChecker)", () => {
  it("one class decides: the owner's bits, else the group's, else other's", () => {
    const row = file("alice", "staff", 0o640);
    expect(as("alice").permits(row, READ | WRITE)).toBe(true);
    expect(as("alice").permits(row, EXECUTE)).toBe(false);
    expect(as("bob", "staff").permits(row, READ)).toBe(true);
    expect(as("bob", "staff").permits(row, WRITE)).toBe(false);
    expect(as("carol").permits(row, READ)).toBe(false);
    // An owner denied by its own bits is denied, whatever the group and other may do.
    const open = file("alice", "staff", 0o077);
    expect(as("alice", "staff").permits(open, READ)).toBe(false);
    expect(as("bob", "staff").permits(open, READ)).toBe(true);
    expect(as("carol").permits(open, READ | WRITE | EXECUTE)).toBe(true);
  });

  it("NULL owner and group are the superuser and supergroup of the day", () => {
    const upgraded: PermRow = { owner: null, grp: null, mode: 0o750, kind: "dir" };
    expect(as("hdfs").permits(upgraded, WRITE)).toBe(true);
    expect(as("bob", "supergroup").permits(upgraded, READ | EXECUTE)).toBe(true);
    expect(as("bob").permits(upgraded, READ)).toBe(false);
  });

  it("the superuser, or a member of the supergroup, gets no checker at all; permissions off, nobody does", () => {
    expect(isSuperuser({ user: "hdfs", groups: [] }, settings)).toBe(true);
    expect(isSuperuser({ user: "bob", groups: ["supergroup"] }, settings)).toBe(true);
    expect(isSuperuser({ user: "bob", groups: ["staff"] }, settings)).toBe(false);
    // Before the first leader names one, only the cluster itself is the superuser.
    expect(isSuperuser({ user: "hdfs", groups: [] }, { ...settings, superuser: undefined })).toBe(false);
    expect(checkerFor({ user: "hdfs", groups: [] }, settings)).toBeUndefined();
    expect(checkerFor({ user: "bob", groups: [] }, settings)).toBeInstanceOf(PermissionChecker);
    expect(checkerFor({ user: "bob", groups: [] }, { ...settings, enabled: false })).toBeUndefined();
  });

  it("the sticky bit: an entry leaves only by its owner, the folder's owner or the superuser", () => {
    const tmp = dir("hdfs", "supergroup", 0o1777);
    const alices = file("alice", "staff", 0o644);
    expect(as("alice").mayRemove(tmp, alices)).toBe(true);
    expect(as("bob").mayRemove(tmp, alices)).toBe(false);
    expect(as("bob").stickyAllows(dir("bob", "g", 0o1777), alices)).toBe(true);
    expect(as("bob").mayRemove(dir("hdfs", "g", 0o777), alices)).toBe(true);
    expect(() => as("bob").sticky(tmp, "/tmp", alices, "/tmp/a")).toThrow(
      'Permission denied by sticky bit: user=bob, path="/tmp/a":alice:staff:-rw-r--r--, parent="/tmp":hdfs:supergroup:drwxrwxrwt',
    );
    // Without WRITE on the folder nobody but the superuser removes anything.
    expect(as("alice").mayRemove(dir("hdfs", "g", 0o1755), alices)).toBe(false);
  });

  it("denials read as HDFS's AccessControlException messages", () => {
    expect(() => as("bob").access(dir("alice", "supergroup", 0o755), "/data", WRITE)).toThrow(
      'Permission denied: user=bob, access=WRITE, inode="/data":alice:supergroup:drwxr-xr-x',
    );
    let code = "";
    try {
      as("bob").traverse(dir("alice", "g", 0o700), () => "/private");
    } catch (err) {
      code = (err as WireError).code;
      expect((err as Error).message).toBe('Permission denied: user=bob, access=EXECUTE, inode="/private":alice:g:drwx------');
    }
    expect(code).toBe("PERMISSION_DENIED");
  });

  it("the umask: octal text, applied to HDFS's 777 and 666", () => {
    expect(parseUmask("022")).toBe(0o022);
    expect(parseUmask("0077")).toBe(0o077);
    expect(parseUmask("8")).toBeUndefined();
    expect(parseUmask("1000")).toBeUndefined();
    expect(parseUmask("")).toBeUndefined();
    expect(applyUmask(0o777, 0o022)).toBe(0o755);
    expect(applyUmask(0o666, 0o027)).toBe(0o640);
    expect(applyUmask(0o1777, 0o022)).toBe(0o1755);
  });

  it("settings read with their defaults", () => {
    const map = new Map<string, string>();
    const get = (key: string) => (map.has(key) ? new TextEncoder().encode(map.get(key)) : undefined);
    expect(permissionSettingsOf(get)).toEqual({ superuser: undefined, supergroup: "supergroup", umask: 0o022, enabled: true });
    map.set("permissions/superuser", "hdfs").set("permissions/supergroup", "admins").set("permissions/umask", "077").set("permissions/enabled", "false");
    expect(permissionSettingsOf(get)).toEqual({ superuser: "hdfs", supergroup: "admins", umask: 0o077, enabled: false });
  });
});

// --- through the namespace ------------------------------------------------------------------------

const MiB = 1024 * 1024;
type Command = { [K in LogCommandKind]: { [P in K]: Partial<LogCommandOf<P>> } }[LogCommandKind];
const ALICE: Caller = { user: "alice", groups: ["staff"] };
const BOB: Caller = { user: "bob", groups: ["bob"] };
const CAROL: Caller = { user: "carol", groups: ["staff"] };
const ADMIN: Caller = { user: "root-ish", groups: ["supergroup"] };
const text = (value: string) => new TextEncoder().encode(value);

function harness(ns = Namespace.open()) {
  let index = ns.appliedIndex();
  let clientSeq = 0;
  const run = (command: Command, caller?: Caller, call?: TypedLogCommand["call"]): any =>
    ns.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand({ ...(command as TypedLogCommand), ...(caller ? { caller } : {}), ...(call ? { call } : {}) }) });
  /** The refusal's code and message of a command that must fail. */
  const refusal = (command: Command, caller?: Caller): { code: string; message: string } => {
    try {
      run(command, caller);
    } catch (err) {
      expect(err).toBeInstanceOf(WireError);
      return { code: (err as WireError).code, message: (err as Error).message };
    }
    throw new Error(`${Object.keys(command)[0]} succeeded`);
  };
  const denied = (command: Command, caller: Caller): string => {
    const { code, message } = refusal(command, caller);
    expect(code, message).toBe("PERMISSION_DENIED");
    return message;
  };
  /** A closed file of one committed chunk per size, written by `caller`. */
  const write = (path: string, sizes: number[], caller?: Caller, permission?: number): number => {
    const clientId = `12D3KooWPeer/${++clientSeq}`;
    const { fileId } = run({ create: { path, replication: 3, chunkSizeBytes: 64 * MiB, clientId, leaseExpiryMs: 60_000, mtimeMs: 1_000, ...(permission !== undefined ? { permission } : {}) } }, caller);
    sizes.forEach((sizeBytes, i) => {
      const chunk = run({ addChunk: { fileId, clientId, replicas: ["p1", "p2", "p3"] } });
      run({ commitChunk: { fileId, chunkId: chunk.chunkId, version: chunk.version, sizeBytes, clientId, ...(i === sizes.length - 1 ? { complete: true, mtimeMs: 2_000 } : {}) } });
    });
    if (sizes.length === 0) run({ complete: { fileId, clientId, mtimeMs: 2_000 } });
    return fileId;
  };
  const setting = (key: string, value: string) => run({ setSetting: { key, value: text(value) } });
  // The cluster of these tests: "hdfs" is the superuser; /home/alice is alice's (staff), /tmp is sticky.
  setting("permissions/superuser", "hdfs");
  run({ mkdir: { path: "/home/alice", parents: true, mtimeMs: 1, permission: 0o755 } });
  run({ setOwner: { path: "/home/alice", owner: "alice", group: "staff" } });
  run({ mkdir: { path: "/tmp", mtimeMs: 1, permission: 0o1777 } });
  const perm = (path: string) => {
    const stat = ns.stat(path);
    return { owner: stat.owner, group: stat.group, permission: stat.permission };
  };
  return { ns, run, refusal, denied, write, setting, perm };
}

describe("each operation's rule, checked at apply from the command's caller", () => {
  it("mkdir: WRITE on the deepest folder that exists, EXECUTE on the way; new folders are the caller's, in the parent's group; -p's folders get u+wx", () => {
    const h = harness();
    expect(h.denied({ mkdir: { path: "/home/alice/x", mtimeMs: 2, permission: 0o755 } }, BOB)).toBe(
      'Permission denied: user=bob, access=WRITE, inode="/home/alice":alice:staff:drwxr-xr-x',
    );
    h.run({ mkdir: { path: "/home/alice/a/b", parents: true, mtimeMs: 2, permission: 0o700 } }, ALICE);
    expect(h.perm("/home/alice/a")).toEqual({ owner: "alice", group: "staff", permission: 0o700 | 0o300 });
    expect(h.perm("/home/alice/a/b")).toEqual({ owner: "alice", group: "staff", permission: 0o700 });
    // An existing folder with -p only needs the traverse: bob may not go through alice's 0o700.
    expect(h.denied({ mkdir: { path: "/home/alice/a/b/c", parents: true, mtimeMs: 2 } }, BOB)).toContain("access=EXECUTE");
    h.run({ mkdir: { path: "/home/alice/a", parents: true, mtimeMs: 2 } }, ALICE);
    // An entry written before permissions (no bits): 0o755.
    h.run({ mkdir: { path: "/old", mtimeMs: 2 } });
    expect(h.perm("/old")).toEqual({ owner: "hdfs", group: "supergroup", permission: 0o755 });
  });

  it("create: WRITE on the folder; the file is the caller's with its folder's group; append takes WRITE on the file", () => {
    const h = harness();
    h.write("/home/alice/f", [10], ALICE, 0o640);
    expect(h.perm("/home/alice/f")).toEqual({ owner: "alice", group: "staff", permission: 0o640 });
    expect(h.denied({ create: { path: "/home/alice/g", replication: 3, chunkSizeBytes: 64 * MiB, clientId: "c/1", leaseExpiryMs: 9, mtimeMs: 9 } }, BOB)).toContain('access=WRITE, inode="/home/alice"');
    h.write("/tmp/bobs", [], BOB);
    expect(h.perm("/tmp/bobs")).toEqual({ owner: "bob", group: "supergroup", permission: 0o644 });
    expect(h.denied({ reopenForAppend: { path: "/home/alice/f", clientId: "c/2", leaseExpiryMs: 9, nowMs: 3 } }, CAROL)).toContain('access=WRITE, inode="/home/alice/f"');
    h.run({ reopenForAppend: { path: "/home/alice/f", clientId: "c/3", leaseExpiryMs: 9, nowMs: 3 } }, ALICE);
  });

  it("traverse needs EXECUTE on every folder on the way, the root included", () => {
    const h = harness();
    h.write("/home/alice/deep", [1], ALICE, 0o644);
    h.run({ setPermission: { path: "/home/alice", permission: 0o750 } }, ALICE);
    // carol is in staff (r-x), bob is other (---).
    expect(h.ns.stat("/home/alice/deep", { caller: CAROL }).owner).toBe("alice");
    expect(() => h.ns.stat("/home/alice/deep", { caller: BOB })).toThrow('Permission denied: user=bob, access=EXECUTE, inode="/home/alice":alice:staff:drwxr-x---');
    h.run({ setPermission: { path: "/", permission: 0o754 } });
    expect(() => h.ns.stat("/home/alice/deep", { caller: CAROL })).toThrow('access=EXECUTE, inode="/":hdfs:supergroup:drwxr-xr--');
    expect(h.ns.stat("/home/alice/deep", { caller: ADMIN }).owner).toBe("alice");
    expect(h.denied({ setTimes: { path: "/home/alice/deep", mtimeMs: 5, nowMs: 5 } }, CAROL)).toContain('inode="/"');
  });

  it("a user's stat remembers the folders on the way, and forgets them when a folder moves or changes its bits", () => {
    const h = harness();
    h.run({ mkdir: { path: "/open/d", parents: true, mtimeMs: 2, permission: 0o755 } });
    h.write("/open/d/f", [1]);
    h.run({ mkdir: { path: "/vault/d", parents: true, mtimeMs: 2, permission: 0o700 } });
    h.write("/vault/d/f", [2]);
    expect(h.ns.stat("/open/d/f", { caller: BOB }).sizeBytes).toBe(1);
    // Another folder now sits at /open/d, one bob may not traverse.
    h.run({ rename: { path: "/open/d", destination: "/moved", mtimeMs: 3 } });
    h.run({ rename: { path: "/vault/d", destination: "/open/d", mtimeMs: 3 } });
    expect(() => h.ns.stat("/open/d/f", { caller: BOB })).toThrow('access=EXECUTE, inode="/open/d"');
    expect(h.ns.stat("/moved/f", { caller: BOB }).sizeBytes).toBe(1);
    h.run({ setPermission: { path: "/moved", permission: 0o700 } });
    expect(() => h.ns.stat("/moved/f", { caller: BOB })).toThrow('access=EXECUTE, inode="/moved"');
  });

  it("stat answers chunks only with READ on the file; list takes READ and EXECUTE on every folder it walks", () => {
    const h = harness();
    h.write("/home/alice/secret", [5], ALICE, 0o600);
    const withheld = h.ns.stat("/home/alice/secret", { chunks: true, caller: BOB });
    expect(withheld.chunksWithheld).toBe(true);
    expect(withheld.chunks).toBeUndefined();
    expect(withheld.sizeBytes).toBe(5);
    expect(h.ns.stat("/home/alice/secret", { chunks: true, caller: ALICE }).chunks).toHaveLength(1);
    expect(h.ns.mayRead(withheld.id, BOB)).toBe(false);
    expect(h.ns.mayRead(withheld.id, ALICE)).toBe(true);
    h.run({ mkdir: { path: "/home/alice/closed", mtimeMs: 3, permission: 0o700 } }, ALICE);
    h.write("/home/alice/closed/x", [1], ALICE);
    expect(h.ns.list("/home/alice", { caller: BOB }).entries.map((e) => e.path)).toEqual(["/home/alice/closed", "/home/alice/secret"]);
    expect(() => h.ns.list("/home/alice/closed", { caller: BOB })).toThrow('access=READ_EXECUTE, inode="/home/alice/closed"');
    expect(() => h.ns.list("/home/alice", { caller: BOB, recursive: true })).toThrow('access=READ_EXECUTE, inode="/home/alice/closed"');
    expect(h.ns.list("/home/alice", { caller: ALICE, recursive: true }).entries).toHaveLength(3);
  });

  it("delete: WRITE on the folder and the sticky rule; a recursive delete takes ALL on every folder below that holds something", () => {
    const h = harness();
    h.write("/tmp/alices", [1], ALICE);
    expect(h.denied({ delete: { path: "/tmp/alices", nowMs: 5 } }, BOB)).toContain("Permission denied by sticky bit: user=bob");
    h.run({ delete: { path: "/tmp/alices", nowMs: 5 } }, ALICE);
    h.run({ mkdir: { path: "/tmp/shared/ro", parents: true, mtimeMs: 5, permission: 0o777 } }, BOB);
    h.write("/tmp/shared/ro/f", [1], BOB);
    h.run({ setPermission: { path: "/tmp/shared/ro", permission: 0o555 } }, BOB);
    expect(h.denied({ delete: { path: "/tmp/shared", recursive: true, nowMs: 6 } }, BOB)).toBe(
      'Permission denied: user=bob, access=ALL, inode="/tmp/shared/ro":bob:supergroup:dr-xr-xr-x',
    );
    h.run({ setPermission: { path: "/tmp/shared/ro", permission: 0o755 } }, BOB);
    expect(h.run({ delete: { path: "/tmp/shared", recursive: true, nowMs: 6 } }, BOB)).toMatchObject({ files: 1, directories: 2 });
  });

  it("delete's pruning of emptied folders stops quietly at the first the caller could not remove", () => {
    const h = harness();
    h.run({ mkdir: { path: "/home/alice/b1/k1", parents: true, mtimeMs: 5, permission: 0o777 } }, ALICE);
    // k1 is bob's inside b1, which alice keeps: bob may write k1, not b1's folder.
    h.run({ mkdir: { path: "/home/alice/b1/k1/k2", mtimeMs: 5, permission: 0o777 } }, BOB);
    h.write("/home/alice/b1/k1/k2/obj", [1], BOB);
    h.run({ setPermission: { path: "/home/alice/b1", permission: 0o755 } }, ALICE);
    h.run({ delete: { path: "/home/alice/b1/k1/k2/obj", nowMs: 6, pruneEmptyParentsBelow: "/home/alice" } }, BOB);
    // k2 went (bob may write k1); k1 stayed (b1 is not bob's to write); b1 too.
    expect(() => h.ns.stat("/home/alice/b1/k1/k2")).toThrow("does not exist");
    expect(h.ns.stat("/home/alice/b1/k1").kind).toBe("dir");
  });

  it("rename: WRITE on both folders, the sticky rule on the source, and on a replaced file's folder", () => {
    const h = harness();
    h.write("/tmp/a", [1], ALICE);
    h.write("/tmp/b", [1], BOB);
    expect(h.denied({ rename: { path: "/tmp/a", destination: "/tmp/c", mtimeMs: 7 } }, BOB)).toContain("sticky bit");
    expect(h.denied({ rename: { path: "/tmp/b", destination: "/tmp/a", mtimeMs: 7, replace: true } }, BOB)).toContain('sticky bit: user=bob, path="/tmp/a"');
    expect(h.denied({ rename: { path: "/tmp/b", destination: "/home/alice/b", mtimeMs: 7 } }, BOB)).toContain('access=WRITE, inode="/home/alice"');
    h.run({ rename: { path: "/tmp/b", destination: "/tmp/c", mtimeMs: 7 } }, BOB);
    // Missing folders of the destination follow mkdir's rule (the umask: 022, plus u+wx).
    h.run({ rename: { path: "/tmp/c", destination: "/tmp/d/e/c", mtimeMs: 7, parents: true } }, BOB);
    expect(h.perm("/tmp/d/e")).toEqual({ owner: "bob", group: "supergroup", permission: 0o755 });
  });

  it("setReplication, setAttributes, setTimes and truncate take WRITE on the inode (a folder's setReplication: on every file it changes)", () => {
    const h = harness();
    h.write("/home/alice/f", [10, 20], ALICE, 0o664);
    expect(h.denied({ setReplication: { path: "/home/alice/f", replication: 2 } }, BOB)).toContain("access=WRITE");
    expect(h.run({ setReplication: { path: "/home/alice/f", replication: 2 } }, CAROL)).toEqual({ files: 1 });
    expect(h.denied({ setAttributes: { path: "/home/alice/f", attributes: [] } }, BOB)).toContain("access=WRITE");
    expect(h.denied({ setTimes: { path: "/home/alice/f", mtimeMs: 1, nowMs: 1 } }, BOB)).toContain("access=WRITE");
    expect(h.denied({ truncate: { path: "/home/alice/f", lengthBytes: 10, nowMs: 1 } }, BOB)).toContain("access=WRITE");
    h.run({ mkdir: { path: "/home/alice/d", mtimeMs: 3, permission: 0o777 } }, ALICE);
    h.write("/home/alice/d/mine", [1], BOB);
    h.write("/home/alice/d/hers", [1], ALICE, 0o644);
    expect(h.denied({ setReplication: { path: "/home/alice/d", replication: 1 } }, BOB)).toContain('inode="/home/alice/d/hers"');
    expect(h.ns.stat("/home/alice/d/mine").replication).toBe(3);
  });

  it("setPermission: the owner or the superuser; setOwner: the owner's group to one it is in, the owner itself only by the superuser", () => {
    const h = harness();
    h.write("/home/alice/f", [1], ALICE);
    expect(h.denied({ setPermission: { path: "/home/alice/f", permission: 0o777 } }, CAROL)).toBe(
      'Permission denied. user=carol is not the owner of inode="/home/alice/f":alice:staff:-rw-r--r--',
    );
    h.run({ setPermission: { path: "/home/alice/f", permission: 0o600 } }, ALICE);
    h.run({ setPermission: { path: "/home/alice/f", permission: 0o640 } }, ADMIN);
    expect(h.perm("/home/alice/f").permission).toBe(0o640);
    expect(h.refusal({ setPermission: { path: "/home/alice/f", permission: 0o2000 } }, ALICE).code).toBe("INVALID");
    expect(h.denied({ setOwner: { path: "/home/alice/f", owner: "bob", group: "" } }, ALICE)).toContain("is not a superuser");
    expect(h.denied({ setOwner: { path: "/home/alice/f", owner: "", group: "wheel" } }, ALICE)).toContain("does not belong to wheel");
    expect(h.denied({ setOwner: { path: "/home/alice/f", owner: "", group: "bob" } }, BOB)).toContain("is not the owner");
    h.run({ setOwner: { path: "/home/alice/f", owner: "alice", group: "staff" } }, ALICE);
    h.run({ setOwner: { path: "/home/alice/f", owner: "bob", group: "" } }, ADMIN);
    expect(h.perm("/home/alice/f")).toEqual({ owner: "bob", group: "staff", permission: 0o640 });
    expect(h.refusal({ setOwner: { path: "/home/alice/f", owner: "", group: "" } }).code).toBe("INVALID");
    expect(h.refusal({ setOwner: { path: "/home/alice/f", owner: "a:b", group: "" } }).code).toBe("INVALID");
  });

  it("concat: READ on each source, WRITE on the folders they leave and on the destination's; the new file is the caller's", () => {
    const h = harness();
    h.write("/tmp/p1", [4], BOB);
    h.write("/home/alice/p2", [4], ALICE, 0o600);
    expect(h.denied({ concat: { sources: ["/tmp/p1", "/home/alice/p2"], destination: "/tmp/o", mtimeMs: 9 } }, BOB)).toContain('access=READ, inode="/home/alice/p2"');
    h.run({ setPermission: { path: "/home/alice/p2", permission: 0o644 } }, ALICE);
    expect(h.denied({ concat: { sources: ["/tmp/p1", "/home/alice/p2"], destination: "/tmp/o", mtimeMs: 9 } }, BOB)).toContain('access=WRITE, inode="/home/alice"');
    h.write("/tmp/p2", [4], BOB, 0o640);
    h.run({ concat: { sources: ["/tmp/p2", "/tmp/p1"], destination: "/tmp/o", mtimeMs: 9 } }, BOB);
    expect(h.perm("/tmp/o")).toEqual({ owner: "bob", group: "supergroup", permission: 0o640 });
  });

  it("settings are the superuser's: a user's setSetting and deleteSetting are refused; bad permission settings are refused for everyone", () => {
    const h = harness();
    expect(h.denied({ setSetting: { key: "permissions/superuser", value: text("bob") } }, BOB)).toContain("is not a superuser");
    expect(h.denied({ deleteSetting: { key: "permissions/superuser" } }, BOB)).toContain("is not a superuser");
    h.run({ setSetting: { key: "permissions/umask", value: text("077") } }, ADMIN);
    expect(h.refusal({ setSetting: { key: "permissions/umask", value: text("999") } }).code).toBe("INVALID");
    expect(h.refusal({ setSetting: { key: "permissions/enabled", value: text("maybe") } }).code).toBe("INVALID");
    expect(h.refusal({ setSetting: { key: "permissions/groups/bob", value: text("a,b:c") } }).code).toBe("INVALID");
    expect(h.ns.permissionSettings().umask).toBe(0o077);
  });

  it("the superuser passes everything; permissions/enabled=false records owners and checks nothing", () => {
    const h = harness();
    h.run({ mkdir: { path: "/home/alice/x", mtimeMs: 3, permission: 0o700 } }, { user: "hdfs", groups: [] });
    expect(h.perm("/home/alice/x").owner).toBe("hdfs");
    h.setting("permissions/enabled", "false");
    h.run({ mkdir: { path: "/home/alice/x/bobs", mtimeMs: 3, permission: 0o700 } }, BOB);
    expect(h.perm("/home/alice/x/bobs")).toEqual({ owner: "bob", group: "staff", permission: 0o700 });
    h.run({ setOwner: { path: "/home/alice", owner: "bob", group: "" } }, BOB);
    expect(h.ns.stat("/home/alice/x/bobs", { caller: CAROL, chunks: true }).owner).toBe("bob");
    // Settings stay the superuser's even then: they hold the cluster's secret.
    expect(h.denied({ setSetting: { key: "permissions/enabled", value: text("true") } }, BOB)).toContain("is not a superuser");
    h.setting("permissions/enabled", "true");
    expect(h.denied({ mkdir: { path: "/home/alice/x/more", mtimeMs: 3 } }, BOB)).toContain("access=EXECUTE");
  });

  it("a caller that is no user refuses the command alike on every master", () => {
    const h = harness();
    expect(h.refusal({ mkdir: { path: "/z", mtimeMs: 3 } }, { user: "", groups: [] }).code).toBe("INVALID");
    expect(h.refusal({ mkdir: { path: "/z", mtimeMs: 3 } }, { user: "bob", groups: ["a:b"] }).code).toBe("INVALID");
    // More groups than a command carries do not even decode (the decoder's bound).
    expect(h.refusal({ mkdir: { path: "/z", mtimeMs: 3 } }, { user: "bob", groups: Array.from({ length: 1025 }, (_, i) => `g${i}`) }).code).toBe("COMMAND_REJECTED");
  });
});

describe("setTimes and truncate", () => {
  it("setTimes sets either time or both; stat and list answer them", () => {
    const h = harness();
    h.write("/home/alice/f", [1], ALICE);
    h.run({ setTimes: { path: "/home/alice/f", accessTimeMs: 77, nowMs: 80 } }, ALICE);
    expect(h.ns.stat("/home/alice/f")).toMatchObject({ mtimeMs: 2_000, accessTimeMs: 77 });
    h.run({ setTimes: { path: "/home/alice/f", mtimeMs: 55, nowMs: 80 } }, ALICE);
    expect(h.ns.list("/home/alice").entries[0]).toMatchObject({ mtimeMs: 55, accessTimeMs: 77 });
  });

  it("truncate cuts a closed file at a chunk's end or to nothing, the chunks past it pending deletion; inside a chunk, open, or longer is refused", () => {
    const h = harness();
    h.write("/home/alice/f", [10, 20, 30], ALICE);
    const before = h.ns.counts();
    expect(h.refusal({ truncate: { path: "/home/alice/f", lengthBytes: 15, nowMs: 9 } }).message).toContain("inside a chunk (10..30)");
    expect(h.refusal({ truncate: { path: "/home/alice/f", lengthBytes: 61, nowMs: 9 } }).code).toBe("INVALID");
    expect(h.run({ truncate: { path: "/home/alice/f", lengthBytes: 30, nowMs: 9 } })).toEqual({ lengthBytes: 30, chunks: 1 });
    const stat = h.ns.stat("/home/alice/f", { chunks: true });
    expect(stat).toMatchObject({ sizeBytes: 30, mtimeMs: 9 });
    expect(stat.chunks!.map((c) => c.sizeBytes)).toEqual([10, 20]);
    expect(h.ns.counts()).toEqual({ ...before, chunks: before.chunks - 1, pendingDeletes: before.pendingDeletes + 1 });
    expect(h.run({ truncate: { path: "/home/alice/f", lengthBytes: 30, nowMs: 9 } })).toEqual({ lengthBytes: 30, chunks: 0 });
    expect(h.run({ truncate: { path: "/home/alice/f", lengthBytes: 0, nowMs: 9 } })).toEqual({ lengthBytes: 0, chunks: 2 });
    expect(h.ns.stat("/home/alice/f", { chunks: true }).chunks).toEqual([]);
    h.run({ create: { path: "/home/alice/open", replication: 3, chunkSizeBytes: 64 * MiB, clientId: "c/9", leaseExpiryMs: 9, mtimeMs: 9 } });
    expect(h.refusal({ truncate: { path: "/home/alice/open", lengthBytes: 0, nowMs: 9 } }).message).toContain("is open");
    expect(h.refusal({ truncate: { path: "/home/alice", lengthBytes: 0, nowMs: 9 } }).code).toBe("NOT_A_FILE");
  });
});

describe("the new commands are served at most once", () => {
  it("a retried setOwner, setPermission, setTimes or truncate gets its first outcome and changes nothing", () => {
    const h = harness();
    h.write("/home/alice/f", [10, 20], ALICE);
    const call = (callId: number) => ({ clientId: "12D3KooWPeer/r", callId, nowMs: 100 });
    h.run({ truncate: { path: "/home/alice/f", lengthBytes: 10, nowMs: 9 } }, ALICE, call(1));
    // The file grows again; the retry must not cut it a second time.
    h.run({ reopenForAppend: { path: "/home/alice/f", clientId: "c/a", leaseExpiryMs: 99, nowMs: 9 } }, ALICE);
    const chunk = h.run({ addChunk: { fileId: h.ns.stat("/home/alice/f").id, clientId: "c/a", replicas: ["p1"] } });
    h.run({ commitChunk: { fileId: h.ns.stat("/home/alice/f").id, chunkId: chunk.chunkId, version: 1, sizeBytes: 5, clientId: "c/a", complete: true, mtimeMs: 10 } });
    const retried = h.run({ truncate: { path: "/home/alice/f", lengthBytes: 10, nowMs: 9 } }, ALICE, call(1));
    expect(retried).toBeInstanceOf(ReplayedCall);
    expect((retried as ReplayedCall).value).toEqual({ lengthBytes: 10, chunks: 1 });
    expect(h.ns.stat("/home/alice/f").sizeBytes).toBe(15);

    h.run({ setPermission: { path: "/home/alice/f", permission: 0o600 } }, ALICE, call(2));
    h.run({ setPermission: { path: "/home/alice/f", permission: 0o644 } }, ALICE);
    expect(h.run({ setPermission: { path: "/home/alice/f", permission: 0o600 } }, ALICE, call(2))).toBeInstanceOf(ReplayedCall);
    expect(h.perm("/home/alice/f").permission).toBe(0o644);

    // A refusal is recorded too: the retry is refused alike, even once it would pass.
    const first = h.refusal({ setOwner: { path: "/home/alice/f", owner: "", group: "staff" } }, BOB);
    expect(() => h.run({ setOwner: { path: "/home/alice/f", owner: "", group: "staff" } }, BOB, call(3))).toThrow();
    h.run({ setOwner: { path: "/home/alice/f", owner: "bob", group: "" } });
    expect(() => h.run({ setOwner: { path: "/home/alice/f", owner: "", group: "staff" } }, BOB, call(3))).toThrow(first.message);

    h.run({ setTimes: { path: "/home/alice/f", accessTimeMs: 1, nowMs: 1 } }, ADMIN, call(4));
    h.run({ setTimes: { path: "/home/alice/f", accessTimeMs: 2, nowMs: 2 } }, ADMIN);
    expect(h.run({ setTimes: { path: "/home/alice/f", accessTimeMs: 1, nowMs: 1 } }, ADMIN, call(4))).toBeInstanceOf(ReplayedCall);
    expect(h.ns.stat("/home/alice/f").accessTimeMs).toBe(2);
  });
});

describe("schema 6", () => {
  it("a database of schema 5 upgrades in one step: owners the superuser and supergroup, 755 folders, 644 files, access time the mtime", () => {
    const dir = tempDir("schema-5");
    try {
      const path = join(dir.path, "namespace.db");
      const ns = Namespace.open({ path });
      const h = harness(ns);
      h.write("/home/alice/f", [3], ALICE, 0o600);
      ns.close();
      // As schema 5 left it: no permission columns (nor schema 7's under-storage ones).
      const db = new Database(path);
      db.run("DROP INDEX inodes_to_persist");
      for (const column of ["owner", "grp", "mode", "atime_ms", "ufs_fingerprint", "persist_state", "pinned", "ufs_synced_ms"]) db.run(`ALTER TABLE inodes DROP COLUMN ${column}`);
      db.run("PRAGMA user_version = 5");
      db.close();
      const upgraded = Namespace.open({ path });
      try {
        expect(upgraded.permissionSettings().superuser).toBe("hdfs");
        const f = upgraded.stat("/home/alice/f");
        expect(f).toMatchObject({ owner: "hdfs", group: "supergroup", permission: 0o644, accessTimeMs: f.mtimeMs });
        expect(upgraded.stat("/home/alice")).toMatchObject({ owner: "hdfs", group: "supergroup", permission: 0o755 });
        expect(upgraded.stat("/")).toMatchObject({ owner: "hdfs", group: "supergroup", permission: 0o755 });
        // A renamed superuser owns what the upgrade left: NULL is read as the setting of the day.
        let index = upgraded.appliedIndex();
        upgraded.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand({ setSetting: { key: "permissions/superuser", value: text("admin") } }) });
        expect(upgraded.stat("/home/alice/f").owner).toBe("admin");
        // alice no longer owns her folder (the upgrade forgot owners): she may not write it.
        expect(() => upgraded.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand({ mkdir: { path: "/home/alice/x", parents: false, mtimeMs: 5 }, caller: ALICE }) })).toThrow("Permission denied");
      } finally {
        upgraded.close();
      }
      const check = new Database(path);
      expect((check.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
      check.close();
    } finally {
      dir.remove();
    }
  });

  it("a new namespace's root is the superuser's (NULL), 0o755", () => {
    const ns = Namespace.open();
    expect(ns.stat("/")).toMatchObject({ owner: "", group: "supergroup", permission: 0o755 });
    ns.close();
  });
});
