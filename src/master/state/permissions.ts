// HDFS's permission model (the HDFS Permissions Guide; FSPermissionChecker), as pure
// functions of rows and a caller: no database, no clock. Apply checks every command of a user
// with it (namespace-ops.ts), the leader checks stat and list with it, so every interface
// (CLI, library, S3, WebHDFS) meets the same rules in one place (docs/permissions.md).
//
//   - one class of the caller decides: the owner's bits if the caller owns the inode, else the
//     group's if the caller is in its group, else other's (an owner denied by its own bits is
//     denied, whatever other may do: POSIX and HDFS alike);
//   - the superuser (the `permissions/superuser` setting, or a member of
//     `permissions/supergroup`) passes every check;
//   - every folder on the way to an inode needs EXECUTE (traverse);
//   - sticky folder (0o1000): removing or renaming an entry of it takes the entry's owner, the
//     folder's owner or the superuser;
//   - no setuid or setgid; new entries take their folder's group (BSD rule, as HDFS).
import { PermissionDeniedError, InvalidArgumentError } from "./errors.ts";
import { formatPermission, isPermission, PERMISSION_MAX, STICKY_BIT } from "../../protocol/permissions.ts";

export const READ = 0o4;
export const WRITE = 0o2;
export const EXECUTE = 0o1;
export const ALL = READ | WRITE | EXECUTE;
// The bits as users spell them live in protocol/permissions.ts (the CLI and gateways use them too).
export { STICKY_BIT, PERMISSION_MAX } from "../../protocol/permissions.ts";
/** What a namespace made before permissions gives its folders and files (the issue: 755/644). */
export const DIR_MODE_DEFAULT = 0o755;
export const FILE_MODE_DEFAULT = 0o644;
/** HDFS's defaults before the umask: fs.permissions.umask-mode applies to these. */
export const DIR_MODE_UNMASKED = 0o777;
export const FILE_MODE_UNMASKED = 0o666;
/** Intermediate folders made by mkdir -p get u+wx on top of the new folders' bits (HDFS: addImplicitUwx). */
export const IMPLICIT_PARENT_BITS = 0o300;

/** The settings the model reads (docs/permissions.md has the table). */
export const SUPERUSER_KEY = "permissions/superuser";
export const SUPERGROUP_KEY = "permissions/supergroup";
export const UMASK_KEY = "permissions/umask";
export const ENABLED_KEY = "permissions/enabled";
export const GROUPS_KEY_PREFIX = "permissions/groups/";
export const SUPERGROUP_DEFAULT = "supergroup";
export const UMASK_DEFAULT = 0o022;

/** A user or group name: bounded like any input, printable, and no ':' (the message and `owner:group` use it). */
export const PRINCIPAL_CHARS_MAX = 256;
/** Groups of one caller carried in a command: bounds a command's size (Linux allows 65,536; HDFS users have a few). */
export const CALLER_GROUPS_MAX = 1_024;
const PRINCIPAL_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f:]/;

/** The permission columns of an inode row (owner and grp NULL: the superuser and supergroup of the day). */
export interface PermRow {
  owner: string | null;
  grp: string | null;
  mode: number;
  kind: "dir" | "file" | "symlink";
}

/** Who a check is for: the user, its groups, and whether it is a superuser (isSuperuser). */
export interface Subject {
  user: string;
  groups: readonly string[];
}

/** The settings of the model as apply and the leader read them. */
export interface PermissionSettings {
  /** Undefined until the first leader wrote it: then only the cluster itself ("") is the superuser. */
  superuser: string | undefined;
  supergroup: string;
  umask: number;
  enabled: boolean;
}

/** The model's settings from the settings map (`get` answers a key's bytes). Values were checked when set. */
export function permissionSettingsOf(get: (key: string) => Uint8Array | undefined): PermissionSettings {
  const text = (key: string) => {
    const value = get(key);
    return value === undefined ? undefined : new TextDecoder().decode(value);
  };
  const umask = text(UMASK_KEY);
  return {
    superuser: text(SUPERUSER_KEY),
    supergroup: text(SUPERGROUP_KEY) ?? SUPERGROUP_DEFAULT,
    umask: umask === undefined ? UMASK_DEFAULT : (parseUmask(umask) ?? UMASK_DEFAULT),
    enabled: text(ENABLED_KEY) !== "false",
  };
}

/** A umask as octal text ("022", "0077"): undefined when it is not one. */
export function parseUmask(text: string): number | undefined {
  if (!/^[0-7]{1,4}$/.test(text)) return undefined;
  const bits = Number.parseInt(text, 8);
  return bits <= 0o777 ? bits : undefined;
}

/**
 * Why a value is not one the permission settings may hold, or undefined: checked when a
 * setting is written, so what apply reads is always valid.
 */
