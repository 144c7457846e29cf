// What the S3 gateway (issue 14) asks of the file system, through a client of a real cluster
// (peers in this process, over libp2p): a put that sets attributes in its completing commit,
// stat and list returning them, a rename that publishes a temporary file over an existing key
// (replace, parents), a concat of parts into one object read back byte for byte, a delete
// that prunes the folders it left empty, and settings under "s3/key/" that admin HTTP never shows.
import { afterEach, describe, expect, it } from "vitest";
import { pattern } from "../support/bytes.ts";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { connect } from "../../src/client/cluster.ts";
import { ATTRIBUTES_BYTES_MAX } from "../../src/protocol/limits.ts";

const KiB = 1024;
let cluster: TestPeers;
afterEach(async () => {
  await cluster.stopAll();
});

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe("the file system as an object store needs it", () => {
  it("put with attributes, stat and list, mv replace with parents, concat read back, rm pruning empty folders, secret settings unseen", async () => {
    cluster = new TestPeers();
    const a = await cluster.start({ http: "127.0.0.1:0" });
    await waitFor("a leader", () => a.raft.isLeader, { timeoutMs: 5_000 });
    const b = await cluster.start({ join: [a.multiaddrs[0]!] });
    await waitFor("2 voters, both peers alive", () => a.clusterStatus().voters.length === 2 && a.peers().filter((view) => view.state === "alive").length === 2, { timeoutMs: 15_000 });
    const client = await connect({ join: [b.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    const fs = client.fs;
    const small = { chunkSizeBytes: 64 * KiB, replication: 2 };
    try {
      // A bucket is a folder with attributes; an object's are set by the commit that completes it.
      await fs.mkdir("/bkt", { attributes: { "s3.bucket": "created" } });
      await fs.mkdir("/bkt/.tessera-s3/tmp", { parents: true });
      const data = pattern(150 * KiB, 1);
      const put = await fs.put(data, "/bkt/.tessera-s3/tmp/u1", { ...small, attributes: { "s3.etag": '"abc"', "s3.meta.note": "héllo" } });
      expect(put).toMatchObject({ size: data.length, state: "closed", attributes: { "s3.etag": '"abc"', "s3.meta.note": "héllo" } });
      expect((await fs.stat("/bkt/.tessera-s3/tmp/u1")).attributes).toEqual({ "s3.etag": '"abc"', "s3.meta.note": "héllo" });
      expect((await fs.stat("/bkt")).attributes).toEqual({ "s3.bucket": "created" });
      const empty = await fs.put(new Uint8Array(0), "/bkt/.tessera-s3/tmp/u2", { ...small, attributes: { "s3.etag": '"d41d8cd98f00b204e9800998ecf8427e"' } });
      expect(empty).toMatchObject({ size: 0, attributes: { "s3.etag": '"d41d8cd98f00b204e9800998ecf8427e"' } });

      // Published under its key, making the key's folders, in one commit.
      await fs.mv("/bkt/.tessera-s3/tmp/u1", "/bkt/dir/sub/key", { parents: true });
      // A second version replaces it in one commit.
      const second = pattern(70 * KiB, 2);
      await fs.put(second, "/bkt/.tessera-s3/tmp/u3", { ...small, attributes: { "s3.etag": '"def"' } });
      await expect(fs.mv("/bkt/.tessera-s3/tmp/u3", "/bkt/dir/sub/key")).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
      await fs.mv("/bkt/.tessera-s3/tmp/u3", "/bkt/dir/sub/key", { replace: true });
      await expect(fs.mv("/bkt/.tessera-s3/tmp/u2", "/bkt/dir", { replace: true })).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
      expect(Bun.hash(await fs.readFile("/bkt/dir/sub/key"))).toBe(Bun.hash(second));
      const listed = await fs.list("/bkt/dir/sub");
      expect(listed.map((entry) => [entry.path, entry.size, entry.attributes])).toEqual([["/bkt/dir/sub/key", second.length, { "s3.etag": '"def"' }]]);

      // Multipart: parts of several chunks, the last of each short, concatenated in one commit.
      await fs.mkdir("/bkt/.tessera-s3/uploads/up1", { parents: true });
      const parts = [pattern(100 * KiB, 3), pattern(10, 4), pattern(70 * KiB, 5)];
      const partPaths = parts.map((_, i) => `/bkt/.tessera-s3/uploads/up1/part-${String(i + 1).padStart(5, "0")}`);
      for (let i = 0; i < parts.length; i++) await fs.put(parts[i]!, partPaths[i]!, small);
      await fs.mkdir("/bkt/mp");
      await fs.put(pattern(5, 6), "/bkt/mp/obj", small);
      const made = await fs.concat(partPaths, "/bkt/mp/obj", { attributes: { "s3.etag": '"x-3"', "s3.parts": "3" }, replace: true, parents: true });
      const whole = concatBytes(parts);
      expect(made).toMatchObject({ path: "/bkt/mp/obj", size: whole.length, state: "closed", attributes: { "s3.etag": '"x-3"', "s3.parts": "3" } });
      const stat = await fs.stat("/bkt/mp/obj");
      expect(stat.chunks.map((chunk) => chunk.size)).toEqual([64 * KiB, 36 * KiB, 10, 64 * KiB, 6 * KiB]);
      expect(Bun.hash(await fs.readFile("/bkt/mp/obj"))).toBe(Bun.hash(whole));
      const range = await fs.openRangeReader("/bkt/mp/obj");
      expect(Bun.hash(await range.read(100 * KiB - 3, 20))).toBe(Bun.hash(whole.subarray(100 * KiB - 3, 100 * KiB + 17)));
      expect(await fs.list("/bkt/.tessera-s3/uploads/up1")).toEqual([]);

      // Deleting the last object under a prefix removes the folders it implied, never the bucket.
      await fs.setAttributes("/bkt/mp", { "s3.marker": "1" });
      expect(await fs.rm("/bkt/dir/sub/key", { pruneEmptyParentsBelow: "/bkt" })).toEqual({ files: 1, directories: 2 });
      expect(await fs.rm("/bkt/mp/obj", { pruneEmptyParentsBelow: "/bkt" })).toEqual({ files: 1, directories: 0 });
      expect((await fs.list("/bkt")).map((entry) => [entry.path, entry.attributes])).toEqual([
        ["/bkt/.tessera-s3", {}],
        ["/bkt/mp", { "s3.marker": "1" }],
      ]);

      // Attributes past their bound are refused by the client before anything is written.
      await expect(fs.put(pattern(10, 7), "/bkt/too-big", { ...small, attributes: { big: "x".repeat(ATTRIBUTES_BYTES_MAX) } })).rejects.toMatchObject({ code: "INVALID" });
      await expect(fs.stat("/bkt/too-big")).rejects.toMatchObject({ code: "NOT_FOUND" });

      // Access keys live in settings: listed by prefix for the gateway, shown nowhere else.
      const secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
      await fs.setSetting("s3/key/AKIATESTKEY", new TextEncoder().encode(JSON.stringify({ secret, name: "test", buckets: ["bkt"], readOnly: false, createdMs: 1 })));
      await fs.setSetting("s3/other", new Uint8Array([1]));
      const keys = await fs.listSettings("s3/key/");
      expect(keys.entries.map((entry) => entry.key)).toEqual(["s3/key/AKIATESTKEY"]);
      expect(keys.next).toBe("");
      expect(JSON.parse(new TextDecoder().decode(keys.entries[0]!.value)).secret).toBe(secret);
      for (const path of ["/metrics", "/jmx", "/api/overview", "/api/peers", "/api/fs/list?path=/", "/api/fs/stat?path=/bkt", "/api/jobs"]) {
        const body = await (await fetch(`${a.httpUrl!}${path}`)).text();
        expect(body.includes(secret) || body.includes("AKIATESTKEY"), path).toBe(false);
      }
      await fs.deleteSetting("s3/key/AKIATESTKEY");
      expect(await fs.getSetting("s3/key/AKIATESTKEY")).toBeUndefined();
      expect((await fs.listSettings("s3/")).entries.map((entry) => entry.key)).toEqual(["s3/other"]);
    } finally {
      await client.close();
    }
  }, 60_000);
});
