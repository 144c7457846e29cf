// A peer whose Raft stopped on a storage failure it cannot ride out stops itself, rather than
// stay a zombie voter that heartbeats, claims the leadership it had, and is never replaced
// (found by the chaos runs of issue 18: a voter stopped on a full disk kept the cluster's
// checks waiting on it for minutes).
import { afterEach, describe, expect, it } from "vitest";
import { TestPeers } from "../support/peers.ts";
import { waitFor } from "../support/wait.ts";

const peers = new TestPeers();
afterEach(() => peers.stopAll());

describe("a peer whose Raft fails", () => {
  it("announces the failure and stops its Raft, its host and its services", async () => {
    const peer = await peers.start();
    await waitFor("the peer to lead its one-voter cluster", () => peer.raft.isLeader, { timeoutMs: 10_000 });
    const announced: unknown[] = [];
    peer.addEventListener("fatal", (event) => announced.push((event as CustomEvent<unknown>).detail));
    const failure = new Error("fdatasync failed: EIO");
    peer.raft.dispatchEvent(new CustomEvent("fatal", { detail: failure }));
    expect(announced).toEqual([failure]);
    // Nobody but the failure asks it to stop.
    await waitFor("the peer's host to stop", () => peer.host.status === "stopped", { timeoutMs: 10_000 });
  });
});
