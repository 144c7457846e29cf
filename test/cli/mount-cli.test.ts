// `tessera mount` and `tessera umount` refusing bad input, run as the compiled binary: each
// refusal is one sentence on stderr and the exit code says usage (2) or failure (1). None of
// these reaches the kernel; mounting for real is test/e2e/mount*.test.ts.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ensureBinary, runCli, BINARY } from "../support/processes.ts";
import { tempDir } from "../support/temp.ts";

const SWARM_KEY = `/key/swarm/psk/1.0.0/\n/base16/\n${"ab".repeat(32)}\n`;

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectOneSentence(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tessera: .+\.$/);
  expect(lines[0]).toMatch(pattern);
}

describe("tessera mount: bad input", () => {
  const dir = tempDir("mount-cli");
  let empty: string;
  let keyFile: string;
  let cluster: string[];
  let env: Record<string, string>;

  beforeAll(async () => {
    await ensureBinary();
    // Readable by an unprivileged user too (the not-root case).
    chmodSync(dir.path, 0o755);
    empty = join(dir.path, "empty");
    mkdirSync(empty);
    keyFile = join(dir.path, "swarm.key");
    writeFileSync(keyFile, SWARM_KEY);
    cluster = ["--join", `/ip4/127.0.0.1/tcp/${await closedPort()}`, "--swarm-key", keyFile];
    // No cluster from the environment: each case says what it passes.
    env = { TESSERA_JOIN: "", TESSERA_SWARM_KEY: "", XDG_STATE_HOME: join(dir.path, "state") };
  });
  afterAll(() => dir.remove());

  const cases: Array<[string, () => string[], RegExp]> = [
    ["no mount point", () => ["mount"], /missing required argument 'mountpoint'/],
    ["an unknown option", () => ["mount", empty, "--bogus"], /unknown option '--bogus'/],
    ["a mount point that does not exist", () => ["mount", join(dir.path, "nope"), ...cluster], /the mount point .*\/nope does not exist/],
    ["a mount point that is a file", () => ["mount", keyFile, ...cluster], /swarm\.key is not a folder/],
    ["a mount point that is not empty", () => ["mount", dir.path, ...cluster], /is not empty \(\d+ entries\)/],
    ["a mount point that is already mounted", () => ["mount", "/proc", ...cluster], /\/proc is already a mount point \(proc\)/],
    ["--cache-size without --cache-dir", () => ["mount", empty, "--cache-size", "1GiB", ...cluster], /--cache-size needs --cache-dir/],
    ["--cache-dir without --cache-size", () => ["mount", empty, "--cache-dir", join(dir.path, "cache"), ...cluster], /--cache-dir needs --cache-size/],
    ["a size that is not a size", () => ["mount", empty, "--cache-dir", join(dir.path, "cache"), "--cache-size", "10parsecs", ...cluster], /--cache-size "10parsecs" is not a size/],
    ["a negative size", () => ["mount", empty, "--cache-dir", join(dir.path, "cache"), "--cache-size", "-5G", ...cluster], /--cache-size "-5G" is not a size/],
    ["a cache smaller than a few pieces", () => ["mount", empty, "--cache-dir", join(dir.path, "cache"), "--cache-size", "64K", ...cluster], /too small: the read cache needs at least 16\.0 MiB/],
    ["a cache inside the mount point", () => ["mount", empty, "--cache-dir", join(empty, "cache"), "--cache-size", "1GiB", ...cluster], /--cache-dir .* is inside the mount point/],
    ["a relative --path", () => ["mount", empty, "--path", "data", ...cluster], /--path "data" is not a path of the file system/],
    ["no cluster", () => ["mount", empty], /no cluster to talk to/],
    ["no swarm key", () => ["mount", empty, "--join", cluster[1]!], /needs its swarm key/],
  ];
  for (const [what, args, pattern] of cases) {
    it(`refuses ${what} (exit 2)`, async () => {
      const result = await runCli(args(), env);
      expectOneSentence(result.stderr, pattern);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
    });
  }

  it("says mounting needs root, or fusermount3, to an unprivileged user without fusermount3 (exit 1)", async () => {
    // No PATH: fusermount3, the route of users other than root, cannot be found. The binary is
    // copied beside the mount point: the repository may sit below a folder only root may enter.
    const binary = join(dir.path, "tessera");
    copyFileSync(BINARY, binary);
    chmodSync(binary, 0o755);
    const child = Bun.spawn([binary, "mount", empty, ...cluster], { uid: 65534, gid: 65534, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env, PATH: "/nonexistent" } });
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    expectOneSentence(stderr, /mounting needs root, or fusermount3/);
    expect(code).toBe(1);
  });

  it("in the foreground, reports a cluster it cannot reach in one sentence and leaves nothing mounted", async () => {
    const result = await runCli(["mount", empty, "-f", ...cluster], env);
    expectOneSentence(result.stderr, /127\.0\.0\.1/);
    expect(result.code).toBe(1);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(` ${empty} `);
  });

  it("as a daemon, relays the mount process's sentence and exit code, and keeps it in the log file", async () => {
    const result = await runCli(["mount", empty, ...cluster], env);
    expectOneSentence(result.stderr, /127\.0\.0\.1/);
    expect(result.code).toBe(1);
    // The default log file: under $XDG_STATE_HOME/tessera, named after the mount point.
    const logFile = join(dir.path, "state", "tessera", `mount-${empty.slice(1).replaceAll("/", "-")}.log`);
    expect(existsSync(logFile)).toBe(true);
    expect(readFileSync(logFile, "utf8")).toContain(result.stderr.trim().slice("tessera: ".length));
  });

  it("as a daemon with --log-file, logs there", async () => {
    const logFile = join(dir.path, "logs", "m.log");
    const result = await runCli(["mount", empty, "--log-file", logFile, ...cluster], env);
    expect(result.code).toBe(1);
    expect(readFileSync(logFile, "utf8")).toContain(result.stderr.trim().slice("tessera: ".length));
  });
});

describe("tessera umount: bad input", () => {
  beforeAll(async () => {
    await ensureBinary();
  });

  it("refuses a folder that is not mounted (exit 1)", async () => {
    const dir = tempDir("umount-cli");
    try {
      const result = await runCli(["umount", dir.path]);
      expectOneSentence(result.stderr, /is not mounted/);
      expect(result.code).toBe(1);
    } finally {
      dir.remove();
    }
  });

  it("refuses a mount that is not Tessera's (exit 1)", async () => {
    const result = await runCli(["umount", "/proc"]);
    expectOneSentence(result.stderr, /\/proc is not a Tessera mount \(it is proc\)/);
    expect(result.code).toBe(1);
  });
});
