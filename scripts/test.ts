// Runs the whole test suite: builds the binary the end-to-end tests start, then runs every
// test file under Bun's runner and closes with the line CI reads: "N passed, N failed".
// Extra arguments go to `bun test` (a file filter, `-t NAME`, ...).
import { spawn } from "bun";

const extraArgs = process.argv.slice(2);

// Peers log at info by default; in tests only warnings and errors are worth reading.
const env = { ...process.env, TESSERA_LOG: process.env.TESSERA_LOG ?? "warn" };
// A per-test ceiling for the multi-process tests; each test also waits on its own deadlines.
const TEST_TIMEOUT_MS = 120_000;

async function run(cmd: string[], capture: boolean): Promise<{ code: number; output: string }> {
  const child = spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore", env });
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    for await (const piece of stream) {
      const text = decoder.decode(piece, { stream: true });
      if (capture) output += text;
      sink.write(text);
    }
  };
  await Promise.all([pump(child.stdout, process.stdout), pump(child.stderr, process.stderr)]);
  return { code: await child.exited, output };
}

const build = await run([process.execPath, "run", "scripts/build.ts"], false);
if (build.code !== 0) {
  console.error("the build failed, so the end-to-end tests cannot run");
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const result = await run([process.execPath, "test", "--timeout", String(TEST_TIMEOUT_MS), ...extraArgs], true);
const count = (word: string) => {
  const match = result.output.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"));
  return match ? Number(match[1]) : 0;
};
const passed = count("pass");
let failed = count("fail");
// A runner that crashed or ran nothing must not read as green.
if (result.code !== 0 && failed === 0) failed = 1;
if (passed === 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(result.code !== 0 || failed > 0 ? 1 : 0);
