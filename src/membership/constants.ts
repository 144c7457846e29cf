// Membership protocol ids and limits.
export const HEARTBEAT_INTERVAL_MS_DEFAULT = 1_000;
