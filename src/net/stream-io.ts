// Writing to a libp2p stream with backpressure. `await stream.onDrain()` stops resolving
// after the first drain in @libp2p/utils 7.4.1 (docs/findings.md), so this waits on the stream's
// 'drain' event, and gives up when the stream closes or the signal aborts.
import type { Stream } from "@libp2p/interface";

export class StreamClosedError extends Error {
  override name = "StreamClosedError";
}

export async function sendWithBackpressure(stream: Stream, data: Uint8Array, signal?: AbortSignal): Promise<void> {
  if (stream.status !== "open" || stream.writeStatus !== "writable") throw new StreamClosedError(`stream is ${stream.status}`);
  if (stream.send(data)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      stream.removeEventListener("drain", onDrain);
      stream.removeEventListener("close", onClose);
      signal?.removeEventListener("abort", onAbort);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new StreamClosedError("stream closed while waiting to send"));
    };
    const onAbort = () => {
      cleanup();
      reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    stream.addEventListener("drain", onDrain);
    stream.addEventListener("close", onClose);
    signal?.addEventListener("abort", onAbort);
  });
}
