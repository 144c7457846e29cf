// /tessera/shuffle/1 between two real libp2p hosts: a reduce that consumes slowly (a busy disk)
// still gets every byte of a map output bigger than any stream buffer, and a missing output
// is told apart from a broken transfer.
import { describe, it, expect, afterEach } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";
import { createHost, type PeerHost } from "../../src/net/host.ts";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { fetchPartition, mapOutputFile, registerShuffleHandler, ShuffleError } from "../../src/compute/shuffle.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../support/temp.ts";

const MiB = 1024 * 1024;
const hosts: PeerHost[] = [];
const dirs: Array<{ remove(): void }> = [];
afterEach(async () => {
  await Promise.allSettled(hosts.splice(0).map((host) => host.stop()));
  for (const dir of dirs.splice(0)) dir.remove();
});

async function pair(): Promise<{ server: PeerHost; client: PeerHost; computeDir: string }> {
  const swarmKey = generateSwarmKey();
  const server = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey, listenAddrs: ["/ip4/127.0.0.1/tcp/0"] });
  const client = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey, listenAddrs: [] });
  hosts.push(server, client);
  const dir = tempDir("shuffle");
  dirs.push(dir);
  await registerShuffleHandler(server, dir.path, createLogger("test/shuffle"));
  await client.dial(multiaddr(server.getMultiaddrs()[0]!));
  return { server, client, computeDir: dir.path };
}

describe("shuffle", () => {
  it("a slow reader gets every byte of a 24 MiB map output (the stream pauses, nothing overflows)", async () => {
    const { server, client, computeDir } = await pair();
    const data = new Uint8Array(24 * MiB);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 0xff;
    const path = mapOutputFile(computeDir, "job-1", 3, 0, 1);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    const received: Uint8Array[] = [];
    let total = 0;
    for await (const piece of fetchPartition(client, server.peerId, { jobId: "job-1", mapIndex: 3, attempt: 0, partition: 1 })) {
      received.push(piece.slice());
      total += piece.length;
      // A reduce writing to a busy disk: far slower than loopback delivers.
      await Bun.sleep(15);
    }
    expect(total).toBe(data.length);
    expect(Buffer.concat(received).equals(Buffer.from(data))).toBe(true);
  }, 60_000);

  it("an output that is not there is a ShuffleError (the map must run again)", async () => {
    const { server, client } = await pair();
    const fetch = async () => {
      for await (const _piece of fetchPartition(client, server.peerId, { jobId: "job-2", mapIndex: 0, attempt: 0, partition: 0 })) {
        // nothing
      }
    };
    await expect(fetch()).rejects.toBeInstanceOf(ShuffleError);
    await expect(fetch()).rejects.toThrow(/no output of map 0 attempt 0 here/);
  });
});
