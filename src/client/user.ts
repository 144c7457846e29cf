// Who a client acts for (HDFS's simple authentication): TESSERA_USER, else HADOOP_USER_NAME,
// else the OS user running the process. The masters trust the name (every caller holds the
// swarm key) and check each request against that user's rights.
import { userInfo } from "node:os";

/** The user this process acts for unless told otherwise. */
export function defaultUser(env: Record<string, string | undefined> = process.env): string {
  const named = env.TESSERA_USER || env.HADOOP_USER_NAME;
  if (named) return named;
  try {
    return userInfo().username;
  } catch {
    // A uid with no passwd entry (a container's arbitrary uid): HDFS would fail; acting as
    // nobody in particular keeps the client usable where the masters allow "other".
    return `uid-${process.getuid?.() ?? 0}`;
  }
}
