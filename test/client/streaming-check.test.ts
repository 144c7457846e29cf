// The submitter's check of a streaming command (src/client/streaming-check.ts): which word is
// checked (a pure rule), and that a missing program is refused in one sentence.
import { describe, it, expect } from "vitest";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkStreamingCommand, programToCheck, resolveProgram } from "../../src/client/streaming-check.ts";
import { tempDir } from "../support/temp.ts";

describe("programToCheck", () => {
  it("is the first plain word of the command", () => {
    expect(programToCheck("cat")).toBe("cat");
    expect(programToCheck(`  tr -s "[:space:]" "\\n"`)).toBe("tr");
    expect(programToCheck("awk '{ print }' | sort")).toBe("awk");
    expect(programToCheck("wc|sort")).toBe("wc");
    expect(programToCheck("/usr/bin/env python3 -c 'x'")).toBe("/usr/bin/env");
    expect(programToCheck("./map.sh")).toBe("./map.sh");
  });

  it("skips plain assignments before the program", () => {
    expect(programToCheck("LC_ALL=C sort -k1")).toBe("sort");
    expect(programToCheck("A=1 B=2 uniq -c")).toBe("uniq");
    expect(programToCheck(`A="x y" uniq -c`)).toBeUndefined();
  });

  it("leaves builtins, reserved words, subshells and expansions to the shell", () => {
    for (const command of ["echo hi", "read x; echo $x", "exec cat", "if true; then cat; fi", "{ cat; }", "(cd /tmp && cat)", `"$HOME/bin/m"`, "$MAPPER", "while read l; do echo $l; done", "[ -t 0 ]", ": nothing", "exit 1", ""]) {
      expect(programToCheck(command), command).toBeUndefined();
    }
  });
});

describe("checkStreamingCommand", () => {
  it("accepts programs on PATH and executable absolute paths", () => {
    const dir = tempDir("streaming-check");
    try {
      const script = join(dir.path, "mapper.sh");
      writeFileSync(script, "#!/bin/sh\ncat\n");
      chmodSync(script, 0o755);
      const notExecutable = join(dir.path, "data.txt");
      writeFileSync(notExecutable, "x");
      expect(resolveProgram("mapper.sh", `/nonexistent:${dir.path}`)).toBe(script);
      checkStreamingCommand("mapper", `${script} --flag`, "");
      checkStreamingCommand("mapper", "mapper.sh | sort", dir.path);
      checkStreamingCommand("reducer", "sh -c 'anything at all'");
      expect(() => checkStreamingCommand("mapper", notExecutable)).toThrow(`the mapper's program ${notExecutable} is not an executable file`);
      expect(() => checkStreamingCommand("mapper", "mapper.sh", "/nonexistent")).toThrow("the mapper's program mapper.sh is not on this machine's PATH");
      // A folder on PATH is not a program.
      mkdirSync(join(dir.path, "prog"));
      expect(() => checkStreamingCommand("mapper", "prog", dir.path)).toThrow("the mapper's program prog is not on this machine's PATH");
    } finally {
      dir.remove();
    }
  });

  it("refuses a missing program and a relative path in one sentence", () => {
    expect(() => checkStreamingCommand("mapper", "wrdcount-no-such-program -x")).toThrow("the mapper's program wrdcount-no-such-program is not on this machine's PATH");
    expect(() => checkStreamingCommand("combiner", "./map.sh")).toThrow("the combiner's program ./map.sh is a relative path; give an absolute one, since the combiner runs in another folder on each peer");
  });
});
