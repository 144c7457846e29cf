// The mount's one table from the wire's error codes to errno (src/mount/vfs/errno.ts), as
// docs/mount.md lists it, and the identity mapping of uids and names (src/mount/vfs/identity.ts).
import { describe, expect, it } from "vitest";
import { FsError } from "../../src/client/fs-error.ts";
import { Errno, FuseErrno } from "../../src/mount/fuse/operations.ts";
import { errnoOf, toFuseErrno } from "../../src/mount/vfs/errno.ts";
import { Identity, UNKNOWN_ID } from "../../src/mount/vfs/identity.ts";
import { ERROR_CODES, InvalidPathError, isRetryable, type ErrorCode } from "../../src/protocol/errors.ts";

describe("errnoOf", () => {
  const cases: Array<[ErrorCode, number]> = [
    ["NOT_FOUND", Errno.ENOENT],
    ["ALREADY_EXISTS", Errno.EEXIST],
    ["PERMISSION_DENIED", Errno.EACCES],
    ["NOT_EMPTY", Errno.ENOTEMPTY],
    ["NOT_A_DIRECTORY", Errno.ENOTDIR],
    ["NOT_A_FILE", Errno.EISDIR],
    ["NO_PEERS", Errno.ENOSPC],
    ["LIMIT", Errno.ENOSPC],
    ["LEASE_HELD", Errno.EBUSY],
    ["INVALID_PATH", Errno.EINVAL],
    ["INVALID", Errno.EINVAL],
    ["NO_LEADER", Errno.EIO],
    ["TIMEOUT", Errno.EIO],
    ["READ_FAILED", Errno.EIO],
    ["INTERNAL", Errno.EIO],
    ["UNKNOWN", Errno.EIO],
  ];
  it.each(cases)("%s is errno %d", (code, errno) => {
    expect(errnoOf(new FsError(code, "x"))).toBe(errno);
  });

  it("answers a retryable code that survived the client's retries as EIO", () => {
    const retryable = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(isRetryable);
    expect(retryable.length).toBeGreaterThan(5);
    for (const code of retryable) expect(errnoOf(new FsError(code, "x"))).toBe(Errno.EIO);
  });

  it("answers LIMIT of a write as EFBIG when told it was the file-size bound", () => {
    expect(errnoOf(new FsError("LIMIT", "x"), { limit: Errno.EFBIG })).toBe(Errno.EFBIG);
  });

  it("keeps a FuseErrno's own errno, and answers an unexpected error EIO", () => {
    expect(errnoOf(new FuseErrno(Errno.EROFS))).toBe(Errno.EROFS);
    expect(errnoOf(new TypeError("boom"))).toBe(Errno.EIO);
    expect(errnoOf("a string")).toBe(Errno.EIO);
    expect(errnoOf(new InvalidPathError("bad"))).toBe(Errno.EINVAL);
    const answer = toFuseErrno(new FsError("NOT_FOUND", "no such file /a"));
    expect(answer).toBeInstanceOf(FuseErrno);
    expect(answer.errno).toBe(Errno.ENOENT);
    expect(answer.message).toBe("no such file /a");
  });
});

describe("Identity", () => {
  const passwd = ["# users", "root:x:0:0:root:/root:/bin/bash", "alice:x:1000:1000::/home/alice:/bin/sh", "bad line", "bob:x:notanumber:1::/:/bin/sh", ""].join("\n");
  const group = ["root:x:0:", "staff:x:50:alice", "alice:x:1000:", ""].join("\n");
  const identity = new Identity(passwd, group);

  it("maps uid 0 to the superuser (the mount's own client) and other uids to their names", () => {
    expect(identity.userOf(0)).toBeUndefined();
    expect(identity.userOf(1000)).toBe("alice");
    // A uid with no local name acts as its decimal number.
    expect(identity.userOf(4242)).toBe("4242");
  });

  it("names owners and groups for chown, numbers when the id has no name", () => {
    expect(identity.ownerNameOf(0)).toBe("root");
    expect(identity.ownerNameOf(1000)).toBe("alice");
    expect(identity.ownerNameOf(77)).toBe("77");
    expect(identity.groupNameOf(50)).toBe("staff");
    expect(identity.groupNameOf(51)).toBe("51");
  });

  it("maps owner and group names back to ids; a decimal name is its id; anything else is nobody", () => {
    expect(identity.uidOf("root")).toBe(0);
    expect(identity.uidOf("alice")).toBe(1000);
    expect(identity.uidOf("4242")).toBe(4242);
    expect(identity.uidOf("hdfs")).toBe(UNKNOWN_ID);
    expect(identity.uidOf("bob")).toBe(UNKNOWN_ID);
    expect(identity.uidOf("99999999999")).toBe(UNKNOWN_ID);
    expect(identity.gidOf("staff")).toBe(50);
    expect(identity.gidOf("supergroup")).toBe(UNKNOWN_ID);
    expect(identity.gidOf("1000")).toBe(1000);
  });
});
