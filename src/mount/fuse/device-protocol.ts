// Messages between the session and its /dev/fuse threads (device-worker.ts).

export type ToDeviceWorker =
  /** Become the reader: loop reading requests from `fd` into a buffer of `bufferBytes`. */
  | { type: "read"; fd: number; bufferBytes: number }
  /** Write a notification (its bytes, transferred) to `fd`. */
  | { type: "notify"; id: number; fd: number; bytes: ArrayBuffer }
  /** umount2(target, flags). */
  | { type: "umount"; id: number; target: string; flags: number };

export type FromDeviceWorker =
  /** One request, exactly as read. */
  | { type: "request"; bytes: ArrayBuffer }
  /** The reader stopped: undefined reason when the kernel ended the session (ENODEV). */
  | { type: "closed"; reason: string | undefined }
  | { type: "done"; id: number }
  | { type: "failed"; id: number; reason: string };
