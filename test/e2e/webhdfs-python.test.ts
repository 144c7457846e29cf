// Python's data tools over WebHDFS (issue 15, "What must be shown"): three peers of the compiled
// binary, and Debian's /usr/bin/python3 running fsspec's WebHDFS filesystem and pandas as their
// users do (test/fixtures/webhdfs/fsspec_check.py): fs.ls, fs.open(...).read() with seeks
// (ranges across chunk boundaries, each an OPEN redirected to a peer holding it), fs.put and
// fs.get, fs.info, fs.du, pandas.read_csv of a webhdfs:// URL, and a delegation token got,
// used, renewed and cancelled through fsspec, and a denial raised as PermissionError. fsspec acts
// as "alice", who owns the folder; scripts/test.ts installs the Debian packages.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureBinary, PeerProcesses, runCli, type StartedPeer } from "../support/processes.ts";
import { LOOPBACK } from "../support/job-cluster.ts";
import { tempDir } from "../support/temp.ts";
import { pattern } from "../support/bytes.ts";
import { waitFor } from "../support/wait.ts";
import { ensureLeaderSettings } from "../support/cluster-secret.ts";
import { connect } from "../../src/client/cluster.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = resolve(import.meta.dir, "../fixtures/webhdfs/fsspec_check.py");
const MiB = 1024 * 1024;
// Chunks of 1 MiB: the seeks below cross chunk boundaries, so reads go to several peers.
const CHUNK_BYTES = MiB;
const BLOB_BYTES = 5 * MiB + 123;
// The peers' user, the superuser; fsspec acts as another user, who owns the folder it writes to.
const SUPERUSER = "hdfs";
const USER = "alice";

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let env: Record<string, string>;
let first: StartedPeer;
const blob = pattern(BLOB_BYTES, 15);
const upload = pattern(2 * MiB + 7, 16);
const rows = Array.from({ length: 1_000 }, (_, i) => `${i},name-${i},${i * 3}`);
const csv = `id,name,value\n${rows.join("\n")}\n`;

const sha = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

