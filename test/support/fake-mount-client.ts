// An in-memory twin of the part of the file system client the mount uses (MountClient,
// src/mount/vfs/client.ts): a namespace of files, folders and symbolic links with fileIds,
// owners, modes, attributes, paged listings, leases and editors, so the mount's file system is
// tested without a cluster. Every call is recorded (kind, path, user) for tests that count
// round trips; `failures` makes the next call of a kind fail with a code.
import { FsError } from "../../src/client/fs-error.ts";
import type { FileEditor, FileEditorOptions, FileRangeReader, StatView } from "../../src/client/fs.ts";
import type { MountClient } from "../../src/mount/vfs/client.ts";
import type { ErrorCode } from "../../src/protocol/errors.ts";
import { normalizePath, parent as parentOf } from "../../src/protocol/paths.ts";

interface Inode {
  fileId: number;
  kind: "file" | "dir" | "symlink";
  data: Uint8Array;
  target?: string;
  permission: number;
  owner: string;
  group: string;
  mtimeMs: number;
  accessTimeMs: number;
  attributes: Record<string, string>;
  /** Bumped by every commit: the fake's chunk version. */
  version: number;
  /** The editor holding the file's lease. */
  leaseHolder?: FakeEditor;
}

export interface FakeCall {
  kind: string;
  path: string;
  user: string;
}

export class FakeNamespace {
  readonly inodes = new Map<string, Inode>();
  readonly calls: FakeCall[] = [];
  /** kind → code: the next call of that kind fails with it (once). */
  readonly failures = new Map<string, ErrorCode>();
  nextFileId = 2;
  nowMs = 1_700_000_000_000;
  superuser = "root";

  constructor() {
    this.inodes.set("/", this.inode("dir", 0o755, this.superuser));
    this.inodes.get("/")!.fileId = 1;
  }

  client(user = ""): FakeMountClient {
    return new FakeMountClient(this, user);
  }

  inode(kind: Inode["kind"], permission: number, owner: string): Inode {
    return { fileId: this.nextFileId++, kind, data: new Uint8Array(0), permission, owner, group: "supergroup", mtimeMs: ++this.nowMs, accessTimeMs: 0, attributes: {}, version: 1 };
  }

  record(kind: string, path: string, user: string): void {
    this.calls.push({ kind, path, user });
    const code = this.failures.get(kind);
    if (code !== undefined) {
      this.failures.delete(kind);
      throw new FsError(code, `injected ${code} for ${kind} ${path}`);
    }
  }

  count(kind: string): number {
    return this.calls.filter((call) => call.kind === kind).length;
  }

  get(path: string): Inode {
    const inode = this.inodes.get(normalizePath(path));
    if (!inode) throw new FsError("NOT_FOUND", `no such file or folder ${path}`);
    return inode;
  }

  /** Adds an entry; its folder must exist. */
  add(path: string, inode: Inode): Inode {
    const folder = parentOf(path)!;
    const up = this.inodes.get(folder);
    if (!up) throw new FsError("NOT_FOUND", `no such folder ${folder}`);
    if (up.kind !== "dir") throw new FsError("NOT_A_DIRECTORY", `${folder} is not a folder`);
    if (this.inodes.has(path)) throw new FsError("ALREADY_EXISTS", `${path} exists`);
    this.inodes.set(path, inode);
    up.mtimeMs = ++this.nowMs;
    return inode;
  }

  /** A file with these bytes (test set-up). */
  file(path: string, data: Uint8Array | string, owner = this.superuser): Inode {
    const inode = this.add(path, this.inode("file", 0o644, owner));
    inode.data = typeof data === "string" ? new TextEncoder().encode(data) : data;
    return inode;
  }

  dir(path: string, owner = this.superuser): Inode {
    return this.add(path, this.inode("dir", 0o755, owner));
  }

  text(path: string): string {
    return new TextDecoder().decode(this.get(path).data);
  }

  children(path: string): string[] {
    const prefix = path === "/" ? "/" : `${path}/`;
    return [...this.inodes.keys()].filter((p) => p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes("/")).sort();
  }

  view(path: string, inode: Inode): StatView {
    return {
      path,
      kind: inode.kind,
      ...(inode.target !== undefined ? { symlinkTarget: inode.target } : {}),
      size: inode.kind === "file" ? inode.data.length : 0,
      replication: inode.kind === "file" ? 3 : 0,
      chunkSize: inode.kind === "file" ? 64 * 1024 * 1024 : 0,
      mtimeMs: inode.mtimeMs,
      state: inode.leaseHolder ? "open" : "closed",
      chunks: inode.kind === "file" && inode.data.length > 0 ? [{ id: `chunk-${inode.fileId}`, index: 0, version: inode.version, size: inode.data.length, committed: true, replicas: [] }] : [],
      attributes: { ...inode.attributes },
      owner: inode.owner,
      group: inode.group,
      permission: inode.permission,
      accessTimeMs: inode.accessTimeMs,
      fileId: inode.fileId,
    };
  }
}

