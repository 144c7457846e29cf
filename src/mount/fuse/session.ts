// One FUSE session: the requests the kernel sends on a /dev/fuse descriptor, decoded
// (wire.ts), handed to the FuseFileSystem and answered. A reader thread (device-worker.ts)
// reads each request and posts it here; this thread decodes it, starts the file system's call
// and goes on to the next, so many requests are in flight at once (the kernel sends reads
// ahead, parallel lookups and background writes); each answer is written when its call settles.
// Writes of answers to /dev/fuse do not block: the kernel only copies them to the waiting caller.
//
// Every request gets exactly one answer (FORGET, BATCH_FORGET and INTERRUPT get none, as the
// protocol says): a FuseErrno is answered with its errno, anything else thrown with EIO and one
// log line per kind, and a request that cannot be decoded with EINVAL/EIO, so no single request
// can stop the session.
import { writeSync } from "node:fs";
import { createLogger, type Logger } from "../../util/log.ts";
import { workerEntryUrl } from "../../util/worker-entry.ts";
import type { FromDeviceWorker, ToDeviceWorker } from "./device-protocol.ts";
import { Errno, FuseErrno, type FuseFileSystem, type RequestContext, type SessionInfo } from "./operations.ts";
import {
  DirentPacker,
  decodeRequest,
  encodeAttr,
  encodeCreate,
  encodeData,
  encodeEmpty,
  encodeEntry,
  encodeError,
  encodeInit,
  encodeNotifyInvalEntry,
  encodeNotifyInvalInode,
  encodeOpen,
  encodeStatfs,
  encodeWrite,
  encodeXattrNames,
  encodeXattrSize,
  FUSE_KERNEL_MINOR_VERSION,
  FUSE_KERNEL_VERSION,
  FuseWireError,
  InitFlag,
  OPCODE_NAMES,
  type InitAnswer,
  type InitBody,
  type Request,
  type RequestBody,
} from "./wire.ts";

/** The largest WRITE asked of the kernel: 256 pages of 4 KiB (FUSE_MAX_PAGES), big sequential writes in few round trips. */
export const MAX_WRITE_BYTES = 1024 * 1024;
export const MAX_PAGES = MAX_WRITE_BYTES / 4096;
/** Without FUSE_MAX_PAGES the kernel sends at most 32 pages per request (FUSE_DEFAULT_MAX_PAGES_PER_REQ). */
const DEFAULT_MAX_PAGES = 32;
/** The reader's buffer: the kernel refuses a read smaller than max_write plus its headers. */
export const READ_BUFFER_BYTES = MAX_WRITE_BYTES + 4096;
/** Background requests (read-ahead, async writes) the kernel keeps in flight; its default of 12 starves a 1 MiB read-ahead. */
const MAX_BACKGROUND = 64;
/** The kernel reports congestion to the page cache at 3/4 of MAX_BACKGROUND, as libfuse does. */
const CONGESTION_THRESHOLD = 48;
/** Kinds of failure logged (each once): error messages may name paths, so the set is bounded. */
const LOGGED_KINDS_MAX = 256;
/** EPROTO (a kernel speaking an older major protocol version). */
const EPROTO = 71;

/** The flags this session asks for, each only when the kernel offers it. */
const WANTED_INIT_FLAGS =
  InitFlag.ASYNC_READ |
  InitFlag.ATOMIC_O_TRUNC |
  InitFlag.BIG_WRITES |
  InitFlag.AUTO_INVAL_DATA |
  InitFlag.DO_READDIRPLUS |
  InitFlag.READDIRPLUS_AUTO |
  InitFlag.PARALLEL_DIROPS |
  InitFlag.MAX_PAGES;
// Not asked for: POSIX_LOCKS and FLOCK_LOCKS (the kernel then keeps locks locally, which is what
// SQLite on one mount needs), EXPORT_SUPPORT (no NFS export), WRITEBACK_CACHE (see
// SessionOptions.writebackCache).

export interface SessionOptions {
  /**
   * FUSE_WRITEBACK_CACHE: the kernel buffers writes in its page cache and sends them in large
   * pieces later, and keeps file sizes itself (docs/mount.md "Route" for what it changes).
   */
  writebackCache?: boolean;
  debug?(line: string): void;
  logger?: Logger;
  /** Where answers go (default: writeSync to the descriptor); tests pass a collector. */
  writeAnswer?(bytes: Uint8Array): void;
}

