// The mount's inodes (issue 17): a node id is the namespace's fileId, which a
// file keeps through renames and never shares, so the kernel's inode stays the same file; the
// mount's root is node 1 (FUSE_ROOT_ID) whatever its fileId. Each node knows its parent and
// its name, and a path is computed from them, so a rename changes one record and every node
// below follows. A node lives while the kernel holds lookups of it (forget gives them back),
// while a handle has it open, or while a node below it lives (the path walks through it).
import { FuseErrno, Errno } from "../fuse/operations.ts";
import type { FileEditor } from "../../client/fs.ts";

export const ROOT_NODE_ID = 1;

export type NodeKind = "file" | "dir" | "symlink";

export interface VfsNode {
  readonly id: number;
  /** Its folder's node id (0 for the root). */
  parent: number;
  name: string;
  kind: NodeKind;
  /** Lookups the kernel holds (each entry answered counts one; forget gives them back). */
  lookups: number;
  /** Open handles of it (files and folders). */
  opens: number;
  /** Nodes whose parent this is. */
  children: number;
  /** Unlinked or replaced: it has no path any more (open handles keep what they read). */
  detached: boolean;
  // --- a file's writing state -----------------------------------------------------------
  /** Handles open for writing. */
  writers: number;
  /** The editor its write handles share, opened at the first write or truncate. */
  editor?: Promise<FileEditor>;
  /** The editor once opened (for sizes and reads without waiting). */
  openEditor?: FileEditor;
  /**
   * The version of the file the kernel's page cache of this node holds (fileId, size, mtime,
   * chunk ids and versions), recorded at open; undefined once this mount wrote to it.
   */
  pageCacheVersion?: string;
}

export class NodeTable {
  private readonly nodes = new Map<number, VfsNode>();
  /** parent id, NUL, name → node id: the children of each folder the kernel knows. */
  private readonly byName = new Map<string, number>();
  /** The root folder's fileId, learned from its first stat. */
  private rootFileId: number | undefined;

  /** `onDrop` hears of every node let go (the file system drops what it cached for it). */
  constructor(private readonly onDrop: (id: number) => void = () => undefined) {
    this.nodes.set(ROOT_NODE_ID, newNode(ROOT_NODE_ID, 0, "", "dir"));
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Records the root's fileId (it maps to node 1). */
  setRootFileId(fileId: number): void {
    this.rootFileId = fileId;
  }

  /** The node id of a namespace fileId. */
  nodeIdOf(fileId: number): number {
    return fileId === this.rootFileId ? ROOT_NODE_ID : fileId;
  }

  get(id: number): VfsNode | undefined {
    return this.nodes.get(id);
  }

  /** The node, or ESTALE: the kernel named a node this table let go of. */
  require(id: number): VfsNode {
    const node = this.nodes.get(id);
    if (!node) throw new FuseErrno(Errno.ESTALE, `node ${id} is not known to this mount`);
    return node;
  }

  /** The node the kernel knows at `name` in `parent`, if any. */
  child(parent: number, name: string): VfsNode | undefined {
    const id = this.byName.get(key(parent, name));
    return id === undefined ? undefined : this.nodes.get(id);
  }

  /** The namespace path of a node under `rootPath`; ESTALE when it was unlinked. */
  pathOf(id: number, rootPath: string): string {
    const names: string[] = [];
    let node = this.require(id);
    while (node.id !== ROOT_NODE_ID) {
      if (node.detached) throw new FuseErrno(Errno.ESTALE, `node ${id} was removed or replaced`);
      names.push(node.name);
      node = this.require(node.parent);
    }
    if (names.length === 0) return rootPath;
    names.reverse();
    return rootPath === "/" ? `/${names.join("/")}` : `${rootPath}/${names.join("/")}`;
  }

  /**
   * The node of `fileId`, known now to be at `name` in `parent`: a new node, or the known one
   * moved there (a rename elsewhere). A different node the table had at that name was
   * replaced there and is detached.
   */
  bind(parent: number, name: string, fileId: number, kind: NodeKind): VfsNode {
    const id = this.nodeIdOf(fileId);
    if (id === ROOT_NODE_ID && fileId !== this.rootFileId) throw new FuseErrno(Errno.EIO, `the namespace answered fileId ${fileId} for ${name}, the mount root's node id`);
    const occupant = this.child(parent, name);
    if (occupant && occupant.id !== id) this.detach(occupant.id);
    let node = this.nodes.get(id);
    if (!node) {
      node = newNode(id, parent, name, kind);
      this.nodes.set(id, node);
      this.byName.set(key(parent, name), id);
      this.require(parent).children += 1;
      return node;
    }
    node.kind = kind;
    if (node.detached || node.parent !== parent || node.name !== name) this.move(id, parent, name);
    return node;
  }

  /** Puts the node at `name` in `parent` (a rename); a node there before is detached. */
  move(id: number, parent: number, name: string): void {
    const node = this.require(id);
    const occupant = this.child(parent, name);
    if (occupant && occupant.id !== id) this.detach(occupant.id);
    this.unlinkName(node);
    node.parent = parent;
    node.name = name;
    node.detached = false;
    this.byName.set(key(parent, name), id);
    this.require(parent).children += 1;
  }

  /** The node lost its name (unlink, rmdir, replaced by a rename): it has no path now. */
  detach(id: number): void {
    const node = this.nodes.get(id);
    if (!node || node.detached || id === ROOT_NODE_ID) return;
    this.unlinkName(node);
    node.detached = true;
    this.dropIfUnused(node);
  }

  /** The kernel gives back `lookups` of the node. */
  forget(id: number, lookups: number): void {
    const node = this.nodes.get(id);
    if (!node) return;
    node.lookups = Math.max(0, node.lookups - lookups);
    this.dropIfUnused(node);
  }

  /** Lets go of a node nothing holds any more (and of folders above it that only it held). */
  dropIfUnused(node: VfsNode): void {
    let current: VfsNode | undefined = node;
    while (current && current.id !== ROOT_NODE_ID && current.lookups === 0 && current.opens === 0 && current.children === 0 && !current.editor) {
      this.nodes.delete(current.id);
      this.onDrop(current.id);
      const parentId: number | undefined = current.detached ? undefined : current.parent;
      this.unlinkName(current);
      current = parentId === undefined ? undefined : this.nodes.get(parentId);
    }
  }

  private unlinkName(node: VfsNode): void {
    if (node.detached || node.id === ROOT_NODE_ID) return;
    const k = key(node.parent, node.name);
    if (this.byName.get(k) === node.id) this.byName.delete(k);
    const parent = this.nodes.get(node.parent);
    if (parent) parent.children -= 1;
    // Marked so a second unlinkName (detach, then drop) does not count the parent twice.
    node.detached = true;
  }
}

function key(parent: number, name: string): string {
  return `${parent}\u0000${name}`;
}

function newNode(id: number, parent: number, name: string, kind: NodeKind): VfsNode {
  return { id, parent, name, kind, lookups: 0, opens: 0, children: 0, detached: false, writers: 0 };
}
