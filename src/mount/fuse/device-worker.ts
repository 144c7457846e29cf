// The threads that touch /dev/fuse in ways that block (docs/mount.md "Route"). Bun runs
// node:fs's async calls on a small shared pool, so a read of /dev/fuse (which waits for the
// next request, forever on an idle mount) would take a pool thread for good; a Worker that loops
// readSync blocks only itself. Two roles, picked by the first message:
//
// - "reader": reads each request into one large buffer (the kernel refuses reads into less than
//   max_write plus its headers), copies exactly the bytes read into an ArrayBuffer of their own
//   and transfers it to the session: that one copy of n bytes is cheaper than a fresh
//   megabyte-sized buffer per request, and the session's file system may keep a WRITE's bytes
//   (a write-back buffer) without anyone reusing them under it.
// - "control": writes notifications and calls umount2 for the session. Both can wait inside
//   the kernel on a request the session has yet to answer (a page invalidation waits for a
//   page being read; an unmount may flush), which would deadlock the session's own thread.
import { readSync, writeSync } from "node:fs";
import { umount2 } from "./libc.ts";
import type { FromDeviceWorker, ToDeviceWorker } from "./device-protocol.ts";

declare const self: Worker;

function post(message: FromDeviceWorker, transfer?: ArrayBuffer[]): void {
  self.postMessage(message, transfer ?? []);
}

function codeOf(err: unknown): string {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : "";
}

function readLoop(fd: number, bufferBytes: number): void {
  const buffer = new Uint8Array(bufferBytes);
  for (;;) {
    let count: number;
    try {
      count = readSync(fd, buffer, 0, buffer.byteLength, null);
    } catch (err) {
      const code = codeOf(err);
      // EINTR: a signal; ENOENT: the request was interrupted before it could be read; EAGAIN: no request yet.
      if (code === "EINTR" || code === "ENOENT" || code === "EAGAIN") continue;
      // ENODEV: the file system was unmounted (or the connection aborted): the session is over.
      post({ type: "closed", reason: code === "ENODEV" ? undefined : `reading /dev/fuse failed: ${code || String(err)}` });
      return;
    }
    if (count === 0) {
      post({ type: "closed", reason: undefined });
      return;
    }
    const request = buffer.slice(0, count).buffer;
    post({ type: "request", bytes: request }, [request]);
  }
}

self.onmessage = (event: MessageEvent<ToDeviceWorker>) => {
  const message = event.data;
  switch (message.type) {
    case "read":
      readLoop(message.fd, message.bufferBytes);
      return;
    case "notify":
      try {
        writeSync(message.fd, new Uint8Array(message.bytes));
      } catch (err) {
        // ENOENT: the kernel no longer has the inode or name — nothing to invalidate.
        const code = codeOf(err);
        if (code !== "ENOENT" && code !== "ENODEV") post({ type: "failed", id: message.id, reason: `notify failed: ${code || String(err)}` });
      }
      return;
    case "umount":
      try {
        umount2(message.target, message.flags);
        post({ type: "done", id: message.id });
      } catch (err) {
        post({ type: "failed", id: message.id, reason: err instanceof Error ? err.message : String(err) });
      }
      return;
  }
};
