// The buckets the web UI lists (issue 14): the S3 gateway serves each top-level folder whose
// name is a valid bucket name as a bucket (protocol/bucket-names.ts, docs/s3.md). Found by
// reading the root folder a page at a time, as `tessera fs ls /` does.
import { isBucketName } from "../protocol/bucket-names.ts";
import type { StatView } from "../client/fs.ts";
import type { AdminHttpSource } from "./source.ts";

/**
 * Entries of the root read for one bucket list at most; past it the list says `truncated`.
 * 10,000 is AWS's default quota of buckets an account, and bounds both the leader's work per
 * list (ten pages) and the answer (about 1 MiB of JSON).
 */
export const BUCKETS_ROOT_ENTRIES_MAX = 10_000;
/** Root entries asked for in one page (the API's own page size, LIST_ENTRIES_MAX). */
const ROOT_PAGE_ENTRIES = 1_000;

export interface BucketView {
  name: string;
  /** The folder's last modification: an entry added, removed or renamed in it (not below it). */
  mtimeMs: number;
}

export interface BucketList {
  /** In name order. */
  buckets: BucketView[];
  /** The root holds more than BUCKETS_ROOT_ENTRIES_MAX entries: buckets past them are not listed. */
  truncated: boolean;
}

/** The top-level folders with bucket names, from the first BUCKETS_ROOT_ENTRIES_MAX entries of "/". */
export async function listBuckets(listPage: AdminHttpSource["listPage"], entriesMax = BUCKETS_ROOT_ENTRIES_MAX): Promise<BucketList> {
  const buckets: BucketView[] = [];
  let after: string | undefined;
  let read = 0;
  for (;;) {
    const page: { entries: StatView[]; next?: string } = await listPage("/", { ...(after !== undefined ? { after } : {}), limit: Math.min(ROOT_PAGE_ENTRIES, entriesMax - read) });
    read += page.entries.length;
    for (const entry of page.entries) {
      const name = entry.path.slice(entry.path.lastIndexOf("/") + 1);
      if (entry.kind === "dir" && isBucketName(name)) buckets.push({ name, mtimeMs: entry.mtimeMs });
    }
    if (page.next === undefined) return { buckets: sortedByName(buckets), truncated: false };
    // A page that did not advance would be asked for again without end: say the list is partial.
    if (read >= entriesMax || page.entries.length === 0) return { buckets: sortedByName(buckets), truncated: true };
    after = page.next;
  }
}

/** Bucket names are ASCII, so code-unit order is S3's (UTF-8 byte) order. */
function sortedByName(buckets: BucketView[]): BucketView[] {
  return buckets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
