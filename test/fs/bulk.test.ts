// The small-files path and the streaming listing against a real peer (issue 12, items 3 and
// 5): putMany writes a tree of small files that read back whole; listPages hands a folder
// out a page at a time within the namespace's page bound, and a cursor from another folder
// or a page over the bound gets a clear error.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import type { Peer } from "../../src/peer/peer.ts";
import type { StatView } from "../../src/client/fs.ts";

const KiB = 1024;
let cluster: TestPeers;
let peer: Peer;

beforeAll(async () => {
  cluster = new TestPeers();
  peer = await cluster.start({ rack: "/r1" });
  await waitFor("a leader", () => peer.raft.isLeader, { timeoutMs: 5_000 });
  await waitFor("the peer alive in its own table", () => peer.peers().some((view) => view.state === "alive"), { timeoutMs: 10_000 });
});
afterAll(async () => {
  await cluster.stopAll();
});

const contents = (i: number) => new Uint8Array(4 * KiB).fill(i % 251);

async function collect(pages: AsyncIterable<StatView[]>): Promise<StatView[][]> {
  const out: StatView[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe("a tree of small files", () => {
  it("putMany writes 60 files of 4 KiB in two folders and an empty one; each reads back whole", async () => {
    const files = Array.from({ length: 60 }, (_, i) => ({ path: `/bulk/${i % 2 ? "odd" : "even"}/f${String(i).padStart(2, "0")}`, source: contents(i) }));
    const stats = await peer.fs.putMany(files, { replication: 1, inFlight: 16, folders: ["/bulk/empty"] });
    expect(stats.map((stat) => [stat.path, stat.size])).toEqual(files.map((file) => [file.path, 4 * KiB]));
    expect(await peer.fs.readFile("/bulk/odd/f37")).toEqual(contents(37));
    expect((await peer.fs.stat("/bulk/empty")).kind).toBe("dir");
    expect((await peer.fs.list("/bulk", { recursive: true })).filter((entry) => entry.kind === "file")).toHaveLength(60);
  });

  it("a second putMany of an existing file names it, keeps what exists, and leaves no partial file", async () => {
    const err = await peer.fs.putMany([{ path: "/bulk/new/a", source: contents(1) }, { path: "/bulk/even/f04", source: contents(2) }], { replication: 1, inFlight: 1 }).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string; path: string },
    );
    expect(err?.name).toBe("PutManyError");
    expect(err?.path).toBe("/bulk/even/f04");
    expect(err?.code).toBe("ALREADY_EXISTS");
    expect(err?.message).toContain("/bulk/even/f04");
    expect(await peer.fs.readFile("/bulk/even/f04")).toEqual(contents(4));
    expect(await peer.fs.readFile("/bulk/new/a")).toEqual(contents(1));
  });
});

describe("listPages", () => {
  it("hands a folder out a page at a time, in name order, the same entries as list()", async () => {
    const pages = await collect(peer.fs.listPages("/bulk/even", { entriesPerPage: 7 }));
    expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 7, 2]);
    const whole = await peer.fs.list("/bulk/even");
    expect(pages.flat().map((entry) => entry.path)).toEqual(whole.map((entry) => entry.path));
    // Recursive pages walk the subtree depth first, a folder before its contents.
    const tree = (await collect(peer.fs.listPages("/bulk", { recursive: true, entriesPerPage: 10 }))).flat();
    expect(tree.map((entry) => entry.path)).toEqual((await peer.fs.list("/bulk", { recursive: true })).map((entry) => entry.path));
    expect(tree.indexOf(tree.find((entry) => entry.path === "/bulk/even")!)).toBeLessThan(tree.findIndex((entry) => entry.path === "/bulk/even/f00"));
  });

  it("resumes from a page's last path, and an empty folder gives no page", async () => {
    const rest = (await collect(peer.fs.listPages("/bulk/odd", { after: "/bulk/odd/f51", entriesPerPage: 100 }))).flat();
    expect(rest.map((entry) => entry.path)).toEqual(["/bulk/odd/f53", "/bulk/odd/f55", "/bulk/odd/f57", "/bulk/odd/f59"]);
    expect(await collect(peer.fs.listPages("/bulk/empty"))).toEqual([]);
  });

  it("a cursor from another folder, or a page over the bound, gets a clear error", async () => {
    const refused = async (pages: AsyncIterable<StatView[]>) => collect(pages).then(() => undefined, (e: unknown) => e as Error & { code: string });
    const foreign = await refused(peer.fs.listPages("/bulk/even", { after: "/bulk/odd/f01" }));
    expect(foreign?.code).toBe("INVALID");
    expect(foreign?.message).toMatch(/cursor \/bulk\/odd\/f01 is not (inside|an entry of) \/bulk\/even/);
    const over = await refused(peer.fs.listPages("/bulk/even", { entriesPerPage: 10_001 }));
    expect(over?.code).toBe("INVALID");
    expect(over?.message).toMatch(/a page holds 1\.\.10000 entries/);
    const fractional = await refused(peer.fs.listPages("/bulk/even", { entriesPerPage: 2.5 }));
    expect(fractional?.message).toMatch(/whole number of entries/);
  });
});
