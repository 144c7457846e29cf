// Who a client acts for (HDFS's simple authentication): TESSERA_USER, else HADOOP_USER_NAME,
// else the OS user running the process. The masters trust the name (every caller holds the
// swarm key) and check each request against that user's rights.
//
// The OS user is the name of the process's uid, as HDFS's login module finds it (getpwuid).
// Not os.userInfo().username: under Bun that is $USER, "unknown" when the variable is unset (a
// service, a container, cron), which would make every such process one user, the superuser's
// if the cluster was started that way too (docs/findings.md).
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";

/** The user this process acts for unless told otherwise. */
export function defaultUser(env: Record<string, string | undefined> = process.env): string {
  const named = env.TESSERA_USER || env.HADOOP_USER_NAME;
  if (named) return named;
  return (osUserName ??= lookUpOsUser());
}

let osUserName: string | undefined;

function lookUpOsUser(): string {
  const uid = process.getuid?.();
  if (uid === undefined) return userInfo().username; // no uids (Windows): the platform's answer
  let passwd = "";
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch {
    // No local passwd file: `id` asks the name service below.
  }
  const local = passwdName(passwd, uid);
  if (local !== undefined) return local;
  // A user of a directory service (LDAP, sssd) is not in /etc/passwd; `id` asks NSS.
  try {
    const id = Bun.spawnSync(["id", "-un"], { stdout: "pipe", stderr: "ignore" });
    const name = id.stdout.toString().trim();
    if (id.exitCode === 0 && name !== "") return name;
  } catch {
    // No `id` on this machine.
  }
  // A uid with no name (a container's arbitrary uid): HDFS would fail; acting as nobody in
  // particular keeps the client usable where the masters allow "other".
  return `uid-${uid}`;
}

/** The name of `uid` in passwd(5) text (name:password:uid:...), undefined when it has none. */
export function passwdName(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split("\n")) {
    if (line.startsWith("#")) continue;
    const fields = line.split(":");
    if (fields.length >= 3 && fields[0] !== "" && fields[2] === String(uid)) return fields[0];
  }
  return undefined;
}
