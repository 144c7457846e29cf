// fs.truncate through a client of a real cluster (peers in this process, over libp2p): a cut
// at a chunk's end is the masters' alone; a cut inside a chunk keeps that chunk's head and
// appends it back (src/client/truncate-plan.ts), and the file reads back as its prefix.
import { afterEach, describe, expect, it } from "vitest";
import { pattern } from "../support/bytes.ts";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { connect } from "../../src/client/cluster.ts";

const KiB = 1024;
let cluster: TestPeers;
afterEach(async () => {
  await cluster.stopAll();
});

describe("fs.truncate", () => {
  it("cuts at a chunk's end, inside a chunk, to 0; refuses a longer length and a bad one; the file reads back as its prefix", async () => {
    cluster = new TestPeers();
    const a = await cluster.start();
    await waitFor("a leader", () => a.raft.isLeader, { timeoutMs: 5_000 });
    const client = await connect({ join: [a.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    const fs = client.fs;
    try {
      const data = pattern(150 * KiB, 7);
      await fs.put(data, "/t.bin", { chunkSizeBytes: 64 * KiB, replication: 1 });
      const sizes = async () => (await fs.stat("/t.bin")).chunks.map((chunk) => chunk.size);
      expect(await sizes()).toEqual([64 * KiB, 64 * KiB, 22 * KiB]);

      // Inside the second chunk: its head is kept and appended back as a chunk of its own.
      await fs.truncate("/t.bin", 100 * KiB);
      expect(await sizes()).toEqual([64 * KiB, 36 * KiB]);
      expect(await fs.readFile("/t.bin")).toEqual(data.subarray(0, 100 * KiB));
      expect((await fs.stat("/t.bin")).state).toBe("closed");

      // At a chunk's end, and at the file's end (nothing to do).
      await fs.truncate("/t.bin", 64 * KiB);
      expect(await sizes()).toEqual([64 * KiB]);
      await fs.truncate("/t.bin", 64 * KiB);
      expect(await fs.readFile("/t.bin")).toEqual(data.subarray(0, 64 * KiB));

      // Inside the first chunk, then to nothing.
      await fs.truncate("/t.bin", 1);
      expect(await fs.readFile("/t.bin")).toEqual(data.subarray(0, 1));
      await fs.truncate("/t.bin", 0);
      expect((await fs.stat("/t.bin")).size).toBe(0);
      expect(await fs.readFile("/t.bin")).toEqual(new Uint8Array(0));

      // A file can grow again after a truncate.
      await fs.append(data.subarray(0, 10), "/t.bin");
      expect(await fs.readFile("/t.bin")).toEqual(data.subarray(0, 10));

      await expect(fs.truncate("/t.bin", 11)).rejects.toMatchObject({ code: "INVALID" });
      await expect(fs.truncate("/t.bin", -1)).rejects.toMatchObject({ code: "INVALID" });
      await expect(fs.truncate("/t.bin", 1.5)).rejects.toMatchObject({ code: "INVALID" });
      await expect(fs.truncate("/missing", 0)).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect(await fs.readFile("/t.bin")).toEqual(data.subarray(0, 10));
    } finally {
      await client.close();
    }
  }, 60_000);
});
