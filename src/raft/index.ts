// Public surface of the pure Raft core (the driver, src/raft/node.ts, builds on it).
export * from "./types.ts";
export * from "./errors.ts";
export * from "./config.ts";
export * from "./conf.ts";
export { MemoryStorage, type RaftStorage } from "./storage.ts";
export { RaftCore, quorum, type RaftStatus, type RaftStats, type ProgressStatus } from "./core.ts";