/** INIT's answer for what the kernel offered, or an errno when it speaks an older major version. */
export function negotiateInit(kernel: InitBody, options: { writebackCache?: boolean } = {}): InitAnswer | { errno: number } {
  const base: InitAnswer = {
    major: FUSE_KERNEL_VERSION,
    minor: FUSE_KERNEL_MINOR_VERSION,
    maxReadaheadBytes: 0,
    flags: 0,
    flags2: 0,
    maxBackground: 0,
    congestionThreshold: 0,
    maxWriteBytes: 0,
    timeGranularityNs: 0,
    maxPages: 0,
  };
  // A newer major: answer ours alone and wait for the INIT the kernel sends again in it.
  if (kernel.major > FUSE_KERNEL_VERSION) return base;
  if (kernel.major < FUSE_KERNEL_VERSION) return { errno: EPROTO };
  const wanted = WANTED_INIT_FLAGS | (options.writebackCache ? InitFlag.WRITEBACK_CACHE : 0);
  const flags = kernel.flags & wanted;
  const maxPages = flags & InitFlag.MAX_PAGES ? MAX_PAGES : DEFAULT_MAX_PAGES;
  return {
    ...base,
    minor: Math.min(kernel.minor, FUSE_KERNEL_MINOR_VERSION),
    // The kernel offers the most it will read ahead; less is all an answer could ask for.
    maxReadaheadBytes: kernel.maxReadaheadBytes,
    flags,
    maxBackground: MAX_BACKGROUND,
    congestionThreshold: CONGESTION_THRESHOLD,
    maxWriteBytes: Math.min(MAX_WRITE_BYTES, maxPages * 4096),
    timeGranularityNs: 1,
    maxPages,
  };
}

export class FuseSession {
  /** Settles when the kernel ended the session (unmount, abort) and destroy() returned. */
  readonly closed: Promise<void>;
  /** Settles when INIT was answered (rejects when the session ended before). */
  readonly initialized: Promise<void>;

  private readonly log: Logger;
  private reader: Worker | undefined;
  private control: Worker | undefined;
  private controlCalls = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private nextControlId = 1;
  private resolveClosed!: () => void;
  private resolveInitialized!: () => void;
  private rejectInitialized!: (err: Error) => void;
  private initDone = false;
  private ended = false;
  private destroyed = false;
  private readonly inFlight = new Set<number>();
  private readonly loggedKinds = new Set<string>();
  private maxReadBytes = MAX_WRITE_BYTES;
  private maxWriteBytes = MAX_WRITE_BYTES;

  constructor(
    private readonly fd: number,
    private readonly fs: FuseFileSystem,
    private readonly options: SessionOptions = {},
  ) {
    this.log = options.logger ?? createLogger("fuse");
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.initialized = new Promise((resolve, reject) => {
      this.resolveInitialized = resolve;
      this.rejectInitialized = reject;
    });
    // Nobody need wait on it (a session may end before INIT); the rejection is not unhandled.
    this.initialized.catch(() => undefined);
  }

  /** Starts the reader thread. */
  start(): void {
    const reader = new Worker(deviceWorkerUrl());
    this.reader = reader;
    reader.onmessage = (event: MessageEvent<FromDeviceWorker>) => {
      const message = event.data;
      if (message.type === "closed") return void this.end(message.reason);
      if (message.type !== "request") return;
      try {
        this.handle(new Uint8Array(message.bytes));
      } catch (err) {
        // A bug in this file must cost one request, not the session.
        this.logOnce(`handle:${kindOf(err)}`, "a request could not be handled", err);
      }
    };
    reader.onerror = (event) => void this.end(`the /dev/fuse reader thread failed: ${event.message}`);
    reader.postMessage({ type: "read", fd: this.fd, bufferBytes: READ_BUFFER_BYTES } satisfies ToDeviceWorker);
  }

  /** umount2 from the control thread (it may wait on answers this thread gives). */
  umount(target: string, flags: number): Promise<void> {
    return this.controlCall((id) => ({ type: "umount", id, target, flags }));
  }

