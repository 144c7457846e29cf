// Tessera's connection encrypter: peers with the same swarm key talk over an encrypted
// connection; a peer with another key is refused in the handshake, in both dial directions,
// before any protocol runs (SECURITY.md, "Admission").
import { describe, it, expect, afterEach } from "vitest";
import { createHash } from "node:crypto";
import { createLibp2p, type Libp2p } from "libp2p";
import { tcp } from "@libp2p/tcp";
import { yamux } from "@libp2p/yamux";
import { identify } from "@libp2p/identify";
import { noise } from "@chainsafe/libp2p-noise";
import { asCrypto, defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import type { Stream } from "@libp2p/interface";
import { generateSwarmKey } from "../../src/net/swarm-key.ts";
import { tesseraEncryption, isSwarmKeyMismatch, SwarmKeyMismatchError } from "../../src/net/encryption.ts";
import { ENCRYPTION_PROTOCOL } from "../../src/protocol/ids.ts";

const TEST_PROTOCOL = "/tessera-test/sink/1";
const PAYLOAD_BYTES = 8 * 1024 * 1024;
const WRITE_BYTES = 256 * 1024;
const CONDITION_TIMEOUT_MS = 4_000;
const CONDITION_POLL_MS = 5;

const nodes: Libp2p[] = [];

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

async function startNode(swarmKey: Uint8Array): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
    transports: [tcp()],
    connectionEncrypters: [tesseraEncryption({ swarmKey })],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  });
  nodes.push(node);
  return node;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + CONDITION_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, CONDITION_POLL_MS));
  }
}

// Sends with backpressure by waiting on the stream's 'drain' event (docs/findings.md: onDrain() in
// @libp2p/utils 7.4.1 stops working after the first drain).
async function sendAll(stream: Stream, payload: Uint8Array): Promise<void> {
  for (let offset = 0; offset < payload.length; offset += WRITE_BYTES) {
    if (!stream.send(payload.subarray(offset, offset + WRITE_BYTES))) {
      await new Promise<void>((resolve) => stream.addEventListener("drain", () => resolve(), { once: true }));
    }
  }
  await stream.close();
}

function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

