// `tessera auth token|renew|cancel` end to end: a peer of the compiled binary (started as the
// superuser "hdfs") and the CLI run as several users (TESSERA_USER). Hadoop's rules as the
// masters apply them: renew by the renewer, cancel by owner or renewer, a token for another
// user only as the superuser; every refusal is one sentence on stderr and exit code 1.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { join } from "node:path";
import { ensureBinary, PeerProcesses, runCli } from "../support/processes.ts";
import { LOOPBACK } from "../support/job-cluster.ts";
import { tempDir } from "../support/temp.ts";
import { ensureLeaderSettings } from "../support/cluster-secret.ts";
import { readFileSync } from "node:fs";
import { connect } from "../../src/client/cluster.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let env: Record<string, string>;

const as = (user: string) => ({ ...env, TESSERA_USER: user });

/** Sets a setting as the superuser. */
async function setSetting(key: string, value: string): Promise<void> {
  const client = await connect({ join: [env.TESSERA_JOIN!], swarmKey: decodeSwarmKey(readFileSync(env.TESSERA_SWARM_KEY!, "utf8")), user: "hdfs" });
  try {
    await client.fs.setSetting(key, Buffer.from(value));
  } finally {
    await client.close();
  }
}

/** A refusal: exit 1 and one sentence on stderr. */
function expectRefusal(result: { code: number; stdout: string; stderr: string }, words: string): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(/^tessera: .*\.\n$/);
  expect(result.stderr).toContain(words);
}

beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("auth-e2e");
  const dataDir = join(root.path, "peer");
  const peer = await processes.start(["--data-dir", dataDir, "--listen", LOOPBACK, "--http", "127.0.0.1:0"], { TESSERA_USER: "hdfs" });
  const swarmKey = join(dataDir, "swarm.key");
  env = { TESSERA_JOIN: peer.addresses[0]!, TESSERA_SWARM_KEY: swarmKey, TESSERA_LOG: "warn" };
  await ensureLeaderSettings([peer.addresses[0]!], swarmKey, "hdfs");
}, 60_000);

afterAll(async () => {
  await processes?.stopAll();
  root?.remove();
});

describe("tessera auth", () => {
  it("token, renew and cancel as Hadoop's rules allow", async () => {
    const before = Date.now();
    const issued = await runCli(["auth", "token", "--json", "--ttl", "1h"], as("alice"));
    expect(issued.stderr).toBe("");
    expect(issued.code).toBe(0);
    const token = JSON.parse(issued.stdout) as { token: string; user: string; renewer: string; expiryMs: number; expiry: string };
    expect(token).toMatchObject({ user: "alice", renewer: "alice" });
    expect(token.expiryMs).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(token.expiryMs).toBeLessThan(Date.now() + 3_600_000 + 1_000);

    const renewed = await runCli(["auth", "renew", token.token], as("alice"));
    expect(renewed.code).toBe(0);
    expect(renewed.stdout).toMatch(/^renewed: expires \d{4}-\d\d-\d\dT/);
    expectRefusal(await runCli(["auth", "renew", token.token], as("bob")), "bob may not renew this token: only its renewer, alice, may");
    expectRefusal(await runCli(["auth", "cancel", token.token], as("bob")), "bob may not cancel alice's token");

    const cancelled = await runCli(["auth", "cancel", token.token], as("alice"));
    expect([cancelled.code, cancelled.stdout]).toEqual([0, "cancelled\n"]);
    expectRefusal(await runCli(["auth", "renew", token.token], as("alice")), "alice's delegation token was cancelled or has expired");
  });

  it("a token for another user takes the superuser", async () => {
    expectRefusal(await runCli(["auth", "token", "--user", "bob"], as("alice")), "alice may not get a delegation token for bob: only the superuser may issue one for another user");
    const forBob = await runCli(["auth", "token", "--user", "bob", "--renewer", "yarn"], as("hdfs"));
    expect(forBob.code).toBe(0);
    expect(forBob.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    // A member of the supergroup is a superuser too (docs/permissions.md: permissions/groups/<user>).
    await setSetting("permissions/groups/carol", "staff,supergroup");
    expect((await runCli(["auth", "token", "--user", "dave"], as("carol"))).code).toBe(0);
    // yarn, the renewer, may renew it; bob, its owner, may cancel it.
    expect((await runCli(["auth", "renew", forBob.stdout.trim()], as("yarn"))).code).toBe(0);
    expect((await runCli(["auth", "cancel", forBob.stdout.trim()], as("bob"))).code).toBe(0);
  });

  it("bad input: a forged token, a lifetime out of bounds, a malformed duration", async () => {
    expectRefusal(await runCli(["auth", "renew", "eyJ2IjoxfQ.AAAA"], as("alice")), "signature does not match");
    expectRefusal(await runCli(["auth", "token", "--ttl", "8d"], as("alice")), "a token's lifetime is");
    const usage = await runCli(["auth", "token", "--ttl", "5 parsecs"], as("alice"));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('tessera: --ttl must be a duration such as 24h, 30m, 7d or 90s, not "5 parsecs".\n');
  });
});
