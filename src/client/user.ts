// Who a client acts for (HDFS's simple authentication): TESSERA_USER, else HADOOP_USER_NAME,
// else the OS user running the process. The masters trust the name (every caller holds the
// swarm key) and check each request against that user's rights.
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";

/** The user this process acts for unless told otherwise. */
export function defaultUser(env: Record<string, string | undefined> = process.env): string {
  const named = env.TESSERA_USER || env.HADOOP_USER_NAME;
  if (named) return named;
  return osUser(env);
}

/** The passwd file's name for `uid`, if it has one (lines of `name:password:uid:...`). */
export function passwdName(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split("\n")) {
    const fields = line.split(":");
    if (fields.length >= 3 && fields[2] === String(uid) && fields[0]) return fields[0];
  }
  return undefined;
}

function osUser(env: Record<string, string | undefined>): string {
  try {
    const name = userInfo().username;
    // Bun 1.4 answers "unknown" where Node answers the passwd name (docs/findings.md): ask
    // the passwd file ourselves then, so a client and the peers agree with `id -un`.
    if (name && name !== "unknown") return name;
  } catch {
    // A uid with no passwd entry: fall through to the file and the environment.
  }
  const uid = process.getuid?.();
  if (uid !== undefined) {
    try {
      const name = passwdName(readFileSync("/etc/passwd", "utf8"), uid);
      if (name) return name;
    } catch {
      // No passwd file (a minimal container): the environment may still say.
    }
  }
  // A uid with no passwd entry (a container's arbitrary uid): HDFS would fail; acting as
  // nobody in particular keeps the client usable where the masters allow "other".
  return env.USER || env.LOGNAME || `uid-${uid ?? 0}`;
}
