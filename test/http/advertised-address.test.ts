import { describe, it, expect } from "vitest";
import { advertisedHttpAddress } from "../../src/http/advertised-address.ts";

describe("the admin HTTP address a peer advertises", () => {
  it("is the bound address when the server is bound to one", () => {
    expect(advertisedHttpAddress("127.0.0.1", 9870, ["/ip4/10.0.0.5/tcp/7070"])).toBe("127.0.0.1:9870");
    expect(advertisedHttpAddress("node-1.example.com", 80, [])).toBe("node-1.example.com:80");
    expect(advertisedHttpAddress("::1", 9870, [])).toBe("[::1]:9870");
  });

  it("is the first non-loopback listen address's host under a wildcard bind", () => {
    const listen = ["/ip4/127.0.0.1/tcp/7070/p2p/12D3KooWX", "/ip4/10.0.0.5/tcp/7070/p2p/12D3KooWX", "/ip4/192.168.1.9/tcp/7070"];
    expect(advertisedHttpAddress("0.0.0.0", 9870, listen)).toBe("10.0.0.5:9870");
    expect(advertisedHttpAddress("::", 9870, ["/ip6/::1/tcp/7070", "/ip6/fd00::7/tcp/7070"])).toBe("[fd00::7]:9870");
  });

  it("falls back to loopback when every listen address is loopback", () => {
    expect(advertisedHttpAddress("0.0.0.0", 9870, ["/ip4/127.0.0.1/tcp/7070"])).toBe("127.0.0.1:9870");
    expect(advertisedHttpAddress("0.0.0.0", 9870, [])).toBe("127.0.0.1:9870");
  });
});
