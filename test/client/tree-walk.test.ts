// The walk of chmod -R, chown -R and chgrp -R (src/client/tree-walk.ts) over an in-memory tree:
// folders before their entries, each listed only after its visit, pages followed, visits
// bounded, the first failure named.
import { describe, expect, it } from "vitest";
import type { StatView } from "../../src/client/fs.ts";
import { RequestError } from "../../src/protocol/errors.ts";
import { TreeWalkError, walkTree, type TreeLister } from "../../src/client/tree-walk.ts";

function entry(path: string, kind: "file" | "dir"): StatView {
  return { path, kind, size: 0, replication: kind === "dir" ? 0 : 3, chunkSize: 0, mtimeMs: 0, state: "closed", chunks: [], attributes: {}, owner: "alice", group: "staff", permission: kind === "dir" ? 0o755 : 0o644, accessTimeMs: 0 };
}

/** A tree of paths; a folder in `locked` cannot be listed until it has been visited. */
class MemoryTree implements TreeLister {
  readonly entries = new Map<string, StatView>();
  readonly listed: string[] = [];
  readonly unlocked = new Set<string>();
  listCalls = 0;

  constructor(
    paths: string[],
    private readonly pageSize: number,
    private readonly locked: Set<string> = new Set(),
  ) {
    for (const path of paths) this.entries.set(path.replace(/\/$/, ""), entry(path.replace(/\/$/, ""), path.endsWith("/") ? "dir" : "file"));
  }

  async stat(path: string): Promise<StatView> {
    const found = this.entries.get(path);
    if (!found) throw new RequestError("NOT_FOUND", `${path} does not exist.`);
    return found;
  }

  async *listPages(path: string): AsyncGenerator<StatView[]> {
    if (this.locked.has(path) && !this.unlocked.has(path)) throw new RequestError("PERMISSION_DENIED", `Permission denied: user=alice, access=READ_EXECUTE, inode="${path}"`);
    this.listed.push(path);
    const children = [...this.entries.values()].filter((e) => e.path.startsWith(`${path === "/" ? "" : path}/`) && !e.path.slice(path.length + 1).includes("/")).sort((a, b) => (a.path < b.path ? -1 : 1));
    for (let at = 0; at < children.length; at += this.pageSize) {
      this.listCalls += 1;
      yield children.slice(at, at + this.pageSize);
    }
  }
}

const TREE = ["/t/", "/t/a/", "/t/a/x", "/t/a/y", "/t/a/deep/", "/t/a/deep/z", "/t/b/", "/t/b/w", "/t/c", "/t/d", "/t/e", "/other"];

describe("walkTree", () => {
  it("visits every entry once, each folder before its entries, and counts them", async () => {
    const tree = new MemoryTree(TREE, 2);
    const visited: string[] = [];
    const counts = await walkTree(tree, "/t", async (e) => void visited.push(e.path), { recursive: true, inFlight: 1 });
    expect(counts).toEqual({ files: 7, directories: 4 });
    expect(new Set(visited).size).toBe(visited.length);
    expect(visited.sort()).toEqual(TREE.filter((p) => p.startsWith("/t")).map((p) => p.replace(/\/$/, "")).sort());
    expect(tree.listed).toEqual(["/t", "/t/a", "/t/a/deep", "/t/b"]);
    expect(tree.listCalls).toBeGreaterThan(4); // /t's five entries took three pages
  });

  it("lists a folder only after its visit: a walk that makes folders readable reaches into them", async () => {
    const locked = new Set(["/t/a", "/t/a/deep", "/t/b"]);
    const tree = new MemoryTree(TREE, 2, locked);
    const order: string[] = [];
    await walkTree(
      tree,
      "/t",
      async (e) => {
        order.push(e.path);
        tree.unlocked.add(e.path);
      },
      { recursive: true },
    );
    expect(order).toContain("/t/a/deep/z");
    expect(order.indexOf("/t/a")).toBeLessThan(order.indexOf("/t/a/x"));
    expect(order.indexOf("/t/a/deep")).toBeLessThan(order.indexOf("/t/a/deep/z"));
  });

  it("without recursive visits the path alone; a file is visited alone either way", async () => {
    const tree = new MemoryTree(TREE, 2);
    const visited: string[] = [];
    expect(await walkTree(tree, "/t", async (e) => void visited.push(e.path))).toEqual({ files: 0, directories: 1 });
    expect(await walkTree(tree, "/t/c", async (e) => void visited.push(e.path), { recursive: true })).toEqual({ files: 1, directories: 0 });
    expect(visited).toEqual(["/t", "/t/c"]);
    expect(tree.listed).toEqual([]);
  });

  it("keeps at most inFlight visits running at once", async () => {
    const paths = ["/wide/", ...Array.from({ length: 50 }, (_, i) => `/wide/f${String(i).padStart(2, "0")}`)];
    const tree = new MemoryTree(paths, 20);
    let running = 0;
    let most = 0;
    await walkTree(
      tree,
      "/wide",
      async () => {
        running += 1;
        most = Math.max(most, running);
        await Promise.resolve();
        await Promise.resolve();
        running -= 1;
      },
      { recursive: true, inFlight: 4 },
    );
    expect(most).toBe(4);
  });

  it("stops at the first failure and names the entry, keeping its code", async () => {
    const tree = new MemoryTree(TREE, 2);
    const visited: string[] = [];
    let error: unknown;
    try {
      await walkTree(
        tree,
        "/t",
        async (e) => {
          if (e.path === "/t/a/deep") throw new RequestError("PERMISSION_DENIED", "Permission denied: user=bob, access=WRITE");
          visited.push(e.path);
        },
        { recursive: true, inFlight: 1 },
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TreeWalkError);
    expect((error as TreeWalkError).code).toBe("PERMISSION_DENIED");
    expect((error as TreeWalkError).path).toBe("/t/a/deep");
    expect((error as Error).message).toBe("/t/a/deep: Permission denied: user=bob, access=WRITE");
    expect(visited).not.toContain("/t/a/deep/z");
    // /t/b shares /t/a's page and was visited with it; the next page never started.
    expect(visited).toEqual(["/t", "/t/a", "/t/b"]);
  });

  it("a folder it may not list, or a path that is missing, is named too", async () => {
    const tree = new MemoryTree(TREE, 2, new Set(["/t/b"]));
    const failure = await walkTree(tree, "/t", async () => {}, { recursive: true }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TreeWalkError);
    expect((failure as TreeWalkError).path).toBe("/t/b");
    expect((failure as TreeWalkError).code).toBe("PERMISSION_DENIED");
    const missing = await walkTree(tree, "/nope", async () => {}).catch((err: unknown) => err);
    expect((missing as TreeWalkError).code).toBe("NOT_FOUND");
    expect((missing as Error).message).toBe("/nope: /nope does not exist.");
  });

  it("refuses an inFlight out of bounds", async () => {
    const tree = new MemoryTree(TREE, 2);
    await expect(walkTree(tree, "/t", async () => {}, { inFlight: 0 })).rejects.toThrow(RangeError);
    await expect(walkTree(tree, "/t", async () => {}, { inFlight: 129 })).rejects.toThrow(RangeError);
  });
});
