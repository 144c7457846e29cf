// `tessera fs put -r` and `tessera fs ls` on a small tree, as a user types them, against a
// real peer process of the compiled binary (issue 12, items 3 and 5): the tree arrives whole
// with its empty folder, a conflict names the local file in one line, and ls streams a
// folder of more than one page as the same JSON and table a single answer would give.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, PeerProcesses, runCli } from "../support/processes.ts";
import { waitFor } from "../support/wait.ts";
import { tempDir } from "../support/temp.ts";
import { connect } from "../../src/client/cluster.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
// More entries than the masters' default page (LIST_PAGE_DEFAULT, 1,000), so ls gets two pages.
const MANY_FILES = 1_005;

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let env: Record<string, string>;

beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("fs-tree");
  const peer = await processes.start(["--data-dir", join(root.path, "peer"), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", "/r1"]);
  env = { TESSERA_JOIN: peer.addresses[0]!, TESSERA_SWARM_KEY: join(root.path, "peer", "swarm.key"), TESSERA_LOG: "warn" };
  await waitFor(
    "a leader and the peer alive",
    async () => {
      const status = await runCli(["cluster", "status", "--json"], env);
      const peers = await runCli(["cluster", "peers", "--json"], env);
      return status.code === 0 && (JSON.parse(status.stdout) as { leader: string }).leader && (JSON.parse(peers.stdout) as { peers: Array<{ state: string }> }).peers.some((p) => p.state === "alive");
    },
    { timeoutMs: 20_000, intervalMs: 300 },
  );
}, 60_000);
afterAll(async () => {
  await processes.stopAll();
  root.remove();
});

interface EntryJson {
  path: string;
  kind: string;
  size: number;
}

/** A local tree: 24 files over two folders and a nested one, and an empty folder. */
function makeTree(): { dir: string; files: Map<string, string> } {
  const dir = join(root.path, "tree");
  const files = new Map<string, string>();
  for (const folder of ["a", "a/deep", "b", "empty"]) mkdirSync(join(dir, folder), { recursive: true });
  for (let i = 0; i < 24; i++) {
    const name = `${["a", "a/deep", "b"][i % 3]}/file-${String(i).padStart(2, "0")}.txt`;
    const text = `file ${i}\n`.repeat(i + 1);
    writeFileSync(join(dir, name), text);
    files.set(name, text);
  }
  return { dir, files };
}

describe("tessera fs put -r and ls", () => {
  it("puts a tree with its empty folder, lists it, and reads a file back", async () => {
    const tree = makeTree();
    const put = await runCli(["fs", "put", "-r", tree.dir, "/t", "--replication", "1"], env);
    expect(put.stderr).toBe("");
    expect(put.code).toBe(0);
    const listing = JSON.parse((await runCli(["fs", "ls", "-R", "/t", "--json"], env)).stdout) as EntryJson[];
    expect(listing.filter((e) => e.kind === "file").map((e) => [e.path, e.size])).toEqual([...tree.files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, text]) => [`/t/${name}`, text.length]));
    expect(listing.filter((e) => e.kind === "dir").map((e) => e.path)).toEqual(["/t/a", "/t/a/deep", "/t/b", "/t/empty"]);
    expect((await runCli(["fs", "cat", "/t/a/deep/file-22.txt"], env)).stdout).toBe(tree.files.get("a/deep/file-22.txt"));
    const text = (await runCli(["fs", "ls", "/t/b"], env)).stdout.trimEnd().split("\n");
    // As hdfs dfs -ls prints: a count, then permission, replication, owner, group, size, time, path.
    const inB = [...tree.files.keys()].filter((name) => name.startsWith("b/")).sort();
    expect(text[0]).toBe(`Found ${inB.length} items`);
    expect(text.slice(1).map((line) => line.split(/\s+/).at(-1))).toEqual(inB.map((name) => `/t/${name}`));
    // Made by the OS user running the CLI, in the root's group (the supergroup's), 666 less the umask 022.
    expect(text[1]).toMatch(/^-rw-r--r-- +1 \S+ supergroup +\d+ \d{4}-\d\d-\d\d \d\d:\d\d \/t\/b\/file-02\.txt$/);
  }, 60_000);

  it("a file that exists already stops the put with one line naming the local file; --parallel and --chunks-in-flight out of bounds are usage errors", async () => {
    const tree = join(root.path, "tree");
    expect((await runCli(["fs", "mkdir", "-p", "/w/tree/a"], env)).code).toBe(0);
    expect((await runCli(["fs", "put", join(tree, "a", "file-03.txt"), "/w/tree/a/file-03.txt", "--replication", "1"], env)).code).toBe(0);
    const conflict = await runCli(["fs", "put", "-r", tree, "/w", "--replication", "1", "--parallel", "1"], env);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr.trim().split("\n")).toHaveLength(1);
    expect(conflict.stderr).toContain(join(tree, "a", "file-03.txt"));
    expect(conflict.stderr).toContain("/w/tree/a/file-03.txt");
    expect(conflict.stderr).toMatch(/exists/);
    const usage = await runCli(["fs", "put", "-r", tree, "/x", "--parallel", "0"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--parallel "0" is not possible/);
    expect((await runCli(["fs", "stat", "/x"], env)).code).toBe(1);
    const chunks = await runCli(["fs", "put", join(tree, "a", "file-03.txt"), "/y", "--chunks-in-flight", "17"], env);
    expect(chunks.code).toBe(2);
    expect(chunks.stderr.trim().split("\n")).toHaveLength(1);
    expect(chunks.stderr).toMatch(/--chunks-in-flight "17" is not possible/);
    expect((await runCli(["fs", "stat", "/y"], env)).code).toBe(1);
    expect((await runCli(["fs", "put", join(tree, "a", "file-03.txt"), "/y", "--replication", "1", "--chunks-in-flight", "2"], env)).code).toBe(0);
  }, 60_000);

  it("ls streams a folder of two pages as one JSON array and one table", async () => {
    const client = await connect({ join: [env.TESSERA_JOIN!], swarmKey: decodeSwarmKey(readFileSync(env.TESSERA_SWARM_KEY!, "utf8")) });
    try {
      await client.fs.putMany(Array.from({ length: MANY_FILES }, (_, i) => ({ path: `/many/f${String(i).padStart(4, "0")}`, source: new Uint8Array(0) })), { inFlight: 64 });
    } finally {
      await client.close();
    }
    const json = await runCli(["fs", "ls", "/many", "--json"], env);
    const entries = JSON.parse(json.stdout) as EntryJson[];
    expect(entries).toHaveLength(MANY_FILES);
    expect(entries.at(-1)!.path).toBe(`/many/f${MANY_FILES - 1}`);
    // The very text one JSON.stringify of the whole list gives.
    expect(json.stdout).toBe(`${JSON.stringify(entries, null, 2)}\n`);
    const table = (await runCli(["fs", "ls", "/many"], env)).stdout.trimEnd().split("\n");
    expect(table).toHaveLength(MANY_FILES + 1);
    // Past one page the count comes from a pass of its own, still printed first.
    expect(table[0]).toBe(`Found ${MANY_FILES} items`);
    expect(table.slice(1).map((line) => line.split(" ").at(-1))).toEqual(entries.map((e) => e.path));
    expect((await runCli(["fs", "ls", "/t/empty", "--json"], env)).stdout).toBe("[]\n");
    expect((await runCli(["fs", "ls", "/t/empty"], env)).stdout).toBe("");
  }, 60_000);
});
