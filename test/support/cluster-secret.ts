// The settings the leader writes when it takes office (docs/permissions.md: `secret/cluster`,
// `permissions/superuser`), written here only when absent: a branch whose leader does not make
// them yet still runs the token tests, and one whose leader does keeps its own values.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "../../src/client/cluster.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";
import { CLUSTER_SECRET_KEY } from "../../src/protocol/delegation-token.ts";
import { waitFor } from "./wait.ts";

/** Makes sure the cluster has a signing secret and a superuser named `superuser` (the peers' own user in these tests). */
export async function ensureLeaderSettings(join: string[], swarmKeyPath: string, superuser: string): Promise<void> {
  const client = await connect({ join, swarmKey: decodeSwarmKey(readFileSync(swarmKeyPath, "utf8")), user: superuser });
  try {
    await waitFor(
      "the leader's settings",
      async () => {
        if ((await client.fs.getSetting(CLUSTER_SECRET_KEY)) === undefined) await client.fs.setSetting(CLUSTER_SECRET_KEY, randomBytes(32));
        if ((await client.fs.getSetting("permissions/superuser")) === undefined) await client.fs.setSetting("permissions/superuser", Buffer.from(superuser));
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  } finally {
    await client.close();
  }
}
