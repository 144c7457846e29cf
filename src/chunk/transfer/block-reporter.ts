// Block reports, the chunk server's side: tell the leader which chunks this peer holds. A
// full report (in pages) whenever the leader is one this reporter has not reported to yet
// (a new leader starts with an empty location map), increments after every commit and
// delete. Reports carry no authority of their own: the leader checks them against the
// namespace and answers with the replicas to delete (stale versions, deleted files).
//
// A leader that declared this peer dead (it was paused, or cut off) forgot its replicas; it
// refuses increments until it has a full report again (REPORT_FULL_NEEDED). A quiet peer
// sends an empty increment every keepaliveMs so that it hears the refusal too, rather than
// leaving its chunks unknown to the leader until the next change of leader.
import { withCommitHooks } from "../store/writer-hooks.ts";
import type { ChunkEntry, ChunkInfo, ChunkStore, ChunkWriter, ChunkWriterOptions } from "../store/store.ts";
import type { Logger } from "../../util/log.ts";
import type { BlockReport, BlockReportAck } from "../../protocol/pb/report.ts";
import { REPORT_PAGE_CHUNKS_MAX } from "../../protocol/limits.ts";

// Increments waiting to be sent at most; past it the next report is a full one instead.
const PENDING_INCREMENTS_MAX = 100_000;
const REPORT_INTERVAL_MS_DEFAULT = 500;
/** A quiet reporter still reports (an empty increment) this often: HDFS's heartbeat period. */
export const REPORT_KEEPALIVE_MS_DEFAULT = 3_000;

export interface BlockReporterInit {
  store: ChunkStore;
  /** The peer believed to lead right now, if any. */
  leader(): string | undefined;
  /** Delivers a report to `leader` (over /tessera/chunk/report/1, or locally when it is this peer). */
  send(leader: string, report: BlockReport): Promise<BlockReportAck>;
  log: Logger;
  intervalMs?: number;
  /** An empty increment goes to the leader when nothing was sent for this long. */
  keepaliveMs?: number;
  nowMs?: () => number;
  /**
   * The cache tier holding a chunk ("MEM", "SSD", "HDD"; "" for the data dir), asked when a
   * report is sent: a copy moved between tiers is noted as added again and goes out with its
   * new tier (issue 16).
   */
  tierOf?(id: string): string;
}

export class BlockReporter {
  private reportedTo: string | undefined;
  private added = new Map<string, ChunkEntry>();
  private removed = new Set<string>();
  private timer?: ReturnType<typeof setInterval>;
  private running = false;
  private needsFull = true;
  /** When the leader last took a report of this reporter's (for the keepalive). */
  private lastTakenAtMs = Number.NEGATIVE_INFINITY;
  /** Chunks deleted on the leader's word (figures for tests and metrics). */
  deletedOnRequest = 0;

