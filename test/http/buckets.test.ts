// GET /api/buckets (issue 14, "the web UI lists buckets"): the top-level folders whose names are
// S3 bucket names (protocol/bucket-names.ts), as the S3 gateway serves them, in name order. The
// admin HTTP server is started for real (its thread, the ClusterData cache) over a source whose
// root listing is a real namespace (master/state), so pages, order and byte bounds are the
// leader's own; the bound of 10,000 root entries is checked on a listing made up in memory.
import { describe, it, expect } from "vitest";
import { BUCKETS_ROOT_ENTRIES_MAX, listBuckets, type BucketList } from "../../src/http/buckets.ts";
import { PeerMetrics } from "../../src/http/metrics.ts";
import { startAdminHttp } from "../../src/http/server.ts";
import type { AdminHttpSource } from "../../src/http/source.ts";
import type { StatView } from "../../src/client/fs.ts";
import { Namespace } from "../../src/master/state/namespace.ts";
import { encodeLogCommand, type TypedLogCommand } from "../../src/master/state/log-command.ts";
import { createLogger } from "../../src/util/log.ts";

type ListPage = AdminHttpSource["listPage"];

function entryView(path: string, kind: "file" | "dir", mtimeMs: number): StatView {
  return { path, kind, size: 0, replication: kind === "file" ? 3 : 0, chunkSize: 0, mtimeMs, state: "closed", chunks: [], attributes: {}, owner: "root", group: "supergroup", permission: kind === "file" ? 0o644 : 0o755, accessTimeMs: 0 };
}

/** A namespace the test writes through log commands, as the leader's state machine applies them. */
function namespace() {
  const ns = Namespace.open();
  let index = 0;
  const run = (command: TypedLogCommand): unknown => ns.apply({ index: ++index, term: 1, type: "normal", data: encodeLogCommand(command) });
  const listPage: ListPage = async (path, options) => {
    const page = ns.list(path, { limit: options.limit, ...(options.after !== undefined ? { after: options.after } : {}) });
    return { entries: page.entries.map((entry) => entryView(entry.path, entry.kind === "dir" ? "dir" : "file", entry.mtimeMs)), ...(page.next ? { next: page.next } : {}) };
  };
  return {
    ns,
    listPage,
    mkdir: (path: string, mtimeMs: number) => run({ mkdir: { path, parents: true, mtimeMs } } as TypedLogCommand),
    file: (path: string, mtimeMs: number) => run({ create: { path, replication: 3, chunkSizeBytes: 1024 * 1024, clientId: "client-a", leaseExpiryMs: 60_000, mtimeMs } } as TypedLogCommand),
  };
}

/** A source whose namespace answers come from `listPage`; nothing else is asked by /api/buckets. */
function sourceOf(listPage: ListPage): AdminHttpSource {
  const unused = () => Promise.reject(new Error("not asked by /api/buckets"));
  return {
    self: { id: "12D3KooWSelf", rack: "/r1", startedAtMs: 1_700_000_000_000, version: "0.1.0" },
    peers: () => [],
    clusterStatus: unused,
    report: unused,
    fsck: unused,
    stat: unused,
    listPage,
    jobs: unused,
    job: unused,
    tasks: unused,
    local: {
      raft: () => ({ term: 1, commitIndex: 1, appliedIndex: 1, leader: "", isLeader: false, leaderChanges: 0 }),
      data: { write: { bytesWritten: 0, pipelinesCommitted: 0, pipelinesFailed: 0, checksumErrors: 0 }, read: { bytesServed: 0, readsServed: 0, readsFailed: 0, checksumErrors: 0 } },
      reads: { localBytes: 0, remoteBytes: 0 },
      tiers: () => [],
      tasks: { counters: { mapsDone: 0, reducesDone: 0, failed: 0, cancelled: 0, mapShortCircuitBytes: 0 }, runningCount: 0 },
      admission: () => [],
      walCheckpoints: () => ({ checkpoints: 0, complete: 0, failures: 0 }),
    },
  };
}

async function getBuckets(listPage: ListPage): Promise<{ status: number; body: BucketList }> {
  const http = await startAdminHttp({ address: "127.0.0.1:0", source: sourceOf(listPage), metrics: new PeerMetrics(), log: createLogger("buckets-test") });
  try {
    const response = await fetch(`${http.url}/api/buckets`);
    expect(response.headers.get("content-type")).toContain("application/json");
    return { status: response.status, body: (await response.json()) as BucketList };
  } finally {
    await http.stop();
  }
}

