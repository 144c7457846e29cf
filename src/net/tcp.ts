// @libp2p/tcp, with one repair: its dial passes the dial's AbortSignal into net.connect(),
// and when that signal fires before the socket connects (a dial timeout to a dead host, or
// a dial cut short by stop()), Node's net destroys the socket with an AbortError *after*
// the transport removed its 'error' listener: an uncaught exception that kills the peer.
// Here the socket never sees the signal; the dial still honours it.
import net from "node:net";
import { tcp, type TCPComponents, type TCPOptions } from "@libp2p/tcp";
import { getNetConfig } from "@libp2p/utils";
import type { Transport } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";

export class DialAbortedError extends Error {
  override name = "AbortError";
}

export interface ConnectOptions {
  signal: AbortSignal;
}

/** Opens a TCP socket to `address`; rejects on error or when `signal` aborts first. */
export function connectSocket(address: Multiaddr, options: ConnectOptions): Promise<net.Socket> {
  options.signal.throwIfAborted();
  const config = getNetConfig(address);
  const port = config.port;
  if (port === undefined) return Promise.reject(new Error(`${address.toString()} has no TCP port`));
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: config.host, port, noDelay: true, keepAlive: true, allowHalfOpen: false });
    const onError = (err: Error) => done(err);
    const onConnect = () => done();
    const onAbort = () => done(new DialAbortedError(`dial to ${address.toString()} aborted`));
    const done = (err?: Error) => {
      socket.removeListener("error", onError);
      socket.removeListener("connect", onConnect);
      options.signal.removeEventListener("abort", onAbort);
      if (!err) {
        resolve(socket);
        return;
      }
      // A socket being torn down may still report an error: it has nobody left to tell.
      socket.on("error", () => {});
      socket.destroy();
      reject(err);
    };
    socket.on("error", onError);
    socket.on("connect", onConnect);
    options.signal.addEventListener("abort", onAbort);
  });
}

export function tesseraTcp(init: TCPOptions = {}): (components: TCPComponents) => Transport {
  const factory = tcp(init);
  return (components) => {
    const transport = factory(components) as Transport & { _connect?: unknown };
    if (typeof transport._connect !== "function") throw new Error("@libp2p/tcp changed: its _connect is gone; revisit src/net/tcp.ts");
    transport._connect = (address: Multiaddr, options: ConnectOptions) => connectSocket(address, options);
    return transport;
  };
}
