// The master's timeouts, one constant each, with the reason for its value (STYLE.md §5). A
// timeout used in more than one file is defined here, never copied: four copies of one
// number drift apart the first time someone tunes one of them.

/**
 * How long the leader waits for one of its proposals (a namespace command, a setting, a
 * membership change) to commit and apply, or for a ReadIndex barrier. A healthy commit takes
 * a few milliseconds; 5 s is about ten election timeouts (RAFT_TIMING_DEFAULTS: 50 ms ticks,
 * 10 ticks), so a wait this long means leadership moved or a quorum is gone, and the caller
 * is better off with a ProposalTimeoutError it can retry than with a hang. It is half of the
 * metadata RPC's 10 s (META_RPC_LIMITS), so a request that gives up on its proposal still
 * answers its client, with a typed error, before the client's own deadline.
 */
export const COMMIT_TIMEOUT_MS = 5_000;

/**
 * How long the MapReduce scheduler waits for one of its proposals. A putJob can carry a whole
 * job's task records (up to JOB_TASKS_MAX, megabytes), far more than any namespace command,
 * and its apply rewrites them all: on a loaded leader that takes longer than COMMIT_TIMEOUT_MS
 * allows, and a scheduler round that gives up half-way must redo its decisions.
 */
export const JOB_COMMIT_TIMEOUT_MS = 10_000;
