// A reduce's map outputs under slow start (src/compute/task-service.ts MapOutputInbox): the
// copy phase takes each output as the leader names it and ends once every map's is in.
import { describe, it, expect } from "vitest";
import { MapOutputInbox } from "../../src/compute/task-service.ts";
import { TaskCancelledError } from "../../src/compute/errors.ts";

const at = (index: number, attempt = 0, peer = "p") => ({ index, attempt, peer, addresses: [] });

describe("MapOutputInbox", () => {
  it("hands out the outputs named so far, waits for the rest, and ends once all were handed out", async () => {
    const inbox = new MapOutputInbox(3);
    inbox.add([at(1)]);
    const signal = new AbortController().signal;
    expect((await inbox.next(signal))!.index).toBe(1);
    const waiting = inbox.next(signal);
    let settled = false;
    void waiting.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    // Pushed later: the same map again (ignored), a newer attempt of a queued one, one out of range.
    inbox.add([at(1, 1), at(0, 0, "old"), at(7)]);
    inbox.add([at(0, 1, "new"), at(2)]);
    expect(await waiting).toEqual(at(0, 1, "new"));
    expect((await inbox.next(signal))!.index).toBe(2);
    expect(await inbox.next(signal)).toBeUndefined();
  });

  it("a reduce of no maps ends at once; a waiting fetcher is released by an abort", async () => {
    expect(await new MapOutputInbox(0).next(new AbortController().signal)).toBeUndefined();
    const controller = new AbortController();
    const waiting = new MapOutputInbox(2).next(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(TaskCancelledError);
  });
});