  /** Decodes and answers one request (exactly the bytes of one read). */
  handle(bytes: Uint8Array): void {
    let request: Request;
    try {
      request = decodeRequest(bytes);
    } catch (err) {
      if (err instanceof FuseWireError) {
        this.logOnce(`wire:${err.errno}`, `a malformed request was refused: ${err.message}`);
        if (err.unique !== undefined && err.unique !== 0) this.write(encodeError(err.unique, err.errno));
        return;
      }
      throw err;
    }
    const { header, body } = request;
    if (this.options.debug) this.options.debug(`<- ${header.unique} ${OPCODE_NAMES[header.opcode] ?? header.opcode} node=${header.nodeId} ${describe(body)}`);
    if (body.op === "interrupt") {
      // Best effort: the interrupted call runs to its end and is answered then (once).
      this.options.debug?.(`   interrupt of ${body.interruptedUnique} (${this.inFlight.has(body.interruptedUnique) ? "running" : "already answered"})`);
      return;
    }
    if (body.op === "forget") return this.forget(header.nodeId, body.lookups);
    if (body.op === "batch_forget") {
      for (const f of body.forgets) this.forget(f.nodeId, f.lookups);
      return;
    }
    this.inFlight.add(header.unique);
    const ctx: RequestContext = { uid: header.uid, gid: header.gid, pid: header.pid };
    let answered: Promise<Uint8Array>;
    try {
      answered = this.answer(ctx, header.nodeId, header.unique, body);
    } catch (err) {
      answered = Promise.reject(err);
    }
    answered.then(
      (answer) => this.reply(header.unique, answer),
      (err: unknown) => this.reply(header.unique, encodeError(header.unique, this.errnoOf(err, body.op))),
    );
  }

  private reply(unique: number, answer: Uint8Array): void {
    this.inFlight.delete(unique);
    if (this.options.debug) {
      const error = new DataView(answer.buffer, answer.byteOffset).getInt32(4, true);
      this.options.debug(`-> ${unique} ${error ? `error ${-error}` : `ok ${answer.byteLength - 16} bytes`}`);
    }
    this.write(answer);
  }

  private write(bytes: Uint8Array): void {
    if (this.options.writeAnswer) return this.options.writeAnswer(bytes);
    // After the end the descriptor is closed, and its number may already name another file.
    if (this.ended) return;
    try {
      writeSync(this.fd, bytes);
    } catch (err) {
      const code = (err as { code?: string }).code;
      // ENOENT: the request was interrupted and the kernel stopped waiting; ENODEV: unmounted.
      if (code === "ENOENT" || code === "ENODEV" || code === "EBADF") return;
      this.logOnce(`write:${code}`, `an answer could not be written to /dev/fuse`, err);
    }
  }

  private forget(nodeId: number, lookups: number): void {
    try {
      this.fs.forget(nodeId, lookups);
    } catch (err) {
      this.logOnce(`forget:${kindOf(err)}`, "forget failed", err);
    }
  }

  private errnoOf(err: unknown, op: string): number {
    if (err instanceof FuseErrno) return err.errno > 0 ? err.errno : Errno.EIO;
    this.logOnce(`${op}:${kindOf(err)}`, `${op} failed and was answered EIO`, err);
    return Errno.EIO;
  }

  private logOnce(kind: string, message: string, err?: unknown): void {
    if (this.loggedKinds.has(kind) || this.loggedKinds.size > LOGGED_KINDS_MAX) return;
    this.loggedKinds.add(kind);
    if (this.loggedKinds.size > LOGGED_KINDS_MAX) message = `${message} (further kinds of failure are not logged)`;
    const line = err === undefined ? message : `${message}: ${err instanceof Error ? err.message : String(err)}`;
    if (this.options.debug) this.options.debug(line);
    else this.log.warn(line);
  }