export function permissionSettingProblem(key: string, value: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(value);
  if (key === UMASK_KEY) return parseUmask(text) === undefined ? `${UMASK_KEY} is octal text in 000..777, such as 022` : undefined;
  if (key === ENABLED_KEY) return text === "true" || text === "false" ? undefined : `${ENABLED_KEY} is true or false`;
  if (key === SUPERUSER_KEY || key === SUPERGROUP_KEY) return principalProblem(text);
  if (key.startsWith(GROUPS_KEY_PREFIX)) {
    const groups = parseGroupList(text);
    if (groups.length > CALLER_GROUPS_MAX) return `a user has at most ${CALLER_GROUPS_MAX} groups`;
    for (const group of groups) {
      const problem = principalProblem(group);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** A comma list of groups ("a, b,c"): the names, blanks dropped. */
export function parseGroupList(text: string): string[] {
  return text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/** Why a user or group name is not one, or undefined. */
export function principalProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > PRINCIPAL_CHARS_MAX || PRINCIPAL_FORBIDDEN.test(name)) {
    return `a user or group name is 1..${PRINCIPAL_CHARS_MAX} printable characters without ':', not ${JSON.stringify(name.slice(0, 40))}`;
  }
  return undefined;
}

/** Throws INVALID unless `name` may be a user or group name; returns it. */
export function validatePrincipal(name: string): string {
  const problem = principalProblem(name);
  if (problem) throw new InvalidArgumentError(`${problem}.`);
  return name;
}

/** Throws INVALID unless `bits` are permission bits (0..0o1777); returns them. */
export function validatePermission(bits: number): number {
  if (!isPermission(bits)) throw new InvalidArgumentError(`permission bits are 0..${PERMISSION_MAX.toString(8)} (octal), not ${bits.toString(8)}.`);
  return bits;
}

/** HDFS's superuser test: the superuser named by the settings, or a member of the supergroup. */
export function isSuperuser(subject: Subject, settings: Pick<PermissionSettings, "superuser" | "supergroup">): boolean {
  return (settings.superuser !== undefined && subject.user === settings.superuser) || subject.groups.includes(settings.supergroup);
}

/** `bits` with the umask applied (HDFS: FsPermission.applyUMask). The sticky bit is kept. */
export function applyUmask(bits: number, umask: number): number {
  return bits & ~umask & PERMISSION_MAX;
}

/** HDFS's FsAction names in messages. */
const ACTION_NAMES = ["NONE", "EXECUTE", "WRITE", "WRITE_EXECUTE", "READ", "READ_EXECUTE", "READ_WRITE", "ALL"] as const;

export function accessName(access: number): string {
  return ACTION_NAMES[access & ALL]!;
}

/** The owner and group of a row as the day's settings read its NULLs. */
export interface OwnerNames {
  superuser: string;
  supergroup: string;
}

export function ownerOf(row: Pick<PermRow, "owner">, names: OwnerNames): string {
  return row.owner ?? names.superuser;
}

export function groupOf(row: Pick<PermRow, "grp">, names: OwnerNames): string {
  return row.grp ?? names.supergroup;
}

/**
 * The checks of one caller who is not a superuser (a superuser, or a cluster with permissions
 * off, gets no checker: nothing to check, nothing to pay). Each check throws
 * PermissionDeniedError with HDFS's message, or returns.
 */
export class PermissionChecker {
  constructor(
    readonly subject: Subject,
    readonly names: OwnerNames,
  ) {}

  /** Whether the caller has every right of `access` on `row` (owner, else group, else other). */
  permits(row: PermRow, access: number): boolean {
    const mode = row.mode;
    let bits: number;
    if (ownerOf(row, this.names) === this.subject.user) bits = mode >> 6;
    else if (this.subject.groups.includes(groupOf(row, this.names))) bits = mode >> 3;
    else bits = mode;
    return (bits & access) === access;
  }

  /** `access` on the inode at `path`; `path` may be a function, called only for the message. */
  access(row: PermRow, path: string | (() => string), access: number): void {
    if (!this.permits(row, access)) throw this.denied(row, path, access);
  }

  /** EXECUTE on a folder on the way (HDFS's checkTraverse). */
  traverse(row: PermRow, path: string | (() => string)): void {
    if (!this.permits(row, EXECUTE)) throw this.denied(row, path, EXECUTE);
  }

  /** Only the owner (or the superuser, who has no checker): setPermission, setOwner. */
  owner(row: PermRow, path: string): void {
    if (ownerOf(row, this.names) !== this.subject.user) {
      throw new PermissionDeniedError(`Permission denied. user=${this.subject.user} is not the owner of inode=${this.describe(row, path)}`);
    }
  }

  /** Whether the caller may take `child` out of `parent` as far as the sticky bit goes. */
  stickyAllows(parent: PermRow, child: PermRow): boolean {
    if ((parent.mode & STICKY_BIT) === 0 || parent.kind !== "dir") return true;
    return ownerOf(parent, this.names) === this.subject.user || ownerOf(child, this.names) === this.subject.user;
  }

  /** The sticky rule of removing or renaming `child` out of `parent`. */
  sticky(parent: PermRow, parentPath: string, child: PermRow, childPath: string): void {
    if (!this.stickyAllows(parent, child)) {
      throw new PermissionDeniedError(`Permission denied by sticky bit: user=${this.subject.user}, path=${this.describe(child, childPath)}, parent=${this.describe(parent, parentPath)}`);
    }
  }

  /** Whether `child` may be removed from `parent`: WRITE and EXECUTE on the folder, and the sticky rule. */
  mayRemove(parent: PermRow, child: PermRow): boolean {
    return this.permits(parent, WRITE | EXECUTE) && this.stickyAllows(parent, child);
  }

  /** The refusal of `access` on `row`, in HDFS's words. */
  denied(row: PermRow, path: string | (() => string), access: number): PermissionDeniedError {
    const at = typeof path === "function" ? path() : path;
    return new PermissionDeniedError(`Permission denied: user=${this.subject.user}, access=${accessName(access)}, inode=${this.describe(row, at)}`);
  }

  private describe(row: PermRow, path: string): string {
    return `${JSON.stringify(path)}:${ownerOf(row, this.names)}:${groupOf(row, this.names)}:${formatPermission(row.kind, row.mode)}`;
  }
}

/**
 * The checker of `subject` under `settings`, or undefined when nothing is checked: the
 * subject is a superuser, or permissions are off (owners are still recorded).
 */
export function checkerFor(subject: Subject, settings: PermissionSettings): PermissionChecker | undefined {
  if (!settings.enabled || isSuperuser(subject, settings)) return undefined;
  return new PermissionChecker(subject, { superuser: settings.superuser ?? "", supergroup: settings.supergroup });
}
