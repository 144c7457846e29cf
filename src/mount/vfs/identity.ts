// Who a request acts for (docs/mount.md, "Permissions"): the kernel gives the caller's uid and
// gid; the namespace knows users and groups by name (HDFS's model). uid 0 is the superuser and
// acts as the mount's own client (the cluster itself); any other uid acts as its local name
// from /etc/passwd, or its decimal number when it has none, so two machines with the same
// passwd see the same owners. Owners and groups read back the same way: a name the local
// files know maps to its id, a decimal name to that number, anything else to nobody (65534).
import { readFileSync } from "node:fs";

/** The id the kernel shows for an owner or group no local name matches (nobody, nogroup). */
export const UNKNOWN_ID = 65534;

/** The local users and groups, from passwd(5) and group(5) text. */
export class Identity {
  private readonly userByUid = new Map<number, string>();
  private readonly uidByUser = new Map<string, number>();
  private readonly groupByGid = new Map<number, string>();
  private readonly gidByGroup = new Map<string, number>();

  constructor(passwd: string, group: string) {
    for (const [name, id] of entries(passwd)) {
      if (!this.userByUid.has(id)) this.userByUid.set(id, name);
      if (!this.uidByUser.has(name)) this.uidByUser.set(name, id);
    }
    for (const [name, id] of entries(group)) {
      if (!this.groupByGid.has(id)) this.groupByGid.set(id, name);
      if (!this.gidByGroup.has(name)) this.gidByGroup.set(name, id);
    }
  }

  /** The machine's own files; a file that cannot be read counts as empty (every uid is then a number). */
  static ofSystem(): Identity {
    return new Identity(readOr("/etc/passwd"), readOr("/etc/group"));
  }

  /** The namespace user a uid acts as: undefined for uid 0 (the superuser: the mount's own client). */
  userOf(uid: number): string | undefined {
    if (uid === 0) return undefined;
    return this.userByUid.get(uid) ?? String(uid);
  }

  /** The name of a user id for chown: uid 0 by its local name ("root"), else as userOf. */
  ownerNameOf(uid: number): string {
    return this.userByUid.get(uid) ?? String(uid);
  }

  groupNameOf(gid: number): string {
    return this.groupByGid.get(gid) ?? String(gid);
  }

  uidOf(owner: string): number {
    return this.uidByUser.get(owner) ?? decimalId(owner) ?? UNKNOWN_ID;
  }

  gidOf(group: string): number {
    return this.gidByGroup.get(group) ?? decimalId(group) ?? UNKNOWN_ID;
  }
}

/** name:x:id:... lines: the first two fields that matter to both passwd and group. */
function* entries(text: string): Generator<[string, number]> {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const fields = line.split(":");
    if (fields.length < 3 || fields[0] === "" || !/^\d+$/.test(fields[2]!)) continue;
    yield [fields[0]!, Number(fields[2])];
  }
}

/** A name that is a decimal id (what userOf gives a uid without a name), within uid_t. */
function decimalId(name: string): number | undefined {
  if (!/^\d{1,10}$/.test(name)) return undefined;
  const id = Number(name);
  return id <= 0xffff_fffe ? id : undefined;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
