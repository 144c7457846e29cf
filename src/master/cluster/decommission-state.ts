// Which peers are being decommissioned, as the namespace records it: the cluster setting
// "decommission/<peerId>" holds "decommissioning" or "decommissioned" (repair/decommission.ts
// writes it through Raft). Placement, re-replication and the balancer all read it here, so a
// peer being drained is never chosen for new data.
import type { Namespace } from "../state/namespace.ts";
import type { DecommissionState } from "../../protocol/views.ts";

export const DECOMMISSION_SETTING_PREFIX = "decommission/";

/** The decommission state of a peer as the namespace records it (any master may ask). */
export function decommissionStateOf(namespace: Pick<Namespace, "getSetting">, peer: string): DecommissionState | undefined {
  let value: Uint8Array | undefined;
  try {
    value = namespace.getSetting(`${DECOMMISSION_SETTING_PREFIX}${peer}`);
  } catch {
    return undefined;
  }
  if (!value) return undefined;
  const text = new TextDecoder().decode(value);
  return text === "decommissioning" || text === "decommissioned" ? text : undefined;
}

/** Placement (new chunks, re-replication targets, balancer targets) must not choose this peer. */
export function isExcludedFromPlacement(namespace: Pick<Namespace, "getSetting">, peer: string): boolean {
  return decommissionStateOf(namespace, peer) !== undefined;
}
