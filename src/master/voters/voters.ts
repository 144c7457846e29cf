// Choosing the masters (DESIGN.md): the leader keeps the Raft voter set at its target size
// among live peers, preferring distinct racks, one membership change at a time. A new voter
// first joins as a learner and is promoted once it has caught up (dissertation §4.2.1), so
// adding it never stalls commits; a voter silent longer than the threshold is replaced.
// The planner is pure (state in, one change out) so it is tested without a cluster.
import type { ConfChange } from "../../raft/conf.ts";
import type { ConfState, PeerId } from "../../raft/types.ts";
import type { RaftNode } from "../../raft/node.ts";
import type { MembershipService } from "../../membership/service.ts";
import type { Logger } from "../../util/log.ts";
import { COMMIT_TIMEOUT_MS } from "../timeouts.ts";
import { LeaderLoop, untilAborted, type TimerSource } from "../leader-loop.ts";

export const MASTERS_DEFAULT = 3;
export const MASTERS_MAX = 9;
export const VOTER_DEAD_AFTER_MS_DEFAULT = 15_000;
/** How often the leader looks at the voter set: a dead voter is noticed within half a second of its threshold. */
const VOTER_CHECK_INTERVAL_MS = 500;

export interface CandidatePeer {
  id: PeerId;
  rack: string;
  alive: boolean;
  /** How long this peer has been silent, counted at most from the start of this leader's term. */
  silentMs: number;
  canBeMaster: boolean;
}

export interface VoterPlanInput {
  self: PeerId;
  confState: ConfState;
  /** The leader's commit index and each member's match index. */
  commit: number;
  match: ReadonlyMap<PeerId, number>;
  peers: ReadonlyMap<PeerId, CandidatePeer>;
  targetVoters: number;
  voterDeadAfterMs: number;
  /** Silence assumed for a member the peer table does not know. */
  unknownSilentMs: number;
}

/** The next single membership change toward the target, or undefined when none is due. */
export function planVoterChange(input: VoterPlanInput): ConfChange | undefined {
  const { confState, peers, self } = input;
  const silentMs = (id: PeerId) => (id === self ? 0 : (peers.get(id)?.silentMs ?? input.unknownSilentMs));
  const isGone = (id: PeerId) => silentMs(id) >= input.voterDeadAfterMs;

  // 1. A voter silent past the threshold leaves first: it weighs on every quorum.
  const deadVoter = [...confState.voters].sort().find((id) => id !== self && isGone(id));
  if (deadVoter && confState.voters.length > 1) return { type: "removeNode", nodeId: deadVoter };
  const deadLearner = [...confState.learners].sort().find(isGone);
  if (deadLearner) return { type: "removeNode", nodeId: deadLearner };

  const target = Math.max(1, input.targetVoters);
  // 2. A learner that has caught up becomes a voter while voters are short.
  if (confState.voters.length < target) {
    const ready = [...confState.learners].sort().find((id) => (input.match.get(id) ?? 0) >= input.commit && peers.get(id)?.alive);
    if (ready) return { type: "addVoter", nodeId: ready };
  }
  // A learner no longer needed (the target was reached another way) leaves.
  if (confState.voters.length >= target && confState.learners.length > 0) {
    return { type: "removeNode", nodeId: [...confState.learners].sort()[0]! };
  }
  // 3. Voters short and nobody catching up: a live peer joins as a learner, from a rack the
  // voters do not cover yet when there is one.
  if (confState.voters.length < target && confState.learners.length === 0) {
    const members = new Set([...confState.voters, ...confState.learners]);
    const voterRacks = new Set(confState.voters.map((id) => peers.get(id)?.rack).filter(Boolean));
    const candidates = [...peers.values()]
      .filter((peer) => peer.alive && peer.canBeMaster && !members.has(peer.id))
      .sort((a, b) => Number(voterRacks.has(a.rack)) - Number(voterRacks.has(b.rack)) || (a.id < b.id ? -1 : 1));
    if (candidates[0]) return { type: "addLearner", nodeId: candidates[0].id };
  }
  return undefined;
}

export interface VoterManagerInit {
  raft: RaftNode;
  membership: MembershipService;
  targetVoters: number;
  voterDeadAfterMs: number;
  log: Logger;
  /** The peer table's clock (lastSeenMs is on it): monotonic. */
  nowMs?: () => number;
  timers?: TimerSource;
}

/**
 * Runs the planner on the leader and proposes its changes, one at a time: a round waits for
 * its change to commit, and the loop never runs two rounds at once.
 */
export class VoterManager {
  private readonly loop: LeaderLoop<void>;
  private readonly nowMs: () => number;
  private leaderSinceMs: number | undefined;

  constructor(private readonly init: VoterManagerInit) {
    this.nowMs = init.nowMs ?? (() => performance.now());
    this.loop = new LeaderLoop({
      name: "voter set",
      intervalMs: VOTER_CHECK_INTERVAL_MS,
      isLeader: () => init.raft.isLeader,
      round: (signal) => this.check(signal),
      follower: () => {
        this.leaderSinceMs = undefined;
      },
      log: init.log,
      timers: init.timers,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops, and stops waiting for a change in flight (Raft still decides it; the next leader sees the outcome). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async check(signal: AbortSignal): Promise<void> {
    const raft = this.init.raft;
    const now = this.nowMs();
    this.leaderSinceMs ??= now;
    const tenureMs = now - this.leaderSinceMs;
    const status = raft.status();
    const peers = new Map<PeerId, CandidatePeer>();
    for (const record of this.init.membership.table.list()) {
      // A member that answered Raft within the last election timeout is not silent, whatever
      // gossip says: a stalled heartbeat path must never shrink the voter set.
      const answersRaft = status.progress.get(record.id)?.recentActive === true;
      peers.set(record.id, {
        id: record.id,
        rack: record.heartbeat.rack,
        alive: record.state === "alive" || answersRaft,
        // A new leader has not heard from anyone for long: silence counts from its election.
        silentMs: answersRaft ? 0 : Math.min(now - record.lastSeenMs, tenureMs),
        canBeMaster: record.heartbeat.roles.includes("master-candidate"),
      });
    }
    const change = planVoterChange({
      self: raft.id,
      confState: status.confState,
      commit: status.commit,
      match: new Map([...status.progress.entries()].map(([id, progress]) => [id, progress.match])),
      peers,
      targetVoters: this.init.targetVoters,
      voterDeadAfterMs: this.init.voterDeadAfterMs,
      unknownSilentMs: tenureMs,
    });
    if (!change) return;
    try {
      this.init.log.info("changing the voter set", { change: change.type, peer: change.nodeId });
      await untilAborted(raft.proposeConfChange(change, COMMIT_TIMEOUT_MS), signal);
    } catch (err) {
      this.init.log.debug("voter change not made", { change: change.type, peer: change.nodeId, err });
    }
  }
}
