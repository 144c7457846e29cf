// Whom a client acts for (src/client/user.ts): TESSERA_USER, else HADOOP_USER_NAME, else the
// name of the process's uid (not Bun's os.userInfo(), which answers $USER or "unknown").
import { describe, expect, it } from "vitest";
import { defaultUser, passwdName } from "../../src/client/user.ts";

describe("defaultUser", () => {
  it("takes TESSERA_USER, then HADOOP_USER_NAME", () => {
    expect(defaultUser({ TESSERA_USER: "alice", HADOOP_USER_NAME: "bob" })).toBe("alice");
    expect(defaultUser({ HADOOP_USER_NAME: "bob" })).toBe("bob");
    expect(defaultUser({ TESSERA_USER: "", HADOOP_USER_NAME: "bob" })).toBe("bob");
  });

  it("else the OS's name of the process's uid, whatever $USER says", () => {
    const id = Bun.spawnSync(["id", "-un"], { stdout: "pipe" });
    expect(id.exitCode).toBe(0);
    const name = id.stdout.toString().trim();
    expect(defaultUser({})).toBe(name);
    expect(defaultUser({ USER: "someone-else" })).toBe(name);
    expect(defaultUser({ TESSERA_USER: "" })).toBe(name);
  });
});

describe("passwdName", () => {
  const passwd = ["# a comment", "root:x:0:0:root:/root:/bin/bash", "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin", "alice:x:1000:1000:Alice:/home/alice:/bin/sh", "broken line", ":x:7:7::/:/bin/sh", ""].join("\n");

  it("names a uid by its passwd entry", () => {
    expect(passwdName(passwd, 0)).toBe("root");
    expect(passwdName(passwd, 1000)).toBe("alice");
    expect(passwdName(passwd, 1)).toBe("daemon");
  });

  it("answers undefined for a uid with no entry, or an entry with no name", () => {
    expect(passwdName(passwd, 4242)).toBeUndefined();
    expect(passwdName(passwd, 7)).toBeUndefined();
    expect(passwdName("", 0)).toBeUndefined();
  });
});
