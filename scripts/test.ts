// Runs the whole test suite: builds the binary the end-to-end tests start, then runs every
// test file under Bun's runner, each in a process of its own (peers a file starts cannot
// slow the files after it), and closes with the line CI reads: "N passed, N failed".
// Arguments go to `bun test` as one run instead (a file filter, `-t NAME`, ...).
//
// The browser test (test/ui/ui.test.ts) drives Debian's chromium, and the Python tests
// (test/e2e/webhdfs-python.test.ts) Debian's python3 with fsspec, pandas and requests. When the
// run includes them and those are missing, this installs them with apt-get, as root or through
// passwordless sudo, so `npm install && npm test` is all the set-up on a fresh Debian machine
// (and .ci/run relies on it). Where it cannot, those tests fail with a sentence saying how.
// The mount tests (test/e2e/mount-*.test.ts) likewise get the programs they run on the mount:
// rsync, sqlite3, git, python3 and fuse3's fusermount3.
import { spawn, Glob } from "bun";
import { existsSync } from "node:fs";

const extraArgs = process.argv.slice(2);
// Peers log at info by default; in tests only warnings and errors are worth reading.
const env = { ...process.env, TESSERA_LOG: process.env.TESSERA_LOG ?? "warn" };
// A per-test ceiling for the multi-process tests; each test also waits on its own deadlines.
const TEST_TIMEOUT_MS = 180_000;

async function run(cmd: string[]): Promise<{ code: number; output: string }> {
  const child = spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore", env });
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    for await (const piece of stream) {
      const text = decoder.decode(piece, { stream: true });
      output += text;
      sink.write(text);
    }
  };
  await Promise.all([pump(child.stdout, process.stdout), pump(child.stderr, process.stderr)]);
  return { code: await child.exited, output };
}

function counts(output: string): { passed: number; failed: number } {
  const count = (word: string) => {
    const match = output.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"));
    return match ? Number(match[1]) : 0;
  };
  return { passed: count("pass"), failed: count("fail") };
}

/** How many lines before each "(fail)" line the closing digest repeats, and at most how many in all per file. */
const DIGEST_LINES_BEFORE_FAILURE = 40;
const DIGEST_LINES_PER_FILE = 160;

/** A failed file's "(fail)" lines, each with the lines before it (where its error and the peers' warnings are). */
function failureDigest(file: string, output: string): string {
  const lines = output.split("\n");
  const kept = new Set<number>();
  lines.forEach((line, index) => {
    if (!line.startsWith("(fail)")) return;
    for (let i = Math.max(0, index - DIGEST_LINES_BEFORE_FAILURE); i <= index; i++) kept.add(i);
  });
  // A runner that crashed prints no "(fail)": its last lines say why.
  if (kept.size === 0) for (let i = Math.max(0, lines.length - DIGEST_LINES_BEFORE_FAILURE); i < lines.length; i++) kept.add(i);
  const shown = [...kept].sort((x, y) => x - y).slice(-DIGEST_LINES_PER_FILE);
  const body: string[] = [];
  shown.forEach((index, at) => {
    if (at > 0 && shown[at - 1] !== index - 1) body.push("  ...");
    body.push(`  ${lines[index]}`);
  });
  return `--- ${file} failed; its failures again:\n${body.join("\n")}`;
}

/** Where the browser test looks for chromium (Debian's package puts it there); test/ui/ui.test.ts names the same path. */
const CHROMIUM = "/usr/bin/chromium";
const BROWSER_TEST = "test/ui/ui.test.ts";
/** apt's output is shown only when the install fails: its last lines, from at most this much kept. */
const APT_OUTPUT_LINES_SHOWN = 30;
const APT_OUTPUT_CHARS_KEPT = 64 * 1024;

/** `bun test` flags whose value may follow as the next argument, which is then no path filter. */
const FLAGS_WITH_VALUE = new Set(["-t", "--test-name-pattern", "--timeout", "--rerun-each", "--preload", "--reporter", "--reporter-outfile", "--coverage-dir", "--seed"]);

