// The plain-JSON view of a peer that the API, the CLI and admin HTTP all show, so they never
// disagree about what a peer is.
import type { PeerRecord } from "./peer-table.ts";
import { PEER_STATE, type PeerView, peerViewFromEntry } from "../protocol/views.ts";

export function peerViewFromRecord(record: PeerRecord, nowMs: number): PeerView {
  return peerViewFromEntry({
    heartbeat: record.heartbeat,
    state: PEER_STATE.wire(record.state),
    lastSeenAgoMs: BigInt(Math.max(0, Math.round(nowMs - record.lastSeenMs))),
  });
}
