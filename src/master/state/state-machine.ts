// The master's replicated state machine, applied through Raft: the namespace of the file
// system and the cluster's settings (a small replicated map: the voter target and similar
// knobs live there), both in one SQLite database (src/master/state/namespace.ts). apply() is
// deterministic: the same log gives the same state on every master.
import type { StateMachine } from "../../raft/node.ts";
import type { Entry } from "../../raft/types.ts";
import { Namespace } from "./namespace.ts";

export { CommandRejectedError } from "./errors.ts";
export { decodeLogCommand, encodeLogCommand, type TypedLogCommand } from "./log-command.ts";
export { SETTING_KEY_CHARS_MAX, SETTING_VALUE_BYTES_MAX, SETTINGS_MAX, validateSettingKey } from "./limits.ts";

export interface MasterStateMachineOptions {
  /** The namespace database file; in memory when absent. */
  dbPath?: string;
}

export class MasterStateMachine implements StateMachine {
  readonly namespace: Namespace;

  constructor(options: MasterStateMachineOptions = {}) {
    this.namespace = Namespace.open(options.dbPath === undefined ? {} : { path: options.dbPath });
  }

  getSetting(key: string): Uint8Array | undefined {
    return this.namespace.getSetting(key);
  }

  get settingCount(): number {
    return this.namespace.settingCount;
  }

  apply(entry: Entry): unknown {
    return this.namespace.apply(entry);
  }

  /** The whole state as one SQLite image in memory: for tests and small namespaces (Raft uses files). */
  snapshot(): Uint8Array {
    return this.namespace.snapshot();
  }

  restore(data: Uint8Array): void {
    this.namespace.restore(data);
  }

  snapshotToFile(path: string): Promise<number> {
    return this.namespace.snapshotToFileInBackground(path);
  }

  restoreFromFile(path: string): void {
    // Raft keeps the file (it is the snapshot it sends to followers): the database gets a copy.
    this.namespace.restoreFromFile(path, { keep: true });
  }

  applyBatch(entries: readonly Entry[]) {
    return this.namespace.applyBatch(entries);
  }

  appliedIndex(): number {
    return this.namespace.appliedIndex();
  }

  close(): void {
    this.namespace.close();
  }
}