async function dialError(from: Libp2p, to: Libp2p): Promise<unknown> {
  try {
    await from.dial(to.getMultiaddrs()[0]!);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("tesseraEncryption", () => {
  it("advertises its own protocol id, not /noise", () => {
    expect(ENCRYPTION_PROTOCOL).not.toBe("/noise");
    expect(() => tesseraEncryption({ swarmKey: new Uint8Array(16) })).toThrow(TypeError);
  });

  it("moves a multi-MiB payload intact between peers holding the same swarm key", async () => {
    const swarmKey = generateSwarmKey();
    const [receiver, sender] = await Promise.all([startNode(swarmKey), startNode(swarmKey)]);
    const payload = new Uint8Array(PAYLOAD_BYTES);
    for (let i = 0; i < payload.length; i += 65536) payload.set(crypto.getRandomValues(new Uint8Array(65536)), i);

    const received = Promise.withResolvers<Uint8Array>();
    await receiver.handle(TEST_PROTOCOL, async (stream) => {
      const whole = new Uint8Array(PAYLOAD_BYTES);
      let filled = 0;
      for await (const piece of stream) {
        const bytes = piece.subarray();
        whole.set(bytes, filled);
        filled += bytes.length;
      }
      received.resolve(whole.subarray(0, filled));
    });

    const stream = await sender.dialProtocol(receiver.getMultiaddrs()[0]!, TEST_PROTOCOL);
    expect(sender.getConnections(receiver.peerId)[0]!.encryption).toBe(ENCRYPTION_PROTOCOL);
    await sendAll(stream, payload);
    const got = await received.promise;
    expect(got.length).toBe(payload.length);
    expect(sha256Hex(got)).toBe(sha256Hex(payload));
  });

  it("carries small messages both ways (echo) over the record transport", async () => {
    const swarmKey = generateSwarmKey();
    const [server, client] = await Promise.all([startNode(swarmKey), startNode(swarmKey)]);
    await server.handle(TEST_PROTOCOL, async (stream) => {
      for await (const piece of stream) stream.send(piece.subarray());
      await stream.close();
    });
    const stream = await client.dialProtocol(server.getMultiaddrs()[0]!, TEST_PROTOCOL);
    const echoed: string[] = [];
    const done = (async () => {
      for await (const piece of stream) echoed.push(new TextDecoder().decode(piece.subarray()));
    })();
    const messages = ["a", "bc", "x".repeat(70_000)];
    for (const message of messages) stream.send(new TextEncoder().encode(message));
    await stream.close();
    await done;
    expect(echoed.join("")).toBe(messages.join(""));
  });

  it("does not pass a standard /noise node off as a swarm key mismatch", async () => {
    const guarded = await startNode(generateSwarmKey());
    const stock = await createLibp2p({
      transports: [tcp()],
      connectionEncrypters: [noise({ crypto: { ...defaultCrypto, chaCha20Poly1305Encrypt: asCrypto.chaCha20Poly1305Encrypt, chaCha20Poly1305Decrypt: asCrypto.chaCha20Poly1305Decrypt } })],
      streamMuxers: [yamux()],
    });
    nodes.push(stock);
    const err = await dialError(stock, guarded);
    expect(err).toBeDefined();
    expect(isSwarmKeyMismatch(err)).toBe(false);
    expect(guarded.getPeers()).toEqual([]);
  });

  it("refuses a peer with another swarm key in both directions, before any protocol runs", async () => {
    const guarded = await startNode(generateSwarmKey());
    const foreign = await startNode(generateSwarmKey());
    let handlerRuns = 0;
    await guarded.handle(TEST_PROTOCOL, (stream) => {
      handlerRuns++;
      stream.abort(new Error("should never run"));
    });
    const guardedPeerEvents: string[] = [];
    guarded.addEventListener("peer:connect", (evt) => guardedPeerEvents.push(evt.detail.toString()));
    guarded.addEventListener("peer:identify", (evt) => guardedPeerEvents.push(evt.detail.peerId.toString()));

    // foreign dialer -> guarded listener
    const inbound = await dialError(foreign, guarded);
    expect(inbound).toBeDefined();
    expect(isSwarmKeyMismatch(inbound)).toBe(true);

    // guarded dialer -> foreign listener
    const outbound = await dialError(guarded, foreign);
    expect(outbound).toBeDefined();
    expect(isSwarmKeyMismatch(outbound)).toBe(true);

    // Opening a protocol stream fails the same way.
    let protocolError: unknown;
    try {
      await foreign.dialProtocol(guarded.getMultiaddrs()[0]!, TEST_PROTOCOL);
    } catch (err) {
      protocolError = err;
    }
    expect(isSwarmKeyMismatch(protocolError)).toBe(true);

    // Give any half-open connection a chance to show up before checking nothing did.
    await waitFor(() => guarded.getConnections().length === 0 && foreign.getConnections().length === 0, "no connections");
    expect(handlerRuns).toBe(0);
    expect(guardedPeerEvents).toEqual([]);
    expect(guarded.getPeers()).toEqual([]);
  });

  it("recognizes the mismatch through wrapping, and only the mismatch", () => {
    const wrapped = new Error("EncryptionFailedError: handshake stage 1 validation fail: " + new SwarmKeyMismatchError().message);
    expect(isSwarmKeyMismatch(new AggregateError([new Error("ECONNREFUSED"), wrapped], "all dials failed"))).toBe(true);
    expect(isSwarmKeyMismatch(new Error("outer", { cause: new SwarmKeyMismatchError() }))).toBe(true);
    expect(isSwarmKeyMismatch(new Error("connect ECONNREFUSED 127.0.0.1:1"))).toBe(false);
    expect(isSwarmKeyMismatch(undefined)).toBe(false);
  });
});
