// What the end-to-end S3 tests share: `tessera gateway s3` as a process of the compiled
// binary, access keys made by the CLI, and @aws-sdk/client-s3 clients at their defaults
// (checksums on) with path-style addressing.
import { Agent } from "node:http";
import type { Subprocess } from "bun";
import { S3Client } from "@aws-sdk/client-s3";
import { BINARY, PEER_ENV, runCli, startUpLine } from "./processes.ts";

export interface AccessKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StartedGateway {
  endpoint: string;
  port: number;
  process: Subprocess<"ignore", "pipe", "pipe">;
  stderr(): string;
}

/**
 * Starts `tessera gateway s3 --json` against the cluster `env` names, on a port of its own
 * choosing; answers once it printed where it serves.
 */
export async function startGateway(env: Record<string, string>, extra: string[] = []): Promise<StartedGateway> {
  const child = Bun.spawn([BINARY, "gateway", "s3", "--listen", "127.0.0.1:0", "--json", ...extra], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...PEER_ENV, ...env },
  });
  const { line, stderr } = await startUpLine(child, "the gateway");
  const endpoint = (JSON.parse(line) as { s3: string }).s3.replace(/\/$/, "");
  return { endpoint, port: Number(new URL(endpoint).port), process: child, stderr };
}

/** `tessera s3 keys create` through the CLI; extra arguments limit the key (`--bucket B`, `--read-only`). */
export async function createKey(env: Record<string, string>, extra: string[] = []): Promise<AccessKeyPair> {
  const made = await runCli(["s3", "keys", "create", "--json", ...extra], env);
  if (made.code !== 0) throw new Error(`s3 keys create failed: ${made.stderr.trim()}`);
  const key = JSON.parse(made.stdout) as { accessKeyId: string; secret: string };
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secret };
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
