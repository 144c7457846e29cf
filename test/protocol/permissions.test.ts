// The spelling and parsing of HDFS's permission bits (src/protocol/permissions.ts): what
// `hdfs dfs -ls` prints, what WebHDFS carries, and what `hdfs dfs -chmod` accepts.
import { describe, expect, it } from "vitest";
import { applyChmod, ChmodSpecError, CHMOD_SPEC_CHARS_MAX, formatPermission, isPermission, parseOctalPermission, PERMISSION_MAX, permissionOctal, STICKY_BIT } from "../../src/protocol/permissions.ts";

describe("formatPermission", () => {
  it("prints the kind and rwx for owner, group and other as hdfs dfs -ls does", () => {
    expect(formatPermission("dir", 0o755)).toBe("drwxr-xr-x");
    expect(formatPermission("file", 0o644)).toBe("-rw-r--r--");
    expect(formatPermission("file", 0o000)).toBe("----------");
    expect(formatPermission("dir", 0o777)).toBe("drwxrwxrwx");
    expect(formatPermission("file", 0o421)).toBe("-r---w---x");
  });

  it("shows the sticky bit in other's execute place: t over an x, T without", () => {
    expect(formatPermission("dir", 0o1777)).toBe("drwxrwxrwt");
    expect(formatPermission("dir", 0o1776)).toBe("drwxrwxrwT");
    expect(formatPermission("dir", STICKY_BIT | 0o755)).toBe("drwxr-xr-t");
  });
});

describe("permissionOctal and parseOctalPermission", () => {
  it("spells bits as WebHDFS does (Java's %o, no padding)", () => {
    expect(permissionOctal(0o755)).toBe("755");
    expect(permissionOctal(0o644)).toBe("644");
    expect(permissionOctal(0o1777)).toBe("1777");
    expect(permissionOctal(0o055)).toBe("55");
    expect(permissionOctal(0)).toBe("0");
  });

  it("reads octal text up to 1777, with or without a leading 0", () => {
    expect(parseOctalPermission("755")).toBe(0o755);
    expect(parseOctalPermission("0644")).toBe(0o644);
    expect(parseOctalPermission("1777")).toBe(0o1777);
    expect(parseOctalPermission("0")).toBe(0);
    expect(parseOctalPermission("01777")).toBe(0o1777);
    for (let bits = 0; bits <= PERMISSION_MAX; bits++) expect(parseOctalPermission(permissionOctal(bits))).toBe(bits);
  });

  it("refuses text that is not an octal permission in bounds", () => {
    for (const text of ["", "2000", "7777", "8", "75a", "-755", "+755", " 755", "755 ", "0x1ed", "1e3", "00000000755", "１２３"]) {
      expect(parseOctalPermission(text), text).toBeUndefined();
    }
  });

  it("isPermission bounds the bits", () => {
    expect(isPermission(0)).toBe(true);
    expect(isPermission(PERMISSION_MAX)).toBe(true);
    expect(isPermission(PERMISSION_MAX + 1)).toBe(false);
    expect(isPermission(-1)).toBe(false);
    expect(isPermission(1.5)).toBe(false);
  });
});

describe("applyChmod, octal", () => {
  it("three digits set rwx and keep the sticky bit; four set the sticky bit too", () => {
    expect(applyChmod("755", 0o600, "file")).toBe(0o755);
    expect(applyChmod("700", 0o1777, "dir")).toBe(0o1700);
    expect(applyChmod("0700", 0o1777, "dir")).toBe(0o700);
    expect(applyChmod("1777", 0o755, "dir")).toBe(0o1777);
    expect(applyChmod("000", 0o777, "file")).toBe(0);
  });

  it("refuses a sticky digit other than 0 or 1 (no setuid, no setgid) and short or long forms", () => {
    for (const spec of ["2755", "4755", "75", "7", "17777", "0o755"]) expect(() => applyChmod(spec, 0o644, "file"), spec).toThrow(ChmodSpecError);
  });
});

