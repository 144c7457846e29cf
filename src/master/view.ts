// The plain-JSON view of the Raft group that the API, the CLI and admin HTTP all show.
import type { ClusterStatus } from "./pb/meta.ts";

export interface ClusterStatusView {
  leader: string;
  term: number;
  voters: string[];
  learners: string[];
  commitIndex: number;
  appliedIndex: number;
  /** Leader only: each member's replication progress. */
  progress: Array<{ peer: string; matchIndex: number; nextIndex: number; state: string; learner: boolean }>;
  answeredBy: string;
}

export function clusterStatusView(status: ClusterStatus): ClusterStatusView {
  return {
    leader: status.leader,
    term: Number(status.term),
    voters: status.voters,
    learners: status.learners,
    commitIndex: Number(status.commitIndex),
    appliedIndex: Number(status.appliedIndex),
    progress: status.progress.map((p) => ({ peer: p.peer, matchIndex: Number(p.match), nextIndex: Number(p.next), state: p.state, learner: p.learner })),
    answeredBy: status.answeredBy,
  };
}
