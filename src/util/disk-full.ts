// A full disk is a condition a peer rides out, not a failure it stops on: space comes back
// when an operator or a delete frees it. These helpers tell a full disk apart from other
// write failures (whose outcome may be unknown, such as a failed fsync) and retry an
// all-or-nothing write until it goes through.
import type { Logger } from "./log.ts";

// Retry a write refused for space after 50 ms, doubling to 1 s: a freed disk is used within a
// second, and a full one costs a few cheap refused writes per second.
export const DISK_FULL_RETRY_MS_MIN = 50;
export const DISK_FULL_RETRY_MS_MAX = 1_000;

/**
 * True for a write refused because the file system (ENOSPC) or the user's quota (EDQUOT) is
 * full, or SQLite's SQLITE_FULL: nothing was written, so the same write may be tried again.
 */
export function isNoSpaceError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL";
}

/**
 * Runs `write` (which must leave nothing behind when it throws) until it succeeds, waiting
 * DISK_FULL_RETRY_MS_MIN doubling to DISK_FULL_RETRY_MS_MAX between tries while it is refused
 * for space; any other error is thrown. Logs once when an episode starts and once when it
 * ends. Resolves false, without writing, when `stopped()` turns true while it waits.
 */
export async function retryWhileDiskFull(what: string, write: () => Promise<void> | void, init: { log: Logger; stopped: () => boolean; onEpisode?: () => void; onEpisodeEnd?: () => void }): Promise<boolean> {
  let delayMs = DISK_FULL_RETRY_MS_MIN;
  let startedMs: number | undefined;
  let attempts = 0;
  for (;;) {
    try {
      await write();
      if (startedMs !== undefined) {
        init.log.info(`${what}: the disk has space again`, { attempts, ms: Math.round(performance.now() - startedMs) });
        init.onEpisodeEnd?.();
      }
      return true;
    } catch (err) {
      if (!isNoSpaceError(err)) throw err;
      attempts += 1;
      if (startedMs === undefined) {
        startedMs = performance.now();
        init.onEpisode?.();
        init.log.warn(`${what}: the disk is full; retrying until space is freed`, { err: (err as Error).message });
      }
    }
    if (init.stopped()) {
      init.onEpisodeEnd?.();
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (init.stopped()) {
      init.onEpisodeEnd?.();
      return false;
    }
    delayMs = Math.min(delayMs * 2, DISK_FULL_RETRY_MS_MAX);
  }
}