  private async answer(ctx: RequestContext, nodeId: number, unique: number, body: RequestBody): Promise<Uint8Array> {
    const fs = this.fs;
    switch (body.op) {
      case "init":
        return this.init(unique, body.init);
      case "lookup":
        return encodeEntry(unique, await fs.lookup(ctx, nodeId, body.name));
      case "getattr": {
        const a = await fs.getattr(ctx, nodeId, body.fh);
        return encodeAttr(unique, a.attr, a.attrValidMs);
      }
      case "setattr": {
        const a = await fs.setattr(ctx, nodeId, body.changes, body.fh);
        return encodeAttr(unique, a.attr, a.attrValidMs);
      }
      case "readlink":
        return encodeData(unique, new TextEncoder().encode(await fs.readlink(ctx, nodeId)));
      case "symlink":
        return encodeEntry(unique, await fs.symlink(ctx, nodeId, body.name, body.target));
      case "mknod":
        return encodeEntry(unique, await fs.mknod(ctx, nodeId, body.name, body.mode, body.rdev, body.umask));
      case "mkdir":
        return encodeEntry(unique, await fs.mkdir(ctx, nodeId, body.name, body.mode, body.umask));
      case "unlink":
        await fs.unlink(ctx, nodeId, body.name);
        return encodeEmpty(unique);
      case "rmdir":
        await fs.rmdir(ctx, nodeId, body.name);
        return encodeEmpty(unique);
      case "rename":
        await fs.rename(ctx, nodeId, body.name, body.newParent, body.newName, body.flags);
        return encodeEmpty(unique);
      case "link":
        return encodeEntry(unique, await fs.link(ctx, body.oldNodeId, nodeId, body.newName));
      case "open":
        return encodeOpen(unique, await fs.open(ctx, nodeId, body.flags));
      case "create": {
        const created = await fs.create(ctx, nodeId, body.name, body.mode, body.umask, body.flags);
        return encodeCreate(unique, created.entry, created.open);
      }
      case "read": {
        const data = await fs.read(ctx, nodeId, body.fh, body.offsetBytes, body.sizeBytes);
        return encodeData(unique, data.byteLength > body.sizeBytes ? data.subarray(0, body.sizeBytes) : data);
      }
      case "write": {
        const written = await fs.write(ctx, nodeId, body.fh, body.offsetBytes, body.data, body.flags);
        return encodeWrite(unique, Math.min(written, body.data.byteLength));
      }
      case "flush":
        await fs.flush(ctx, nodeId, body.fh);
        return encodeEmpty(unique);
      case "fsync":
        await fs.fsync(ctx, nodeId, body.fh, body.dataOnly);
        return encodeEmpty(unique);
      case "fsyncdir":
        // Folder changes are committed when they are answered: nothing is left to sync.
        return encodeEmpty(unique);
      case "release":
        await fs.release(ctx, nodeId, body.fh, body.flags);
        return encodeEmpty(unique);
      case "opendir":
        return encodeOpen(unique, await fs.opendir(ctx, nodeId, body.flags));
      case "readdir":
        return this.readdir(ctx, nodeId, unique, body.fh, body.cookie, body.sizeBytes, body.plus);
      case "releasedir":
        await fs.releasedir(ctx, nodeId, body.fh);
        return encodeEmpty(unique);
      case "statfs":
        return encodeStatfs(unique, await fs.statfs(ctx, nodeId));
      case "access":
        if (!fs.access) throw new FuseErrno(Errno.ENOSYS);
        await fs.access(ctx, nodeId, body.mask);
        return encodeEmpty(unique);
      case "setxattr":
        if (!fs.setxattr) throw new FuseErrno(Errno.ENOSYS);
        await fs.setxattr(ctx, nodeId, body.name, body.value, body.flags);
        return encodeEmpty(unique);
      case "getxattr": {
        if (!fs.getxattr) throw new FuseErrno(Errno.ENOSYS);
        return sizedAnswer(unique, await fs.getxattr(ctx, nodeId, body.name), body.sizeBytes);
      }
      case "listxattr": {
        if (!fs.listxattr) throw new FuseErrno(Errno.ENOSYS);
        return sizedAnswer(unique, encodeXattrNames(await fs.listxattr(ctx, nodeId)), body.sizeBytes);
      }
      case "removexattr":
        if (!fs.removexattr) throw new FuseErrno(Errno.ENOSYS);
        await fs.removexattr(ctx, nodeId, body.name);
        return encodeEmpty(unique);
      case "destroy":
        await this.destroyOnce();
        return encodeEmpty(unique);
      case "unsupported":
        throw new FuseErrno(Errno.ENOSYS);
      case "forget":
      case "batch_forget":
      case "interrupt":
        throw new Error(`${body.op} has no answer`);
    }
  }

  private init(unique: number, kernel: InitBody): Uint8Array {
    const answer = negotiateInit(kernel, { writebackCache: this.options.writebackCache });
    if ("errno" in answer) {
      this.rejectInitialized(new Error(`The kernel speaks FUSE ${kernel.major}.${kernel.minor}, older than ${FUSE_KERNEL_VERSION}.x.`));
      return encodeError(unique, answer.errno);
    }
    if (answer.maxWriteBytes === 0) return encodeInit(unique, answer); // a newer major: wait for the next INIT
    this.maxWriteBytes = answer.maxWriteBytes;
    this.maxReadBytes = answer.maxPages * 4096;
    this.options.debug?.(`init: kernel ${kernel.major}.${kernel.minor} flags=0x${kernel.flags.toString(16)}; answered ${answer.major}.${answer.minor} flags=0x${answer.flags.toString(16)} max_write=${answer.maxWriteBytes} max_readahead=${answer.maxReadaheadBytes}`);
    const info: SessionInfo = {
      maxWriteBytes: this.maxWriteBytes,
      maxReadBytes: this.maxReadBytes,
      invalidateInode: (nodeId, offsetBytes, lengthBytes) => this.notify(encodeNotifyInvalInode(nodeId, offsetBytes, lengthBytes)),
      invalidateEntry: (parentNodeId, name) => this.notify(encodeNotifyInvalEntry(parentNodeId, name)),
    };
    try {
      this.fs.init?.(info);
    } catch (err) {
      this.logOnce("init", "the file system's init failed", err);
    }
    // Answered after this returns; the first request after INIT comes only once the kernel has the answer.
    queueMicrotask(() => {
      this.initDone = true;
      this.resolveInitialized();
    });
    return encodeInit(unique, answer);
  }