/** A made-up root of `names` (sorted), paged as the namespace pages: `next` is the last path of a full page. */
function fakeRoot(names: string[], kindOf: (name: string) => "file" | "dir" = () => "dir"): { listPage: ListPage; asked: Array<{ after?: string; limit: number }> } {
  const sorted = [...names].sort();
  const asked: Array<{ after?: string; limit: number }> = [];
  const listPage: ListPage = async (path, options) => {
    expect(path).toBe("/");
    asked.push(options);
    const from = options.after === undefined ? 0 : sorted.findIndex((name) => `/${name}` > options.after!);
    const start = from < 0 ? sorted.length : from;
    const entries = sorted.slice(start, start + options.limit).map((name) => entryView(`/${name}`, kindOf(name), 1_000));
    const more = start + options.limit < sorted.length;
    return { entries, ...(more ? { next: entries[entries.length - 1]!.path } : {}) };
  };
  return { listPage, asked };
}

describe("GET /api/buckets", () => {
  it("lists the top-level folders with bucket names, in name order, with their modified times", async () => {
    const root = namespace();
    root.mkdir("/photos", 5_000);
    root.mkdir("/logs-2026.01", 6_000);
    root.mkdir("/a1b", 7_000);
    // Folders whose names S3 refuses: not buckets.
    for (const name of ["Data_2", "ab", "my_bucket", "UPPER", "-dash", "a..b", "192.168.5.4", "xn--punycode", "x".repeat(64), ".tessera-s3", "trailing-"]) root.mkdir(`/${name}`, 8_000);
    // Files at the root, one of them with a bucket's name, and a folder below a bucket.
    root.file("/readme.txt", 9_000);
    root.file("/zebra-file", 9_000);
    root.mkdir("/photos/nested-bucket", 9_500);

    const { status, body } = await getBuckets(root.listPage);
    expect(status).toBe(200);
    expect(body).toEqual({
      buckets: [
        { name: "a1b", mtimeMs: 7_000 },
        { name: "logs-2026.01", mtimeMs: 6_000 },
        // A folder made inside it touched it.
        { name: "photos", mtimeMs: 9_500 },
      ],
      truncated: false,
    });
    expect(root.ns.stat("/photos").mtimeMs).toBe(9_500);
  });

  it("an empty root has no buckets", async () => {
    expect(await getBuckets(namespace().listPage)).toEqual({ status: 200, body: { buckets: [], truncated: false } });
  });

  it("reads every page of the root listing", async () => {
    const root = namespace();
    const names = Array.from({ length: 2_500 }, (_, i) => `bucket-${String(i).padStart(4, "0")}`);
    for (const name of names) root.mkdir(`/${name}`, 1_000);
    for (let i = 0; i < 300; i++) root.mkdir(`/Not_A_Bucket_${i}`, 1_000);
    let pages = 0;
    const { body } = await getBuckets(async (path, options) => {
      pages += 1;
      return root.listPage(path, options);
    });
    expect(body.truncated).toBe(false);
    expect(body.buckets.map((bucket) => bucket.name)).toEqual(names);
    // 2,800 entries of the root, 1,000 a page.
    expect(pages).toBe(3);
  });

  it(`stops after ${BUCKETS_ROOT_ENTRIES_MAX} root entries and says the list is truncated`, async () => {
    // 10,000 files, then a folder with a bucket's name past them: it is not reached.
    const names = Array.from({ length: BUCKETS_ROOT_ENTRIES_MAX }, (_, i) => `f${String(i).padStart(5, "0")}`);
    const root = fakeRoot([...names, "zz-late-bucket"], (name) => (name.startsWith("zz") ? "dir" : "file"));
    const { body } = await getBuckets(root.listPage);
    expect(body).toEqual({ buckets: [], truncated: true });
    expect(root.asked.length).toBe(BUCKETS_ROOT_ENTRIES_MAX / 1_000);
    expect(root.asked.every((ask) => ask.limit <= 1_000)).toBe(true);

    // Exactly 10,000 entries and no more: all read, nothing truncated.
    const exact = fakeRoot(names.map((name) => `b-${name}`));
    const listed = await listBuckets(exact.listPage);
    expect(listed.truncated).toBe(false);
    expect(listed.buckets.length).toBe(BUCKETS_ROOT_ENTRIES_MAX);
  });

  it("a smaller bound is honoured exactly, and a page that does not advance ends the list", async () => {
    const root = fakeRoot(Array.from({ length: 30 }, (_, i) => `b-${String(i).padStart(2, "0")}`));
    const listed = await listBuckets(root.listPage, 25);
    expect(listed.truncated).toBe(true);
    expect(listed.buckets.map((bucket) => bucket.name)).toEqual(Array.from({ length: 25 }, (_, i) => `b-${String(i).padStart(2, "0")}`));
    expect(root.asked.map((ask) => ask.limit)).toEqual([25]);

    let asked = 0;
    const stuck = await listBuckets(async () => {
      asked += 1;
      return { entries: [], next: "/same" };
    });
    expect(stuck).toEqual({ buckets: [], truncated: true });
    expect(asked).toBe(1);
  });
});
