// The TCP dial repair (src/net/tcp.ts): a dial aborted while connecting rejects, and no
// error escapes as an uncaught exception afterwards.
import { describe, it, expect } from "vitest";
import { multiaddr } from "@multiformats/multiaddr";
import { connectSocket } from "../../src/net/tcp.ts";

describe("connectSocket", () => {
  it("rejects a dial aborted before the socket connects, with nothing left uncaught", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on("uncaughtException", onUncaught);
    try {
      for (let i = 0; i < 20; i++) {
        const controller = new AbortController();
        const dial = connectSocket(multiaddr(`/ip4/127.0.0.1/tcp/${server.port}`), { signal: controller.signal });
        controller.abort();
        await expect(dial).rejects.toThrow(/aborted/);
      }
      // Let the sockets' teardown run its course.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
      server.stop(true);
    }
  });

  it("connects and hands over a working socket", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data(socket, data) { socket.write(data); } } });
    try {
      const socket = await connectSocket(multiaddr(`/ip4/127.0.0.1/tcp/${server.port}`), { signal: AbortSignal.timeout(2_000) });
      const echoed = new Promise<string>((resolve) => socket.once("data", (data) => resolve(data.toString())));
      socket.write("ping");
      expect(await echoed).toBe("ping");
      socket.destroy();
    } finally {
      server.stop(true);
    }
  });
});
