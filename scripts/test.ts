// Runs the whole test suite: builds the binary the end-to-end tests start, then runs every
// test file under Bun's runner, each in a process of its own (peers a file starts cannot
// slow the files after it), and closes with the line CI reads: "N passed, N failed".
// Arguments go to `bun test` as one run instead (a file filter, `-t NAME`, ...).
import { spawn, Glob } from "bun";

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
for (const args of runs) {
  const result = await run([process.execPath, "test", "--timeout", String(TEST_TIMEOUT_MS), ...args]);
  const tally = counts(result.output);
  // A runner that crashed or ran nothing must not read as green.
  if (result.code !== 0 && tally.failed === 0) tally.failed = 1;
  if (tally.passed === 0 && tally.failed === 0) tally.failed = 1;
  passed += tally.passed;
  failed += tally.failed;
  if (tally.failed > 0) failedFiles.push(args.join(" "));
}
if (failedFiles.length > 0) console.log(`\nfailed in: ${failedFiles.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
