// The master's replicated state machine, applied through Raft. For now it holds the
// cluster's settings (a small replicated map: the voter target and similar knobs live
// there); the namespace of the file system joins it. apply() is deterministic: the same
// log gives the same state on every master.
import type { StateMachine } from "../raft/node.ts";
import type { Entry } from "../raft/types.ts";
import { Command, MasterSnapshot } from "./pb/meta.ts";

export const SETTING_KEY_CHARS_MAX = 256;
export const SETTING_VALUE_BYTES_MAX = 64 * 1024;
// Settings are knobs, not a database: the bound keeps snapshots and memory small.
export const SETTINGS_MAX = 10_000;

export class CommandRejectedError extends Error {
  override name = "CommandRejectedError";
  readonly code = "COMMAND_REJECTED";
}

export function validateSettingKey(key: string): void {
  if (key.length === 0 || key.length > SETTING_KEY_CHARS_MAX || !/^[A-Za-z0-9._\-/]+$/.test(key)) {
    throw new CommandRejectedError(`a setting key is 1..${SETTING_KEY_CHARS_MAX} letters, digits, '.', '_', '-' or '/'`);
  }
}

export class MasterStateMachine implements StateMachine {
  private settings = new Map<string, Uint8Array>();

  getSetting(key: string): Uint8Array | undefined {
    return this.settings.get(key);
  }

  get settingCount(): number {
    return this.settings.size;
  }

  apply(entry: Entry): unknown {
    const command = Command.decode(entry.data);
    switch (command.op) {
      case "settings.set": {
        validateSettingKey(command.key);
        if (command.value.length > SETTING_VALUE_BYTES_MAX) throw new CommandRejectedError(`a setting value is at most ${SETTING_VALUE_BYTES_MAX} bytes`);
        if (!this.settings.has(command.key) && this.settings.size >= SETTINGS_MAX) throw new CommandRejectedError(`the cluster holds ${SETTINGS_MAX} settings already`);
        this.settings.set(command.key, command.value);
        return undefined;
      }
      default:
        // A command this version does not know: every replica rejects it the same way.
        throw new CommandRejectedError(`unknown command ${JSON.stringify(command.op)}`);
    }
  }

  snapshot(): Uint8Array {
    const settings = [...this.settings.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value: value as Uint8Array<ArrayBuffer> }));
    return MasterSnapshot.encode({ settings });
  }

  restore(data: Uint8Array): void {
    const snapshot = MasterSnapshot.decode(data, { limits: { settings: SETTINGS_MAX } });
    this.settings = new Map(snapshot.settings.map((pair) => [pair.key, pair.value]));
  }
}

export function encodeCommand(command: Command): Uint8Array {
  return Command.encode(command);
}
