// One open folder's listing, read a page at a time as the kernel asks (issue 17): a folder
// of a million entries is never held whole. A position counts entries in listing order from
// 0; the kernel's cookie of the entry at position p is p + 3 (1 and 2 are "." and "..", 0
// means "from the start"), so a readdir continuing at a cookie resumes after the right name.
// Only the current page is kept, and the listing's cursor (the masters' `after`, inside
// client.listPages): the kernel resumes inside the page it was given (it packs what fits) or
// at its end; a seek back before the page (rewinddir) lists again from the start.
import type { StatView } from "../../client/fs.ts";
import type { MountClient } from "./client.ts";

/** Entries asked of the masters per page (their default; a page is also bounded in bytes). */
export const DIR_PAGE_ENTRIES = 1_000;

export const DOT_COOKIE = 1;
export const DOTDOT_COOKIE = 2;
/** The cookie of the entry at `position`. */
export function cookieOf(position: number): number {
  return position + 3;
}

export class DirStream {
  private pages: AsyncGenerator<StatView[]> | undefined;
  private page: StatView[] = [];
  /** The position of page[0]. */
  private pageStart = 0;
  private done = false;

  constructor(
    private readonly client: MountClient,
    readonly path: string,
    private readonly entriesPerPage = DIR_PAGE_ENTRIES,
  ) {}

  /**
   * Entries from `position` on, at most `countMax`, never past the page that holds
   * `position` (the kernel asks again for the rest); empty at the end of the folder.
   */
  async entriesFrom(position: number, countMax: number): Promise<{ position: number; entries: StatView[] }> {
    if (position < this.pageStart) await this.restart();
    while (position >= this.pageStart + this.page.length) {
      if (!(await this.nextPage())) return { position, entries: [] };
    }
    const from = position - this.pageStart;
    return { position, entries: this.page.slice(from, from + countMax) };
  }

  /** Lets go of the listing (releasedir). */
  async close(): Promise<void> {
    const pages = this.pages;
    this.pages = undefined;
    this.page = [];
    await pages?.return(undefined);
  }

  private async restart(): Promise<void> {
    await this.close();
    this.pageStart = 0;
    this.done = false;
  }

  /** Moves to the next page; false at the end of the folder. */
  private async nextPage(): Promise<boolean> {
    if (this.done) return false;
    this.pages ??= this.client.listPages(this.path, { entriesPerPage: this.entriesPerPage });
    const next = await this.pages.next();
    this.pageStart += this.page.length;
    if (next.done) {
      this.page = [];
      this.done = true;
      return false;
    }
    this.page = next.value;
    return true;
  }
}
