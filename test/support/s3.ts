// What the end-to-end S3 tests share: `tessera gateway s3` as a process of the compiled
// binary, access keys made by the CLI, and @aws-sdk/client-s3 clients at their defaults
// (checksums on) with path-style addressing.
import { Agent } from "node:http";
import type { Subprocess } from "bun";
import { S3Client } from "@aws-sdk/client-s3";
import { BINARY, PEER_ENV, runCli } from "./processes.ts";
import { waitFor } from "./wait.ts";

export interface AccessKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StartedGateway {
  endpoint: string;
  port: number;
  process: Subprocess<"ignore", "ignore", "pipe">;
  stderr(): string;
}

/** A loopback port nothing listens on now (the gateway binds it right after). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Starts `tessera gateway s3` against the cluster `env` names; answers once it serves HTTP. */
export async function startGateway(env: Record<string, string>, extra: string[] = [], port = freePort()): Promise<StartedGateway> {
  const join = env.TESSERA_JOIN!.split(",")[0]!;
  const child = Bun.spawn([BINARY, "gateway", "s3", "--listen", `127.0.0.1:${port}`, "--join", join, "--swarm-key", env.TESSERA_SWARM_KEY!, ...extra], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, ...PEER_ENV, ...env },
  });
  let stderrText = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const piece of child.stderr) stderrText += decoder.decode(piece, { stream: true });
  })();
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(
    "the gateway to answer HTTP",
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway exited: ${stderrText.trim().slice(-500)}`);
      return fetch(endpoint).then(() => true).catch(() => false);
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  return { endpoint, port, process: child, stderr: () => stderrText };
}

/** `tessera s3 keys create` through the CLI; extra arguments limit the key (`--bucket B`, `--read-only`). */
export async function createKey(env: Record<string, string>, extra: string[] = []): Promise<AccessKeyPair> {
  const made = await runCli(["s3", "keys", "create", "--json", ...extra], env);
  if (made.code !== 0) throw new Error(`s3 keys create failed: ${made.stderr.trim()}`);
  return JSON.parse(made.stdout) as AccessKeyPair;
}

/** The AWS SDK's S3 client at its defaults, path-style, against `endpoint`. */
export function s3Client(endpoint: string, key: AccessKeyPair, maxSockets = 16): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: key,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets }) },
  });
}
