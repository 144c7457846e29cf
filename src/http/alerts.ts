// What an operator should look at now, as short sentences for the overview ("3 chunks are
// missing", "peer 12D3..x7Yq2b is dead", "no leader"), worst first. Pure: built from the
// same leader answers the rest of the overview shows.
import type { ClusterSnapshot } from "./cluster-data.ts";

/** Peers named one by one; past this, one sentence counts the rest. */
export const ALERT_PEERS_NAMED_MAX = 10;
/** Below this share of free capacity the overview warns. */
export const FREE_CAPACITY_ALERT_PERCENT = 10;
/** Figures older than this are called out: the leader has not answered since. */
export const STALE_ALERT_MS = 5_000;

export function alertsOf(snapshot: ClusterSnapshot): string[] {
  const { status, report, fsck } = snapshot;
  const alerts: string[] = [];
  if (!status.leader) alerts.push("no leader");
  if (snapshot.ageMs > STALE_ALERT_MS) alerts.push(`these figures are ${Math.round(snapshot.ageMs / 1000)} s old: the leader has not answered since`);
  if (fsck.missing > 0) alerts.push(`${count(fsck.missing, "chunk is", "chunks are")} missing`);
  if (fsck.corrupt > 0) alerts.push(`${count(fsck.corrupt, "chunk is", "chunks are")} corrupt`);
  if (fsck.underReplicated > 0) alerts.push(`${count(fsck.underReplicated, "chunk is", "chunks are")} under-replicated`);
  for (const state of ["dead", "suspect"] as const) {
    const peers = report.peers.filter((peer) => peer.state === state);
    for (const peer of peers.slice(0, ALERT_PEERS_NAMED_MAX)) alerts.push(`peer ${shortPeerId(peer.peer)} is ${state}`);
    if (peers.length > ALERT_PEERS_NAMED_MAX) alerts.push(`${count(peers.length - ALERT_PEERS_NAMED_MAX, "more peer is", "more peers are")} ${state}`);
  }
  if (report.capacityBytes > 0 && (report.remainingBytes / report.capacityBytes) * 100 < FREE_CAPACITY_ALERT_PERCENT) {
    alerts.push(`only ${((report.remainingBytes / report.capacityBytes) * 100).toFixed(1)}% of the capacity is free`);
  }
  return alerts;
}

/** "12D3KooWAbc...xyz" as "12D3..x7Yq2b": enough to tell peers apart in a sentence. */
export function shortPeerId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 4)}..${id.slice(-6)}` : id;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
