// A key-value state machine driven by the Raft log in the simulator: put and compare-and-set
// go through proposals, gets through ReadIndex. Apply is deterministic, and the snapshot is a
// canonical encoding (sorted keys), so two replicas at the same index have equal snapshots.
import { assert } from "../../src/util/assert.ts";

export type KvCommand =
  | { readonly id: string; readonly op: "put"; readonly key: string; readonly value: string }
  | { readonly id: string; readonly op: "cas"; readonly key: string; readonly expect: string | null; readonly value: string };

export interface KvResult {
  readonly ok: boolean;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeCommand(c: KvCommand): Uint8Array {
  return enc.encode(JSON.stringify(c));
}

export function decodeCommand(data: Uint8Array): KvCommand {
  const c = JSON.parse(dec.decode(data)) as KvCommand;
  assert(typeof c.id === "string" && (c.op === "put" || c.op === "cas"), "bad kv command");
  return c;
}

export class KvStore {
  readonly map = new Map<string, string>();
  appliedIndex = 0;

  apply(index: number, c: KvCommand | undefined): KvResult {
    assert(index === this.appliedIndex + 1, `kv applies ${index} after ${this.appliedIndex}`);
    this.appliedIndex = index;
    if (c === undefined) return { ok: true };
    if (c.op === "put") {
      this.map.set(c.key, c.value);
      return { ok: true };
    }
    const cur = this.map.get(c.key) ?? null;
    if (cur !== c.expect) return { ok: false };
    this.map.set(c.key, c.value);
    return { ok: true };
  }

  get(key: string): string | null {
    return this.map.get(key) ?? null;
  }

  snapshot(): Uint8Array {
    const keys = [...this.map.keys()].sort();
    return enc.encode(JSON.stringify({ index: this.appliedIndex, kv: keys.map((k) => [k, this.map.get(k)]) }));
  }

  static restore(data: Uint8Array, index: number): KvStore {
    const kv = new KvStore();
    kv.appliedIndex = index;
    if (data.byteLength === 0) return kv;
    const o = JSON.parse(dec.decode(data)) as { index: number; kv: [string, string][] };
    assert(o.index === index, `kv snapshot of index ${o.index} restored as ${index}`);
    for (const [k, v] of o.kv) kv.map.set(k, v);
    return kv;
  }
}
