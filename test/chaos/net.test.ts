// The chaos network (test/chaos/net.ts): namespaces on a bridge, partitions that really drop
// packets (both ways, and one way), a heal that restores them, and nothing left behind, not
// even by a run whose process died. Skips in one line where namespaces cannot be made.
import { describe, it, expect } from "vitest";
import type { Subprocess } from "bun";
import { ChaosNet, chaosUnsupportedReason, sh, sweepStale } from "./net.ts";

const unsupported = chaosUnsupportedReason();
if (unsupported) console.log(`skipping the chaos network tests: ${unsupported}`);

/** Whether a TCP connection from peer `from` to peer `to`'s port 7000 opens within 1 s. */
function connects(net: ChaosNet, from: number, to: number): boolean {
  const script = `const s=require("net").connect(7000,"${net.peerAddresses[to]}");s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(2));setTimeout(()=>process.exit(3),1000)`;
  return sh([...net.execPrefix(from), process.execPath, "-e", script]).code === 0;
}

function listen(net: ChaosNet, peer: number): Subprocess<"ignore", "pipe", "ignore"> {
  const script = `require("net").createServer((c)=>c.end()).listen(7000,"${net.peerAddresses[peer]}",()=>console.log("up"))`;
  return Bun.spawn([...net.execPrefix(peer), process.execPath, "-e", script], { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
}

describe.skipIf(unsupported !== undefined)("the chaos network", () => {
  it("partitions both ways and one way, heals, and removes everything", async () => {
    const net = ChaosNet.create(3);
    const servers = [0, 1, 2].map((peer) => listen(net, peer));
    try {
      for (const server of servers) await server.stdout.getReader().read(); // "up"
      expect(connects(net, 0, 1)).toBe(true);
      net.partition([0], [1, 2]);
      expect(connects(net, 0, 1)).toBe(false);
      expect(connects(net, 2, 0)).toBe(false);
      expect(connects(net, 1, 2)).toBe(true);
      expect(net.droppedPackets()[0]).toBeGreaterThan(0);
      net.healAll();
      expect(connects(net, 0, 1)).toBe(true);
      // One way: 0's packets to 1 are dropped (so no TCP handshake from 0 completes); 0 still
      // reaches 2.
      net.dropFromTo([0], [1]);
      expect(connects(net, 0, 1)).toBe(false);
      expect(connects(net, 0, 2)).toBe(true);
      net.healAll();
      net.delay(100);
      expect(connects(net, 0, 1)).toBe(true);
      expect(net.delayStats()[0]!.sent).toBeGreaterThan(0);
      net.healAll();
    } finally {
      for (const server of servers) server.kill("SIGKILL");
      net.destroy();
    }
    expect(sh(["ip", "netns", "list"]).stdout).not.toContain(net.namespaces[0]!);
    expect(sh(["ip", "link", "show", net.bridge]).code).not.toBe(0);
  }, 60_000);

  it("sweeps the namespaces and links of a run whose process is dead", () => {
    // A pid far above any live one on this machine (pid_max is at most 4194304).
    const dead = (4_194_303).toString(36);
    const ns = `tch-${dead}-0-p0`;
    const link = `tcb-${dead}-0`;
    expect(sh(["ip", "netns", "add", ns]).code).toBe(0);
    expect(sh(["ip", "link", "add", link, "type", "bridge"]).code).toBe(0);
    const removed = sweepStale();
    expect(removed).toContain(ns);
    expect(removed).toContain(link);
    expect(sh(["ip", "netns", "list"]).stdout).not.toContain(ns);
  });
});
