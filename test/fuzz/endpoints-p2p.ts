// Fuzz targets for the libp2p protocols a real peer serves (issue 18): a client that holds
// the swarm key (so it gets past pnet and the handshake, as a buggy or hostile member of the
// cluster would) opens each protocol the peer registered and writes junk: random bytes,
// length-prefixed frames of random bytes, frames that claim more than they carry, and
// varints that never end. The property: the peer survives and keeps serving (a client's
// stat of a known file over the network answers, within the deadline, after every case).
import fc from "fast-check";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { createClientHost, type TesseraHost } from "../../src/net/host.ts";
import type { FuzzTarget } from "./registry.ts";
import { asTarget, FILE, REQUEST_DEADLINE_MS, startFuzzPeer, withDeadline, type FuzzPeer } from "./endpoints-peer.ts";
import { concat } from "uint8arrays/concat";
import { varint as varintDigits } from "./support.ts";

const varint = (value: number): Uint8Array => Uint8Array.from(varintDigits(value));

/** How long a case waits for the peer to close the stream after the junk (most reset it at once). */
const STREAM_SETTLE_MS = 250;

interface P2pContext {
  fuzz: FuzzPeer;
  address: Multiaddr;
  protocols: string[];
  /** The host that sends junk. */
  attacker: TesseraHost;
  /** A well-behaved client, for the known-good request after each case. */
  client: ClusterClient;
}

/** One write's worth of junk, in shapes the framing readers must refuse without falling over. */
const junk = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 3 }).map((frames) => concat(frames.flatMap((frame) => [varint(frame.length), frame]))),
  fc.tuple(fc.constantFrom(1, 127, 128, 65_536, 4 * 1024 * 1024, 2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER), fc.uint8Array({ maxLength: 64 })).map(([claimed, frame]) => concat([varint(claimed), frame])),
  fc.integer({ min: 1, max: 20 }).map((n) => new Uint8Array(n).fill(0xff)),
  // A protobuf-looking body behind a right length: field tags and wire types at random.
  fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 5 }), fc.uint8Array({ maxLength: 12 })), { maxLength: 6 }).map((fields) => {
    const body = concat(fields.map(([field, wire, bytes]) => concat([varint(field * 8 + wire), wire === 2 ? varint(bytes.length) : new Uint8Array(0), bytes])));
    return concat([varint(body.length), body]);
  }),
);

async function setup(): Promise<P2pContext> {
  const fuzz = await startFuzzPeer();
  try {
    const address = multiaddr(fuzz.peer.multiaddrs[0]!);
    const attacker = await createClientHost({ privateKey: await generateKeyPair("Ed25519"), swarmKey: fuzz.swarmKey, listenAddrs: [] });
    const client = await connect({ join: [address.toString()], swarmKey: fuzz.swarmKey, user: "fuzz" });
    return { fuzz, address, protocols: fuzz.peer.host.getProtocols(), attacker, client };
  } catch (err) {
    await fuzz.stop();
    throw err;
  }
}

async function teardown(context: P2pContext): Promise<void> {
  await context.client.close();
  await context.attacker.stop();
  await context.fuzz.stop();
}

async function sendJunk(context: P2pContext, protocol: string, writes: Uint8Array[]): Promise<void> {
  let stream;
  try {
    stream = await context.attacker.dialProtocol(context.address, protocol, { signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
  } catch {
    return; // the peer refused the stream (too many inbound, or it is closing): refusing is allowed
  }
  const closed = new Promise<void>((resolve) => stream.addEventListener("close", () => resolve(), { once: true }));
  try {
    for (const bytes of writes) stream.send(bytes);
    await stream.close({ signal: AbortSignal.timeout(STREAM_SETTLE_MS) });
  } catch {
    // the peer reset the stream: what it should do with junk
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, STREAM_SETTLE_MS)))]);
  clearTimeout(timer);
  stream.abort(new Error("fuzz case done"));
}

async function knownGood(context: P2pContext, after: string): Promise<void> {
  try {
    const stat = await withDeadline(context.client.fs.stat(FILE), `a stat of ${FILE}`);
    if (stat.kind !== "file") throw new Error(`the stat answered ${JSON.stringify(stat).slice(0, 200)}`);
  } catch (err) {
    throw new Error(`the peer stopped serving after ${after}: ${(err as Error).message}`);
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 120)).toString("hex") + (bytes.length > 120 ? `...(${bytes.length} bytes)` : "");
}

const p2pProtocols: FuzzTarget<P2pContext> = {
  name: "endpoints/p2p/protocols",
  suiteRuns: 300,
  setup,
  teardown,
  property: (context) =>
    asTarget(
      fc.asyncProperty(fc.nat(), fc.array(junk, { minLength: 1, maxLength: 3 }), async (pick, writes) => {
        const protocol = context.protocols[pick % context.protocols.length]!;
        await sendJunk(context, protocol, writes);
        await knownGood(context, `junk on ${protocol}: ${writes.map(hex).join(" | ")}`);
      }),
    ),
};

export const P2P_FUZZ_TARGETS: readonly FuzzTarget<P2pContext>[] = [p2pProtocols];
