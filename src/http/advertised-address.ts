// The HOST:PORT other peers and clients reach this peer's admin HTTP server at: what the
// heartbeat carries (membership.proto, httpAddress) so a WebHDFS redirect can point at any peer.

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]", ""]);
const IP_OF_MULTIADDR = /^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)\//;

/**
 * A server bound to one address advertises it; one bound to every interface (0.0.0.0, ::)
 * advertises the host of this peer's first non-loopback listen address (libp2p lists the
 * interfaces' addresses of a wildcard listen), else loopback.
 */
export function advertisedHttpAddress(boundHost: string, port: number, listenAddresses: readonly string[]): string {
  if (!WILDCARD_HOSTS.has(boundHost)) return hostPort(boundHost, port);
  for (const address of listenAddresses) {
    const match = IP_OF_MULTIADDR.exec(address);
    if (!match) continue;
    const host = match[2]!;
    if (isLoopbackIp(host) || WILDCARD_HOSTS.has(host)) continue;
    return hostPort(host, port);
  }
  return hostPort("127.0.0.1", port);
}

function isLoopbackIp(host: string): boolean {
  return /^127\./.test(host) || host === "::1" || host === "localhost";
}

function hostPort(host: string, port: number): string {
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  return bare.includes(":") ? `[${bare}]:${port}` : `${bare}:${port}`;
}
