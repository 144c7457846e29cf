// Bad input on /tessera/raft/1 from an admitted peer: every message is rejected with a
// logged reason, and the peer keeps serving (issue 3, "Bad input").
import { describe, it, expect, afterEach } from "vitest";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";
import * as lp from "it-length-prefixed";
import { TestPeers, LOOPBACK } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";
import { createHost, type TesseraHost } from "../../src/net/host.ts";
import { RAFT_WIRE_MESSAGE_BYTES_MAX, encodeRaftMessage } from "../../src/raft/codec.ts";
import { connect } from "../../src/client/cluster.ts";
import { RAFT_PROTOCOL } from "../../src/protocol/ids.ts";

let cluster: TestPeers;
let rogue: TesseraHost | undefined;
afterEach(async () => {
  await rogue?.stop();
  await cluster.stopAll();
});

const varint = (value: number): number[] => {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
};
const stringField = (field: number, text: string): number[] => {
  const bytes = [...new TextEncoder().encode(text)];
  return [(field << 3) | 2, ...varint(bytes.length), ...bytes];
};

describe("raft wire input", () => {
  it("rejects unknown types, bad encodings, huge numbers, impostors and oversized frames, and keeps serving", async () => {
    cluster = new TestPeers();
    const seed = await cluster.start();
    await waitFor("the seed to lead", () => seed.raft.isLeader, { timeoutMs: 5_000 });
    rogue = await createHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: cluster.swarmKey, listenAddrs: [LOOPBACK] });
    const me = rogue.peerId.toString();
    const rejected = () => seed.raft.stats().transport.rejected;

    const send = async (frame: Uint8Array) => {
      const stream = await rogue!.dialProtocol(multiaddr(seed.multiaddrs[0]!), RAFT_PROTOCOL);
      stream.send(frame);
      await stream.close().catch(() => undefined);
    };
    const frameOf = (bytes: number[] | Uint8Array) => lp.encode.single(Uint8Array.from(bytes)).subarray();

    const cases: Array<[string, Uint8Array]> = [
      ["an unknown message type", frameOf([0x08, 99, ...stringField(2, me), ...stringField(3, seed.id)])],
      ["a term encoded as bytes instead of a varint", frameOf([0x08, 3, ...stringField(2, me), ...stringField(3, seed.id), 0x22, 0x03, 1, 2, 3])],
      ["a term beyond 2^53", frameOf([0x08, 3, ...stringField(2, me), ...stringField(3, seed.id), 0x20, ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]])],
      ["a message claiming another sender", frameOf(encodeRaftMessage({ type: "heartbeat", from: seed.id, to: seed.id, term: 99, commit: 0, ctx: "" }))],
      ["a frame over the size bound", Uint8Array.from(varint(RAFT_WIRE_MESSAGE_BYTES_MAX + 1))],
    ];
    for (const [what, frame] of cases) {
      const before = rejected();
      await send(frame);
      await waitFor(`${what} to be rejected`, () => rejected() > before, { timeoutMs: 5_000 });
    }
    // The leader was not disturbed: same term, still leading, still committing.
    expect(seed.raft.isLeader).toBe(true);
    expect(seed.clusterStatus().term).toBe(1);
    const client = await connect({ join: [seed.multiaddrs[0]!], swarmKey: cluster.swarmKey });
    try {
      await client.setSetting("still", new TextEncoder().encode("serving"));
      expect(new TextDecoder().decode(await client.getSetting("still"))).toBe("serving");
    } finally {
      await client.close();
    }
  });
});