describe("applyChmod, symbolic", () => {
  it("adds, removes and sets for the classes named", () => {
    expect(applyChmod("u+x", 0o644, "file")).toBe(0o744);
    expect(applyChmod("go-w", 0o666, "file")).toBe(0o644);
    expect(applyChmod("u+x,go-w", 0o666, "file")).toBe(0o744);
    expect(applyChmod("a=r", 0o777, "file")).toBe(0o444);
    expect(applyChmod("o=", 0o777, "file")).toBe(0o770);
    expect(applyChmod("ug=rw", 0o000, "file")).toBe(0o660);
    expect(applyChmod("u=rwx,g=rx,o=", 0o000, "dir")).toBe(0o750);
  });

  it("no who means all (HDFS's ChmodParser ignores the umask here)", () => {
    expect(applyChmod("+x", 0o644, "file")).toBe(0o755);
    expect(applyChmod("-w", 0o666, "file")).toBe(0o444);
    expect(applyChmod("=rw", 0o777, "file")).toBe(0o666);
  });

  it("applies clauses in order, and several operations in one clause", () => {
    expect(applyChmod("a-x,u+x", 0o777, "file")).toBe(0o766);
    expect(applyChmod("u+r-w", 0o600, "file")).toBe(0o400);
    expect(applyChmod("u=rwx-x", 0o000, "file")).toBe(0o600);
  });

  it("X gives x to a folder, or to a file that some class may execute already", () => {
    expect(applyChmod("a+X", 0o644, "file")).toBe(0o644);
    expect(applyChmod("a+X", 0o744, "file")).toBe(0o755);
    expect(applyChmod("a+X", 0o644, "dir")).toBe(0o755);
    expect(applyChmod("g=rX", 0o700, "dir")).toBe(0o750);
    expect(applyChmod("g=rX", 0o600, "file")).toBe(0o640);
    // decided on the bits before the chmod: a u+x earlier in the same spec does not count
    expect(applyChmod("u+x,g+X", 0o600, "file")).toBe(0o700);
  });

  it("t sets or clears the sticky bit when other is among who; = without t clears it", () => {
    expect(applyChmod("+t", 0o777, "dir")).toBe(0o1777);
    expect(applyChmod("o+t", 0o755, "dir")).toBe(0o1755);
    expect(applyChmod("-t", 0o1777, "dir")).toBe(0o777);
    expect(applyChmod("u+t", 0o755, "dir")).toBe(0o755);
    expect(applyChmod("o=rx", 0o1777, "dir")).toBe(0o775);
    expect(applyChmod("o=rxt", 0o777, "dir")).toBe(0o1775);
    expect(applyChmod("a=rwxt", 0o000, "dir")).toBe(0o1777);
    expect(applyChmod("g+w", 0o1755, "dir")).toBe(0o1775);
    expect(applyChmod("o+x", 0o1776, "dir")).toBe(0o1777);
  });

  it("refuses a mode it cannot read, in one sentence", () => {
    const bad = ["", "u", "u+y", "z+x", "u+x,", ",u+x", "u+x,,g+w", "u=g", "+s", "u+x go-w", "u+x;g+w", "x".repeat(CHMOD_SPEC_CHARS_MAX + 1)];
    for (const spec of bad) {
      let error: unknown;
      try {
        applyChmod(spec, 0o644, "file");
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(spec)).toBeInstanceOf(ChmodSpecError);
      const message = (error as Error).message;
      expect(message).toContain("is not a mode");
      expect(message.split("\n")).toHaveLength(1);
      expect(message.length).toBeLessThan(200);
    }
  });

  it("every result stays within PERMISSION_MAX", () => {
    const specs = ["a+rwxt", "+X", "o=t", "1777", "u-rwx", "a=", "ugo+rwx,-t"];
    for (const spec of specs) for (const start of [0, 0o644, 0o1777, 0o7777]) {
      const bits = applyChmod(spec, start, "dir");
      expect(isPermission(bits), `${spec} on ${start.toString(8)}`).toBe(true);
    }
  });
});
