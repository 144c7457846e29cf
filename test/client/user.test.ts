import { describe, expect, it } from "bun:test";
import { spawnSync } from "node:child_process";
import { defaultUser, passwdName } from "../../src/client/user.ts";

describe("who a client acts for", () => {
  it("is TESSERA_USER, else HADOOP_USER_NAME, else the OS user as `id -un` names it", () => {
    expect(defaultUser({ TESSERA_USER: "alice", HADOOP_USER_NAME: "bob" })).toBe("alice");
    expect(defaultUser({ HADOOP_USER_NAME: "bob" })).toBe("bob");
    const id = spawnSync("id", ["-un"], { encoding: "utf8" });
    expect(id.status).toBe(0);
    expect(defaultUser({})).toBe(id.stdout.trim());
  });

  it("reads a uid's name from passwd lines", () => {
    const passwd = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n";
    expect(passwdName(passwd, 1000)).toBe("alice");
    expect(passwdName(passwd, 0)).toBe("root");
    expect(passwdName(passwd, 4242)).toBeUndefined();
  });
});
