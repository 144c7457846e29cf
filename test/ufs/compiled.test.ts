// The S3 under-storage inside a compiled binary (issue 16): `bun build --compile` of a probe that
// opens an S3 mount, writes and lists against s3rver in this process, once with keys in the
// record and once through the SDK's default credential chain (the environment), whose providers
// the SDK loads at run time. Imports resolved at run time fail inside a compiled binary
// (docs/findings.md, "Compiled binary"); this catches one before dist/tessera ships it.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { join, resolve } from "node:path";
import { statSync } from "node:fs";
import { createHash } from "node:crypto";
import { createBucket, startS3rver, type RunningS3rver } from "../support/under-s3.ts";
import { tempDir } from "../support/temp.ts";

let server: RunningS3rver;
let out: { path: string; remove(): void };
let binary: string;

beforeAll(async () => {
  server = await startS3rver();
  await createBucket(server, "probe-bucket");
  out = tempDir("ufs-compiled");
  binary = join(out.path, "s3-probe");
  const build = Bun.spawn([process.execPath, "build", "--compile", resolve(import.meta.dir, "fixtures/s3-probe.ts"), "--outfile", binary], { stdout: "pipe", stderr: "pipe" });
  const [code, stderr] = await Promise.all([build.exited, new Response(build.stderr).text()]);
  if (code !== 0) throw new Error(`bun build --compile failed: ${stderr}`);
}, 120_000);

afterAll(async () => {
  await server?.remove();
  out?.remove();
});

async function probe(mode: "keys" | "environment", environmentKey = "S3RVER"): Promise<Record<string, unknown>> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), HOME: out.path };
  for (const key of Object.keys(env)) if (key.startsWith("AWS_")) delete env[key];
  if (mode === "environment") Object.assign(env, { AWS_ACCESS_KEY_ID: environmentKey, AWS_SECRET_ACCESS_KEY: "S3RVER" });
  // Run from a folder with no node_modules: the binary must hold everything it loads.
  const child = Bun.spawn([binary, server.endpoint, "probe-bucket", mode], { cwd: out.path, env, stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(stdout.trim()) as Record<string, unknown>;
}

describe("the S3 under-storage in a compiled binary", () => {
  it("writes and lists with keys from the mount's record", async () => {
    expect(statSync(binary).size).toBeGreaterThan(0);
    const etag = createHash("md5").update("compiled").digest("hex");
    expect(await probe("keys")).toEqual({ ok: true, fingerprint: `s3:etag="${etag}";size=8`, names: ["probe.txt"] });
  });

  it("finds keys through the SDK's default credential chain", async () => {
    expect(await probe("environment")).toMatchObject({ ok: true, names: ["probe.txt"] });
    // The key the chain found is the one that signed: an unknown one is refused.
    expect(await probe("environment", "NOBODY")).toMatchObject({ ok: false, code: "PERMISSION_DENIED" });
  });
});