  private async readdir(ctx: RequestContext, nodeId: number, unique: number, fh: number, cookie: number, sizeBytes: number, plus: boolean): Promise<Uint8Array> {
    const entries = await this.fs.readdir(ctx, nodeId, fh, cookie, plus);
    const packer = new DirentPacker(unique, sizeBytes, plus);
    let full = false;
    for (const entry of entries) {
      if (!full && packer.add(entry)) {
        // The kernel links no inode for "." and ".." (fuse_direntplus_link), so their lookups come back here.
        if (plus && entry.entry && entry.entry.nodeId !== 0 && (entry.name === "." || entry.name === "..")) this.forget(entry.entry.nodeId, 1);
        continue;
      }
      full = true;
      // Not sent, so never counted by the kernel: the lookup the file system counted goes back.
      if (plus && entry.entry && entry.entry.nodeId !== 0) this.forget(entry.entry.nodeId, 1);
    }
    return packer.finish();
  }

  private notify(bytes: Uint8Array): void {
    if (this.ended) return;
    const copy = bytes.slice().buffer;
    // Not waited for: the control thread reports only a failure (logged once).
    this.controlThread().postMessage({ type: "notify", id: 0, fd: this.fd, bytes: copy } satisfies ToDeviceWorker, [copy]);
  }

  private controlCall(make: (id: number) => ToDeviceWorker): Promise<void> {
    const id = this.nextControlId++;
    const done = new Promise<void>((resolve, reject) => this.controlCalls.set(id, { resolve, reject }));
    this.controlThread().postMessage(make(id));
    return done;
  }

  private controlThread(): Worker {
    if (this.control) return this.control;
    const control = new Worker(deviceWorkerUrl());
    control.onmessage = (event: MessageEvent<FromDeviceWorker>) => {
      const message = event.data;
      if (message.type !== "done" && message.type !== "failed") return;
      const call = this.controlCalls.get(message.id);
      this.controlCalls.delete(message.id);
      if (message.type === "done") call?.resolve();
      else if (call) call.reject(new Error(message.reason));
      else this.logOnce("notify", message.reason);
    };
    this.control = control;
    return control;
  }

  private async destroyOnce(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    try {
      await this.fs.destroy?.();
    } catch (err) {
      this.logOnce("destroy", "the file system's destroy failed", err);
    }
  }

  private async end(reason: string | undefined): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (reason) this.log.warn(`the FUSE session ended: ${reason}`);
    if (!this.initDone) this.rejectInitialized(new Error(reason ?? "The FUSE session ended before the kernel's INIT was answered."));
    await this.destroyOnce();
    this.reader?.terminate();
    this.control?.terminate();
    // An unmount still waiting has what it asked for: the session is over.
    for (const call of this.controlCalls.values()) call.resolve();
    this.controlCalls.clear();
    this.resolveClosed();
  }
}

/** getxattr/listxattr: size 0 asks for the size; a buffer too small is ERANGE. */
function sizedAnswer(unique: number, value: Uint8Array, sizeBytes: number): Uint8Array {
  if (sizeBytes === 0) return encodeXattrSize(unique, value.byteLength);
  if (value.byteLength > sizeBytes) throw new FuseErrno(Errno.ERANGE);
  return encodeData(unique, value);
}

function kindOf(err: unknown): string {
  return err instanceof Error ? `${err.name}:${err.message.slice(0, 80)}` : typeof err;
}

function describe(body: RequestBody): string {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === "op") continue;
    fields.push(`${key}=${value instanceof Uint8Array ? `<${value.byteLength} bytes>` : JSON.stringify(value)}`);
  }
  return fields.join(" ");
}

/** The device thread's entry point, from source or compiled in (util/worker-entry.ts, scripts/build.ts). */
export function deviceWorkerUrl(): string | URL {
  return workerEntryUrl("mount/fuse/device-worker", new URL("./device-worker.ts", import.meta.url));
}