async function cli(args: string[]): Promise<string> {
  const result = await runCli(args, env);
  if (result.code !== 0) throw new Error(`tessera ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  expect(existsSync(PYTHON)).toBe(true);
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("webhdfs-python");
  const dir = (i: number) => join(root.path, `peer-${i}`);
  // The peers run as the user "hdfs": the first leader makes it the superuser (docs/permissions.md).
  const peerEnv = { TESSERA_USER: SUPERUSER };
  first = await processes.start(["--data-dir", dir(0), "--listen", LOOPBACK, "--http", "127.0.0.1:0"], peerEnv);
  const swarmKey = join(dir(0), "swarm.key");
  const peers = [first];
  for (let i = 1; i < 3; i++) peers.push(await processes.start(["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--join", first.addresses[0]!, "--swarm-key", swarmKey], peerEnv));
  env = { TESSERA_JOIN: peers.map((peer) => peer.addresses[0]!).join(","), TESSERA_SWARM_KEY: swarmKey, TESSERA_LOG: "warn", TESSERA_USER: SUPERUSER };
  await waitFor(
    "3 live peers",
    async () => {
      const listed = JSON.parse(await cli(["cluster", "peers", "--json"])) as { peers: Array<{ state: string }> };
      return listed.peers.filter((peer) => peer.state === "alive").length === 3;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  await ensureLeaderSettings(env.TESSERA_JOIN!.split(","), swarmKey, SUPERUSER);
  writeFileSync(join(root.path, "blob.bin"), blob);
  writeFileSync(join(root.path, "data.csv"), csv);
  writeFileSync(join(root.path, "up.bin"), upload);
  await cli(["fs", "mkdir", "-p", "/py/sub"]);
  // alice owns the folder (so fsspec may write in it); the files the superuser puts there stay its own, readable by all.
  const admin = await connect({ join: env.TESSERA_JOIN!.split(","), swarmKey: decodeSwarmKey(readFileSync(swarmKey, "utf8")), user: SUPERUSER });
  try {
    for (const folder of ["/py", "/py/sub"]) await admin.fs.chown(folder, USER);
  } finally {
    await admin.close();
  }
  await cli(["fs", "put", "--chunk-size", "1MiB", join(root.path, "blob.bin"), "/py/blob.bin"]);
  await cli(["fs", "put", join(root.path, "data.csv"), "/py/data.csv"]);
}, 120_000);

afterAll(async () => {
  await processes?.stopAll();
  root?.remove();
});

interface Seen {
  ls: Array<{ name: string; type: string; size: number }>;
  reads: Array<{ offset?: number; length?: number; sha256?: string; tell?: number; end?: number; eof?: boolean }>;
  info: { size: number; type: string; replication: number; owner: string; permission: string };
  folderInfo: { type: string };
  du: number;
  contentSummary: { length: number; fileCount: number; directoryCount: number };
  csv: { rows: number; columns: string[]; sum: number };
  csvSha256: string;
  token: { home: string; ls: string[]; renewedExpiryMs: number };
  denied: string | null;
}

describe("fsspec and pandas over WebHDFS", () => {
  it("ls, reads with seeks, put, get, info, du, read_csv, and a delegation token", async () => {
    const url = new URL(first.http);
    const seeks: Array<[number, number]> = [
      [0, 1_000],
      [CHUNK_BYTES - 10, 20],
      [3 * CHUNK_BYTES + 5, 600_000],
      [2, 3],
      [BLOB_BYTES - 100, 100],
      [4 * CHUNK_BYTES, 1_200_000],
    ];
    const args = {
      host: url.hostname,
      port: Number(url.port),
      user: USER,
      dir: "/py",
      blob: "/py/blob.bin",
      blockSize: 256 * 1024,
      seeks,
      csv: "/py/data.csv",
      upLocal: join(root.path, "up.bin"),
      upRemote: "/py/up.bin",
      getLocal: join(root.path, "got.bin"),
      deniedDir: "/alice-was-here",
    };
    const child = Bun.spawn([PYTHON, SCRIPT, JSON.stringify(args)], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "/usr/bin", HOME: root.path } });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`the Python script failed (exit ${code}): ${stderr.slice(-2_000)}`);
    const seen = JSON.parse(stdout) as Seen;

    expect(seen.ls).toEqual([
      { name: "/py/blob.bin", type: "file", size: BLOB_BYTES },
      { name: "/py/data.csv", type: "file", size: csv.length },
      { name: "/py/sub", type: "directory", size: 0 },
    ]);
    const expectedReads = seeks.map(([offset, length]) => {
      const piece = blob.subarray(offset, Math.min(offset + length, BLOB_BYTES));
      return { offset, length: piece.length, sha256: sha(piece), tell: offset + piece.length };
    });
    expect(seen.reads).toEqual([...expectedReads, { end: BLOB_BYTES, eof: true }]);

    // What fsspec wrote reads back whole through the CLI; what it read is the file.
    await cli(["fs", "get", "/py/up.bin", join(root.path, "up-back.bin")]);
    expect(sha(readFileSync(join(root.path, "up-back.bin")))).toBe(sha(upload));
    expect(sha(readFileSync(join(root.path, "got.bin")))).toBe(sha(blob));

    expect(seen.info).toEqual({ size: BLOB_BYTES, type: "file", replication: 3, owner: SUPERUSER, permission: "644" });
    expect(seen.folderInfo).toEqual({ type: "directory" });
    const total = BLOB_BYTES + csv.length + upload.length;
    expect(seen.du).toBe(total);
    expect(seen.contentSummary).toEqual({ length: total, fileCount: 3, directoryCount: 2 });
    expect(seen.csv).toEqual({ rows: 1_000, columns: ["id", "name", "value"], sum: rows.reduce((sum, _, i) => sum + i * 3, 0) });
    expect(seen.csvSha256).toBe(sha(csv));
    // fsspec raises PermissionError for Hadoop's AccessControlException, with its message.
    expect(seen.denied).toMatch(/^Permission denied: user=alice, access=WRITE, inode="\/":hdfs:\S+:drwxr-xr-x$/);
    expect(seen.token.home).toBe(`/user/${USER}`);
    expect(seen.token.ls).toEqual(["blob.bin", "data.csv", "sub", "up.bin"]);
    expect(seen.token.renewedExpiryMs).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  }, 120_000);
});