  constructor(private readonly init: BlockReporterInit) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.init.intervalMs ?? REPORT_INTERVAL_MS_DEFAULT);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  noteAdded(entry: ChunkEntry): void {
    this.removed.delete(entry.id);
    this.added.set(entry.id, entry);
    this.checkBound();
  }

  noteRemoved(id: string): void {
    this.added.delete(id);
    this.removed.add(id);
    this.checkBound();
  }

  /** Sends what is due now; resolves when the leader has it. For tests and for shutdown. */
  async flush(): Promise<void> {
    await this.tick();
  }

  private checkBound(): void {
    if (this.added.size + this.removed.size <= PENDING_INCREMENTS_MAX) return;
    this.added.clear();
    this.removed.clear();
    this.needsFull = true;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    const leader = this.init.leader();
    if (!leader) return;
    this.running = true;
    try {
      if (leader !== this.reportedTo || this.needsFull) await this.sendFull(leader);
      else if (this.added.size > 0 || this.removed.size > 0 || this.nowMs() - this.lastTakenAtMs >= (this.init.keepaliveMs ?? REPORT_KEEPALIVE_MS_DEFAULT)) await this.sendIncrement(leader);
    } catch (err) {
      this.init.log.debug("block report not delivered", { leader, err });
    } finally {
      this.running = false;
    }
  }

  private async sendFull(leader: string): Promise<void> {
    // Increments noted from here on are sent after the full report, so nothing is lost.
    this.added.clear();
    this.removed.clear();
    let page: ChunkEntry[] = [];
    let first = true;
    const flushPage = async (last: boolean) => {
      const ack = await this.init.send(leader, { full: true, first, last, added: page.map((entry) => this.toReported(entry)), removed: [] });
      first = false;
      page = [];
      await this.handleAck(leader, ack);
    };
    for await (const entry of this.init.store.list()) {
      page.push(entry);
      if (page.length >= REPORT_PAGE_CHUNKS_MAX) await flushPage(false);
    }
    await flushPage(true);
    this.reportedTo = leader;
    this.needsFull = false;
  }

  private async sendIncrement(leader: string): Promise<void> {
    const added = [...this.added.values()].slice(0, REPORT_PAGE_CHUNKS_MAX);
    const removed = [...this.removed].slice(0, REPORT_PAGE_CHUNKS_MAX);
    const ack = await this.init.send(leader, { full: false, first: false, last: false, added: added.map((entry) => this.toReported(entry)), removed });
    await this.handleAck(leader, ack);
    for (const entry of added) if (this.added.get(entry.id) === entry) this.added.delete(entry.id);
    for (const id of removed) this.removed.delete(id);
  }

  private toReported(entry: ChunkEntry) {
    return { chunkId: entry.id, version: BigInt(entry.version), sizeBytes: BigInt(entry.sizeBytes), tier: this.init.tierOf?.(entry.id) ?? "" };
  }

  private nowMs(): number {
    return this.init.nowMs?.() ?? performance.now();
  }

  private async handleAck(leader: string, ack: BlockReportAck): Promise<void> {
    if (ack.errorCode) {
      // NOT_LEADER, REPORT_FULL_NEEDED: whoever leads next gets a full report.
      this.reportedTo = undefined;
      if (ack.errorCode === "REPORT_FULL_NEEDED") this.init.log.info("the leader had forgotten this peer's chunks (it was declared dead): sending a full block report", { leader });
      throw new Error(`the leader ${leader} refused the report: ${ack.errorCode}`);
    }
    this.lastTakenAtMs = this.nowMs();
    for (const id of ack.deleteChunks) {
      const held = this.init.store.stat(id);
      if (!held) continue;
      if (await this.init.store.delete(id, held.version)) {
        this.deletedOnRequest += 1;
        this.noteRemoved(id);
      }
    }
  }
}


/** A ChunkStore that tells the reporter about every commit and delete (a decorator). */
export class ReportingChunkStore implements ChunkStore {
  constructor(
    private readonly inner: ChunkStore,
    private readonly reporter: BlockReporter,
  ) {}

  async createWriter(id: string, version: number, options?: ChunkWriterOptions): Promise<ChunkWriter> {
    const writer = await this.inner.createWriter(id, version, options);
    const reporter = this.reporter;
    return withCommitHooks(writer, {
      abort: () => writer.abort(),
      commit: async (): Promise<ChunkInfo> => {
        const info = await writer.commit();
        reporter.noteAdded({ id: info.id, version: info.version, sizeBytes: info.sizeBytes });
        return info;
      },
    });
  }

  read(...args: Parameters<ChunkStore["read"]>) {
    return this.inner.read(...args);
  }
  createReadStream(...args: Parameters<ChunkStore["createReadStream"]>) {
    return this.inner.createReadStream(...args);
  }
  readBlockChecksums(...args: Parameters<ChunkStore["readBlockChecksums"]>) {
    return this.inner.readBlockChecksums(...args);
  }
  stat(id: string) {
    return this.inner.stat(id);
  }
  list() {
    return this.inner.list();
  }
  async delete(id: string, version?: number): Promise<boolean> {
    const removed = await this.inner.delete(id, version);
    if (removed) this.reporter.noteRemoved(id);
    return removed;
  }
  verify(...args: Parameters<ChunkStore["verify"]>) {
    return this.inner.verify(...args);
  }
  usage() {
    return this.inner.usage();
  }
  capacity() {
    return this.inner.capacity();
  }
  localPath(id: string, version: number) {
    return this.inner.localPath(id, version);
  }
  noteLocalRead(id: string, bytes: number): void {
    this.inner.noteLocalRead?.(id, bytes);
  }
  close() {
    return this.inner.close();
  }
}