/** A range reader of a file as it was when opened (the chunks of that version). */
class FakeReader implements FileRangeReader {
  readonly counters = { localBytes: 0, remoteBytes: 0 };
  reads = 0;
  constructor(
    readonly path: string,
    private readonly data: Uint8Array,
  ) {}
  get sizeBytes(): number {
    return this.data.length;
  }
  async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    this.reads += 1;
    return this.data.slice(offsetBytes, Math.min(this.data.length, offsetBytes + lengthBytes));
  }
  async localChunks() {
    return [];
  }
}

export class FakeEditor implements FileEditor {
  private buffer: Uint8Array;
  dirty = false;
  closed = false;
  flushes = 0;
  constructor(
    private readonly ns: FakeNamespace,
    readonly path: string,
    private readonly inode: Inode,
    private readonly user: string,
  ) {
    this.buffer = inode.data.slice();
  }
  get fileId(): number {
    return this.inode.fileId;
  }
  get sizeBytes(): number {
    return this.buffer.length;
  }
  async write(offsetBytes: number, data: Uint8Array): Promise<void> {
    this.live();
    this.ns.record("editor.write", this.path, this.user);
    if (offsetBytes + data.length > this.buffer.length) this.resize(offsetBytes + data.length);
    this.buffer.set(data, offsetBytes);
    this.dirty = true;
  }
  async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    this.live();
    return this.buffer.slice(offsetBytes, Math.min(this.buffer.length, offsetBytes + lengthBytes));
  }
  async truncate(lengthBytes: number): Promise<void> {
    this.live();
    this.ns.record("editor.truncate", this.path, this.user);
    this.resize(lengthBytes);
    this.dirty = true;
  }
  async flush(): Promise<void> {
    this.live();
    this.ns.record("editor.flush", this.path, this.user);
    this.flushes += 1;
    if (!this.dirty) return;
    this.inode.data = this.buffer.slice();
    this.inode.version += 1;
    this.inode.mtimeMs = ++this.ns.nowMs;
    this.dirty = false;
  }
  async close(): Promise<void> {
    this.ns.record("editor.close", this.path, this.user);
    await this.flush();
    this.release();
  }
  async abort(): Promise<void> {
    this.ns.record("editor.abort", this.path, this.user);
    this.release();
  }
  private release(): void {
    this.closed = true;
    if (this.inode.leaseHolder === this) this.inode.leaseHolder = undefined;
  }
  private live(): void {
    if (this.closed) throw new FsError("FILE_CLOSED", `the editor of ${this.path} is closed`);
  }
  private resize(lengthBytes: number): void {
    const next = new Uint8Array(lengthBytes);
    next.set(this.buffer.subarray(0, Math.min(lengthBytes, this.buffer.length)));
    this.buffer = next;
  }
}

export class FakeMountClient implements MountClient {
  constructor(
    readonly ns: FakeNamespace,
    readonly user: string,
  ) {}

  /** The user the namespace records as acting ("" is the superuser). */
  private get actor(): string {
    return this.user || this.ns.superuser;
  }

  withUser(user: string): FakeMountClient {
    return new FakeMountClient(this.ns, user);
  }

  async stat(path: string): Promise<StatView> {
    this.ns.record("stat", path, this.user);
    return this.ns.view(normalizePath(path), this.ns.get(path));
  }

  async statAndOpen(path: string): Promise<{ stat: StatView; reader: FileRangeReader | undefined }> {
    this.ns.record("statAndOpen", path, this.user);
    const inode = this.ns.get(path);
    return { stat: this.ns.view(normalizePath(path), inode), reader: inode.kind === "file" ? new FakeReader(path, inode.data.slice()) : undefined };
  }

  async *listPages(path: string, options: { recursive?: boolean; after?: string; entriesPerPage?: number } = {}): AsyncGenerator<StatView[]> {
    const perPage = options.entriesPerPage || 1000;
    let after = options.after ?? "";
    for (;;) {
      this.ns.record("list", path, this.user);
      const inode = this.ns.get(path);
      if (inode.kind !== "dir") throw new FsError("NOT_A_DIRECTORY", `${path} is not a folder`);
      const names = this.ns.children(normalizePath(path)).filter((child) => after === "" || child > after);
      const page = names.slice(0, perPage);
      if (page.length > 0) yield page.map((child) => this.ns.view(child, this.ns.get(child)));
      if (names.length <= perPage) return;
      after = page[page.length - 1]!;
    }
  }

  async mkdir(path: string, options: { parents?: boolean; permission?: number } = {}): Promise<void> {
    this.ns.record("mkdir", path, this.user);
    this.ns.add(normalizePath(path), this.ns.inode("dir", options.permission ?? 0o755, this.actor));
  }

