// Real peer processes of the compiled binary, for end-to-end tests.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Subprocess } from "bun";
import { waitFor } from "./wait.ts";

export const BINARY = resolve(import.meta.dir, "../../dist/tessera");
// Peers run as the README recommends: Bun's allocator keeps freed pages instead of returning
// them to the OS, which otherwise costs a page fault per 4 KiB of every fresh buffer on the
// data path (docs/transport.md, "Data path CPU").
export const PEER_ENV = { MIMALLOC_PURGE_DELAY: "-1" };

/** Builds dist/tessera if it is missing (npm test builds it before running the suite). */
export async function ensureBinary(): Promise<string> {
  if (!existsSync(BINARY)) {
    const build = Bun.spawn([process.execPath, "run", "scripts/build.ts"], { cwd: resolve(import.meta.dir, "../.."), stdout: "inherit", stderr: "inherit" });
    if ((await build.exited) !== 0) throw new Error("building dist/tessera failed");
  }
  return BINARY;
}

export interface StartedPeer {
  id: string;
  addresses: string[];
  http: string;
  dataDir: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  stderr(): string;
}

/**
 * The first line a child prints on stdout (its start-up line, `--json`), with its stderr kept
 * as it comes; a child that exits first fails with the end of its stderr.
 */
export async function startUpLine(child: Subprocess<"ignore", "pipe", "pipe">, what: string): Promise<{ line: string; stderr(): string }> {
  let stderrText = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const piece of child.stderr) stderrText += decoder.decode(piece, { stream: true });
  })();
  const reader = child.stdout.getReader();
  let stdoutText = "";
  const line = await waitFor(
    `${what}'s start-up line`,
    async () => {
      const newline = stdoutText.indexOf("\n");
      if (newline >= 0) return stdoutText.slice(0, newline);
      const { value, done } = await reader.read();
      if (done) throw new Error(`${what} exited before starting: ${stderrText.trim().slice(-500)}`);
      stdoutText += new TextDecoder().decode(value);
      return undefined;
    },
    { timeoutMs: 15_000, intervalMs: 1 },
  );
  reader.releaseLock();
  return { line, stderr: () => stderrText };
}

export class PeerProcesses {
  private readonly running = new Set<Subprocess>();

  /** Starts `tessera node start --json ...` and waits for its start-up line. */
  async start(args: string[], env: Record<string, string> = {}): Promise<StartedPeer> {
    const child = Bun.spawn([BINARY, "node", "start", "--json", ...args], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, TESSERA_LOG: "info", ...PEER_ENV, ...env },
    });
    this.running.add(child);
    const { line, stderr } = await startUpLine(child, "the peer");
    const summary = JSON.parse(line) as { id: string; addresses: string[]; http: string; dataDir: string };
    return { ...summary, process: child, stderr };
  }

  kill9(peer: StartedPeer): void {
    peer.process.kill("SIGKILL");
    this.running.delete(peer.process);
  }

  async stopAll(): Promise<void> {
    for (const child of this.running) child.kill("SIGKILL");
    await Promise.all([...this.running].map((child) => child.exited));
    this.running.clear();
  }
}

/** Runs a one-shot CLI command of the binary. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([BINARY, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

export interface PeerListing {
  peers: Array<{ id: string; state: string; rack: string; addresses: string[]; incarnation: number }>;
}

/** The peer table of a running peer, read from its admin HTTP. */
export async function peersOf(peer: StartedPeer): Promise<PeerListing["peers"]> {
  const response = await fetch(`${peer.http}/api/peers`);
  return ((await response.json()) as PeerListing).peers;
}

/** A process's resident memory (VmRSS of /proc/<pid>/status, Linux), in bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Waits until the cluster `env` names (TESSERA_JOIN, TESSERA_SWARM_KEY) has `voters` voters, as `cluster status` says. */
export async function waitForVoters(env: Record<string, string>, voters: number): Promise<void> {
  await waitFor(
    `${voters} voters`,
    async () => {
      const status = await runCli(["cluster", "status", "--json"], env);
      return status.code === 0 && (JSON.parse(status.stdout) as { voters: string[] }).voters.length === voters;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
}
