// Mounting a FUSE session (issue 17, docs/mount.md "Route"): /dev/fuse opened, mount(2)
// through bun:ffi as root, the session served until the kernel ends it.
import type { FuseFileSystem, FuseMount, FuseMountOptions } from "./operations.ts";

/** Mounts `fs` at `mountPoint` (an existing, empty folder) and serves it until unmounted. */
export async function mountFuse(mountPoint: string, fs: FuseFileSystem, options: FuseMountOptions = {}): Promise<FuseMount> {
  void mountPoint;
  void fs;
  void options;
  throw new Error("mountFuse is not built yet");
}

/** Unmounts `mountPoint` (umount2; MNT_DETACH when `lazy`). */
export async function unmountPath(mountPoint: string, options: { lazy?: boolean } = {}): Promise<void> {
  void mountPoint;
  void options;
  throw new Error("unmountPath is not built yet");
}

/** Whether `mountPoint` is a FUSE mount whose process is gone (stat answers ENOTCONN). */
export async function isStaleMount(mountPoint: string): Promise<boolean> {
  void mountPoint;
  throw new Error("isStaleMount is not built yet");
}
