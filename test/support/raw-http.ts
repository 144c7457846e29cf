// HTTP/1.1 over a plain socket, for what fetch will not send: a request target with `..` in it
// (URL parsers resolve dot segments, encoded or not), and a chosen source address (fetch has
// none: a flood from 127.0.0.2 is another client than a real one on 127.0.0.1). Responses are
// parsed as far as tests need: status, headers, a Content-Length body.
import net from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Bytes of one response head the parser accepts: anything longer is a broken server. */
const HEAD_BYTES_MAX = 64 * 1024;

/** Splits complete responses off the front of `buffer`; returns them and what is left. */
export function parseResponses(buffer: Buffer): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = buffer.indexOf("\r\n\r\n", at);
    if (headEnd < 0) {
      if (buffer.length - at > HEAD_BYTES_MAX) throw new Error("a response head longer than 64 KiB");
      break;
    }
    const lines = buffer.subarray(at, headEnd).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1]);
    if (!Number.isInteger(status)) throw new Error(`not an HTTP response: ${lines[0]!.slice(0, 80)}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (headers["transfer-encoding"]) throw new Error("a chunked response: these tests ask only for bodies of known length");
    const length = Number(headers["content-length"] ?? "0");
    if (buffer.length < headEnd + 4 + length) break;
    responses.push({ status, headers, body: Buffer.from(buffer.subarray(headEnd + 4, headEnd + 4 + length)) });
    at = headEnd + 4 + length;
  }
  return { responses, rest: Buffer.from(buffer.subarray(at)) };
}

/** One request with the target exactly as given; the connection closes after the answer. */
export async function rawRequest(url: string, method: string, target: string, options: { localAddress?: string; timeoutMs?: number } = {}): Promise<RawResponse> {
  const { hostname, port, host } = new URL(url);
  return new Promise<RawResponse>((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port), ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    let buffer: Buffer<ArrayBufferLike> = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${method} ${target} within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    socket.on("connect", () => socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
    socket.on("data", (piece: Buffer) => {
      buffer = Buffer.concat([buffer, piece]);
      const { responses } = parseResponses(buffer);
      if (responses.length > 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(responses[0]!);
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export interface FloodResult {
  sent: number;
  answered: number;
  byStatus: Map<number, number>;
  /** A 429's Retry-After, when one came. */
  retryAfter?: string;
  elapsedMs: number;
}

/**
 * Sends `ratePerSecond` GETs of `target` for `durationMs` from `localAddress` on `connections`
 * keep-alive connections, paced every 10 ms. A connection with `inFlightMax` requests
 * unanswered gets no more until answers come (the server sets the pace then: `sent` says how
 * many went). Keep `inFlightMax` at 1 against Bun's server: it never answers requests
 * pipelined on one connection when its handler awaits I/O (docs/findings.md). Resolves once
 * every request sent is answered, or `drainMs` after the end.
 */
export async function flood(url: string, target: string, options: { ratePerSecond: number; durationMs: number; localAddress: string; connections: number; inFlightMax: number; drainMs: number }): Promise<FloodResult> {
  const { hostname, port, host } = new URL(url);
  const request = Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  const result: FloodResult = { sent: 0, answered: 0, byStatus: new Map(), elapsedMs: 0 };
  const sockets = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<{ socket: net.Socket; inFlight: number; buffer: Buffer<ArrayBufferLike> }>((resolve, reject) => {
          const socket = net.connect({ host: hostname, port: Number(port), localAddress: options.localAddress });
          const state: { socket: net.Socket; inFlight: number; buffer: Buffer<ArrayBufferLike> } = { socket, inFlight: 0, buffer: Buffer.alloc(0) };
          socket.on("connect", () => resolve(state));
          socket.on("error", reject);
          socket.on("data", (piece: Buffer) => {
            state.buffer = Buffer.concat([state.buffer, piece]);
            const { responses, rest } = parseResponses(state.buffer);
            state.buffer = rest;
            for (const response of responses) {
              state.inFlight -= 1;
              result.answered += 1;
              result.byStatus.set(response.status, (result.byStatus.get(response.status) ?? 0) + 1);
              if (response.status === 429 && result.retryAfter === undefined) result.retryAfter = response.headers["retry-after"] ?? "";
            }
          });
        }),
    ),
  );
  const startedMs = performance.now();
  const tickMs = 10;
  let next = 0;
  // Requests due so far, sent or skipped (a connection full of unanswered ones skips): the pace.
  let due = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - startedMs;
      if (elapsed >= options.durationMs) {
        clearInterval(tick);
        resolve();
        return;
      }
      // Catch up to the rate since the start: a late tick sends more.
      const dueNow = Math.floor((elapsed * options.ratePerSecond) / 1_000) - due;
      due += dueNow;
      for (let i = 0; i < dueNow; i++) {
        const state = sockets[next++ % sockets.length]!;
        if (state.inFlight >= options.inFlightMax) continue;
        state.inFlight += 1;
        state.socket.write(request);
        result.sent += 1;
      }
    }, tickMs);
  });
  const drainDeadline = performance.now() + options.drainMs;
  while (result.answered < result.sent && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
  result.elapsedMs = performance.now() - startedMs;
  for (const state of sockets) state.socket.destroy();
  return result;
}
