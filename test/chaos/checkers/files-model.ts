// The model of the files workload: each client's paths replayed from its history, so that a
// checker knows what every path held after each operation, what it may hold now, and every
// state it held before (a read of one of those is stale; of anything else, phantom).
import { concatBytes, contentOf, digestOf, equalBytes } from "../history.ts";
import type { HistoryOp } from "../types.ts";

/** What a path holds: bytes, or null (absent). */
export type Content = Uint8Array | null;

export type PathState =
  /** Set by acknowledged operations only. */
  | { readonly kind: "known"; readonly content: Content }
  /** An operation ended `info`: any of `options`, or `prefixOf.base` followed by a prefix of `prefixOf.extra`. */
  | { readonly kind: "uncertain"; readonly options: readonly Content[]; readonly prefixOf?: { readonly base: Content; readonly extra: Uint8Array }; readonly by: HistoryOp };

export function digestOrNull(content: Content): string | null {
  return content === null ? null : digestOf(content);
}

export function accepts(state: PathState, actual: Content): boolean {
  if (state.kind === "known") return sameContent(state.content, actual);
  if (state.options.some((option) => sameContent(option, actual))) return true;
  if (state.prefixOf && actual !== null) {
    const base = state.prefixOf.base ?? new Uint8Array(0);
    const extra = state.prefixOf.extra;
    if (actual.length < base.length || actual.length > base.length + extra.length) return false;
    return equalBytes(actual.subarray(0, base.length), base) && equalBytes(actual.subarray(base.length), extra.subarray(0, actual.length - base.length));
  }
  return false;
}

function sameContent(a: Content, b: Content): boolean {
  return a === null || b === null ? a === b : equalBytes(a, b);
}

export interface ReadVerdict {
  readonly op: HistoryOp;
  /** ok: the read saw the model's state; stale: an earlier state of the path; phantom: bytes the path never held; unchecked: the path's state was uncertain. */
  readonly verdict: "ok" | "stale" | "phantom" | "unchecked";
  readonly expected?: string | null;
}

export interface FilesReplay {
  /** Every path the files workload named, with what it may hold now. */
  readonly finals: ReadonlyMap<string, PathState>;
  /** Every path's earlier states, as digests (null: absent after having existed). */
  readonly past: ReadonlyMap<string, ReadonlySet<string | null>>;
  /** Each read's verdict against the model at its time. */
  readonly reads: readonly ReadVerdict[];
  /** Acknowledged writes (create, write, append, rename, delete), by op. */
  readonly acked: readonly HistoryOp[];
}

/**
 * Replays the files workload's history, one client at a time in its own order (a client runs
 * one operation at a time on paths of its own). Only `ok` operations change a known state;
 * `fail` changes nothing; `info` makes the paths it names uncertain from then on.
 */
export function replayFiles(history: readonly HistoryOp[]): FilesReplay {
  const state = new Map<string, PathState>();
  const past = new Map<string, Set<string | null>>();
  const reads: ReadVerdict[] = [];
  const acked: HistoryOp[] = [];
  const remember = (path: string, previous: PathState | undefined) => {
    if (previous?.kind !== "known") return;
    let set = past.get(path);
    if (!set) past.set(path, (set = new Set()));
    set.add(digestOrNull(previous.content));
  };
  const set = (path: string, next: PathState) => {
    remember(path, state.get(path));
    state.set(path, next);
  };
  const known = (path: string): Content | undefined => {
    const s = state.get(path);
    return s === undefined ? null : s.kind === "known" ? s.content : undefined;
  };
  const ops = history.filter((op) => op.workload === "files").sort((a, b) => a.callMs - b.callMs || a.id - b.id);
  for (const op of ops) {
    if (op.outcome === undefined || op.outcome === "fail") continue;
    if (op.f === "read") {
      if (op.outcome !== "ok") continue;
      const now = state.get(op.key);
      if (now !== undefined && now.kind === "uncertain") {
        reads.push({ op, verdict: now.options.map(digestOrNull).includes(op.result ?? null) ? "ok" : "unchecked" });
        continue;
      }
      const expected = digestOrNull(now === undefined ? null : now.content);
      const seen = op.result ?? null;
      if (seen === expected) reads.push({ op, verdict: "ok", expected });
      else reads.push({ op, verdict: past.get(op.key)?.has(seen) ? "stale" : "phantom", expected });
      continue;
    }
    const before = known(op.key);
    if (op.outcome === "ok") {
      acked.push(op);
      if (before === undefined) {
        // An op on an uncertain path (a synthetic history may have one): its result is not known either.
        set(op.key, { kind: "uncertain", options: [], by: op });
        if (op.to) set(op.to, { kind: "uncertain", options: [], by: op });
        continue;
      }
      switch (op.f) {
        case "create":
        case "write":
          set(op.key, { kind: "known", content: contentOf(op.value ?? "") });
          break;
        case "append":
          set(op.key, { kind: "known", content: concatBytes([before ?? new Uint8Array(0), contentOf(op.value ?? "")]) });
          break;
        case "rename": {
          // The file keeps its past under its new name: an earlier state read there is stale.
          const carried = past.get(op.key);
          if (carried) past.set(op.to!, new Set([...(past.get(op.to!) ?? []), ...carried]));
          set(op.to!, { kind: "known", content: before });
          set(op.key, { kind: "known", content: null });
          break;
        }
        case "delete":
          set(op.key, { kind: "known", content: null });
          break;
      }
      continue;
    }
    // info: the op may have happened, in part for the non-atomic ones (a put's chunks, an append's).
    if (before === undefined) {
      set(op.key, { kind: "uncertain", options: [], by: op });
      if (op.to) set(op.to, { kind: "uncertain", options: [], by: op });
      continue;
    }
    const written = contentOf(op.value ?? "");
    switch (op.f) {
      case "create":
        set(op.key, { kind: "uncertain", options: [before], prefixOf: { base: null, extra: written }, by: op });
        break;
      case "write":
        set(op.key, { kind: "uncertain", options: [before, written], by: op });
        break;
      case "append":
        set(op.key, { kind: "uncertain", options: [before], prefixOf: { base: before, extra: written }, by: op });
        break;
      case "rename": {
        const target = known(op.to!);
        set(op.to!, { kind: "uncertain", options: [target ?? null, before], by: op });
        set(op.key, { kind: "uncertain", options: [before, null], by: op });
        break;
      }
      case "delete":
        set(op.key, { kind: "uncertain", options: [before, null], by: op });
        break;
    }
  }
  return { finals: state, past, reads, acked };
}
