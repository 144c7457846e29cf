// Distributed grep (the MapReduce paper's first example, §2.3): every line that matches a
// pattern, with how many times it occurs, like `grep PATTERN | sort | uniq -c`. The output is
// `line\tcount` lines, in line order within each part file.
//
//   tessera job run examples/grep.ts --input /logs --output /out/grep
//
// This module searches for DEFAULT_PATTERN. A job module is bundled on the submitting machine
// and run on other peers, so an environment variable read by the module would be read on
// those peers, not where you typed the command; the pattern has to be in the code. For another
// pattern, generate a small module that embeds it (examples/grep-job.ts):
//
//   bun -e 'import { writeGrepJob } from "./examples/grep-job.ts";
//           console.log(writeGrepJob("timed? ?out", "/tmp"))'
//   tessera job run /tmp/grep-….ts --input /logs --output /out/timeouts
import { defineJob, type JobDefinition } from "tessera";

/** What `tessera job run examples/grep.ts` looks for: the word "error", in any case. */
export const DEFAULT_PATTERN = /\berror\b/i;

async function sum(line: string, counts: AsyncIterable<string>, emit: (key: string, value: string) => void): Promise<void> {
  let total = 0;
  for await (const count of counts) total += Number(count);
  emit(line, String(total));
}

/**
 * The grep job for `pattern`. A global or sticky pattern is refused: `test` on one would carry
 * `lastIndex` from one line to the next and miss matches.
 */
export function grepJob(pattern: RegExp): JobDefinition {
  if (pattern.global || pattern.sticky) throw new Error(`a grep pattern must not have the g or y flag (it has ${JSON.stringify(pattern.flags)})`);
  return defineJob({
    map(_offset, line, emit) {
      if (pattern.test(line)) emit(line, "1");
    },
    // Log files repeat their lines: counting on the map side shuffles one record per distinct
    // matching line and map task instead of one per match.
    combine: sum,
    reduce: sum,
  });
}

export default grepJob(DEFAULT_PATTERN);