  async rm(path: string, options: { recursive?: boolean } = {}): Promise<{ files: number; directories: number }> {
    this.ns.record("rm", path, this.user);
    const normalized = normalizePath(path);
    const inode = this.ns.get(normalized);
    if (inode.kind === "dir" && this.ns.children(normalized).length > 0 && !options.recursive) throw new FsError("NOT_EMPTY", `${path} is not empty`);
    this.ns.inodes.delete(normalized);
    this.ns.get(parentOf(normalized)!).mtimeMs = ++this.ns.nowMs;
    return inode.kind === "dir" ? { files: 0, directories: 1 } : { files: 1, directories: 0 };
  }

  async mv(source: string, destination: string, options: { replace?: boolean; parents?: boolean } = {}): Promise<void> {
    this.ns.record("mv", `${source} -> ${destination}`, this.user);
    const from = normalizePath(source);
    const to = normalizePath(destination);
    const inode = this.ns.get(from);
    const there = this.ns.inodes.get(to);
    if (there && (there.kind === "dir" || !options.replace)) throw new FsError("ALREADY_EXISTS", `${destination} exists`);
    if (!this.ns.inodes.has(parentOf(to)!)) throw new FsError("NOT_FOUND", `no such folder ${parentOf(to)}`);
    const moving = [...this.ns.inodes.keys()].filter((p) => p === from || p.startsWith(`${from}/`));
    for (const p of moving) {
      const child = this.ns.inodes.get(p)!;
      this.ns.inodes.delete(p);
      this.ns.inodes.set(to + p.slice(from.length), child);
    }
    void inode;
  }

  async chmod(path: string, permission: number): Promise<void> {
    this.ns.record("chmod", path, this.user);
    this.ns.get(path).permission = permission;
  }

  async chown(path: string, owner: string | undefined, group?: string): Promise<void> {
    this.ns.record("chown", path, this.user);
    const inode = this.ns.get(path);
    if (owner) inode.owner = owner;
    if (group) inode.group = group;
  }

  async setTimes(path: string, times: { mtimeMs?: number; accessTimeMs?: number }): Promise<void> {
    this.ns.record("setTimes", path, this.user);
    const inode = this.ns.get(path);
    if (times.mtimeMs !== undefined) inode.mtimeMs = times.mtimeMs;
    if (times.accessTimeMs !== undefined) inode.accessTimeMs = times.accessTimeMs;
  }

  async truncate(path: string, lengthBytes: number): Promise<void> {
    this.ns.record("truncate", path, this.user);
    const inode = this.ns.get(path);
    if (inode.kind !== "file") throw new FsError("NOT_A_FILE", `${path} is a folder`);
    if (inode.leaseHolder) throw new FsError("LEASE_HELD", `${path} is being written`);
    const next = new Uint8Array(lengthBytes);
    next.set(inode.data.subarray(0, Math.min(lengthBytes, inode.data.length)));
    inode.data = next;
    inode.version += 1;
    inode.mtimeMs = ++this.ns.nowMs;
  }

  async setAttributes(path: string, attributes: Record<string, string>): Promise<void> {
    this.ns.record("setAttributes", path, this.user);
    this.ns.get(path).attributes = { ...attributes };
  }

  async symlink(target: string, path: string): Promise<StatView> {
    this.ns.record("symlink", path, this.user);
    const inode = this.ns.add(normalizePath(path), this.ns.inode("symlink", 0o777, this.actor));
    inode.target = target;
    return this.ns.view(normalizePath(path), inode);
  }

  async readlink(path: string): Promise<string> {
    this.ns.record("readlink", path, this.user);
    const inode = this.ns.get(path);
    if (inode.kind !== "symlink") throw new FsError("INVALID", `${path} is not a symbolic link`);
    return inode.target!;
  }

  async openEditor(path: string, options: FileEditorOptions = {}): Promise<FileEditor> {
    this.ns.record("openEditor", path, this.user);
    const normalized = normalizePath(path);
    let inode = this.ns.inodes.get(normalized);
    if (inode && options.create && options.exclusive) throw new FsError("ALREADY_EXISTS", `${path} exists`);
    if (!inode) {
      if (!options.create) throw new FsError("NOT_FOUND", `no such file ${path}`);
      inode = this.ns.add(normalized, this.ns.inode("file", options.permission ?? 0o644, this.actor));
    }
    if (inode.kind !== "file") throw new FsError("NOT_A_FILE", `${path} is not a file`);
    if (inode.leaseHolder) throw new FsError("LEASE_HELD", `${path} is being written by another client`);
    const editor = new FakeEditor(this.ns, normalized, inode, this.user);
    inode.leaseHolder = editor;
    if (options.truncate) await editor.truncate(0);
    return editor;
  }

  async put(source: unknown, path: string, options: { permission?: number } = {}): Promise<StatView> {
    void source;
    this.ns.record("put", path, this.user);
    const inode = this.ns.add(normalizePath(path), this.ns.inode("file", options.permission ?? 0o644, this.actor));
    return this.ns.view(normalizePath(path), inode);
  }
}

