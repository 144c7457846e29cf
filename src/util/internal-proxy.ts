// Headers the admin HTTP thread (src/http/http-worker.ts) sets on a request it forwards to a
// server of the peer's own thread (WebHDFS, src/gateway/webhdfs/server.ts). That server listens
// on loopback, where any local process could reach it: the key proves the request came
// through the HTTP thread, which checked its Host like every admin request.

/** A random key per peer process, known to both threads. */
export const PROXY_KEY_HEADER = "x-tessera-proxy-key";
/** The client's address as the HTTP thread saw it (the peer's server sees only the thread's). */
export const CLIENT_ADDRESS_HEADER = "x-tessera-client-address";