/** Whether `bun test ARGS` runs `test`: no path filter, or one the test's path contains (bun test's filters are substrings of paths). */
function runsTest(args: string[], test: string): boolean {
  const filters: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    // Flags, and the values of those that take one (`-t NAME`, `--timeout MS`, ...), are not paths.
    if (arg.startsWith("-")) {
      if (!arg.includes("=") && i + 1 < args.length && !args[i + 1]!.startsWith("-") && FLAGS_WITH_VALUE.has(arg)) i++;
      continue;
    }
    filters.push(arg.replace(/^\.\//, "").replace(/\/+$/, ""));
  }
  return filters.length === 0 || filters.some((filter) => test.includes(filter));
}

/** The prefix that runs a command as root here: none as root, `sudo -n` with passwordless sudo; undefined when neither. */
async function asRoot(): Promise<string[] | undefined> {
  if (process.getuid?.() === 0) return [];
  if (!Bun.which("sudo")) return undefined;
  const probe = spawn(["sudo", "-n", "true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  return (await probe.exited) === 0 ? ["sudo", "-n"] : undefined;
}

/**
 * Installs Debian `packages` with apt-get, as root or through passwordless sudo, saying so in
 * one line (`what` says what for). Never fails the run by itself: without them the tests that
 * need them fail, saying how to install them.
 */
async function aptInstall(packages: string[], what: string): Promise<void> {
  const root = Bun.which("apt-get") ? await asRoot() : undefined;
  if (root === undefined) {
    console.error(`${what} cannot be installed from here (that needs apt-get, and root or passwordless sudo): the tests that need it will fail`);
    return;
  }
  console.error(`installing Debian's ${packages.join(" ")} for ${what} (apt-get update, then apt-get install${root.length > 0 ? ", through sudo" : ", as root"})`);
  const apt = (args: string[]) => [...root, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args];
  let output = "";
  for (const cmd of [apt(["update", "-q"]), apt(["install", "-y", "-q", "--no-install-recommends", ...packages])]) {
    const child = spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    output = (output + out + err).slice(-APT_OUTPUT_CHARS_KEPT);
    if (code !== 0) {
      console.error(`${cmd.join(" ")} failed (exit ${code}); its last lines:\n${output.trimEnd().split("\n").slice(-APT_OUTPUT_LINES_SHOWN).join("\n")}`);
      return;
    }
  }
}

/** Installs Debian's chromium when it is missing, for the browser test. */
async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  console.error(`chromium is not at ${CHROMIUM}`);
  await aptInstall(["chromium"], "the browser test");
}

/**
 * The Python tests (test/e2e/webhdfs-python.test.ts) run Debian's /usr/bin/python3 with its
 * fsspec, pandas and requests (not a python3 first on PATH, such as pyenv's, whose packages
 * are its own): installed here when that interpreter cannot import them.
 */
const PYTHON = "/usr/bin/python3";
const PYTHON_TEST = "test/e2e/webhdfs-python.test.ts";
const PYTHON_PACKAGES = ["python3-fsspec", "python3-pandas", "python3-requests"];

async function ensurePythonPackages(): Promise<void> {
  if (existsSync(PYTHON)) {
    const probe = spawn([PYTHON, "-c", "import fsspec, pandas, requests"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    if ((await probe.exited) === 0) return;
  }
  await aptInstall(PYTHON_PACKAGES, `the Python tests (${PYTHON} importing fsspec, pandas and requests)`);
}

/**
 * The programs the mount tests run against a mount, each with the Debian package that brings
 * it; coreutils, tar and diffutils are in every Debian system. fusermount3 is only one of the
 * ways the tests unmount (tessera mounts with mount(2) itself, as root).
 */
const MOUNT_TEST_PROGRAMS: Record<string, string> = { rsync: "rsync", sqlite3: "sqlite3", git: "git", python3: "python3", fusermount3: "fuse3" };

async function ensureMountTestPrograms(): Promise<void> {
  const missing = Object.entries(MOUNT_TEST_PROGRAMS).filter(([program]) => !Bun.which(program));
  if (missing.length === 0) return;
  await aptInstall(missing.map(([, pkg]) => pkg), `the mount tests (${missing.map(([program]) => program).join(", ")})`);
}

/**
 * The chaos run (test/chaos/chaos.test.ts) cuts and slows links with nftables: Debian's
 * `nftables` package brings the `nft` command (ip and tc come with iproute2).
 */
const CHAOS_TEST = "test/chaos/chaos.test.ts";

async function ensureNftables(): Promise<void> {
  if (Bun.which("nft") || existsSync("/usr/sbin/nft") || existsSync("/sbin/nft")) return;
  await aptInstall(["nftables"], "the chaos test (nft)");
}

const mountTests = [...new Glob("test/e2e/mount*.test.ts").scanSync(".")];
if (runsTest(extraArgs, BROWSER_TEST)) await ensureChromium();
if (mountTests.some((test) => runsTest(extraArgs, test))) await ensureMountTestPrograms();
if (runsTest(extraArgs, PYTHON_TEST)) await ensurePythonPackages();
if (runsTest(extraArgs, CHAOS_TEST)) await ensureNftables();

const build = await run([process.execPath, "run", "scripts/build.ts"]);
if (build.code !== 0) {
  console.error("the build failed, so the end-to-end tests cannot run");
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const runs: string[][] =
  extraArgs.length > 0
    ? [extraArgs]
    : [...new Glob("test/**/*.test.ts").scanSync(".")].sort().map((file) => [`./${file}`]);
let passed = 0;
let failed = 0;
const failedFiles: string[] = [];
const failureDigests: string[] = [];
for (const args of runs) {
  const result = await run([process.execPath, "test", "--timeout", String(TEST_TIMEOUT_MS), ...args]);
  const tally = counts(result.output);
  // A runner that crashed or ran nothing must not read as green.
  if (result.code !== 0 && tally.failed === 0) tally.failed = 1;
  if (tally.passed === 0 && tally.failed === 0) tally.failed = 1;
  passed += tally.passed;
  failed += tally.failed;
  if (tally.failed > 0) {
    failedFiles.push(args.join(" "));
    failureDigests.push(failureDigest(args.join(" "), result.output));
  }
}
// A long run's log is often read from its end only (a CI page shows its last lines): each
// failure is repeated there with the lines that led to it.
if (failureDigests.length > 0) console.log(`\n${failureDigests.join("\n")}`);
if (failedFiles.length > 0) console.log(`\nfailed in: ${failedFiles.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
