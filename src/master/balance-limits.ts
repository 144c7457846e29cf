// Bounds of the balancer's threshold, apart from balancer.ts so clients check them without
// loading the leader's code.

/** HDFS's default threshold: every peer within 10 percentage points of the mean. */
export const BALANCE_THRESHOLD_PCT_DEFAULT = 10;
/** Below 1 point a cluster would never stop moving replicas for the last few bytes. */
export const BALANCE_THRESHOLD_PCT_MIN = 1;
export const BALANCE_THRESHOLD_PCT_MAX = 100;
