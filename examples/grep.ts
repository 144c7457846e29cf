// Distributed grep (the MapReduce paper's first example, §2.3): every line that matches a
// pattern, with how many times it occurs, like `grep PATTERN | sort | uniq -c`. The output is
// `line\tcount` lines, in line order within each part file.
//
//   tessera job run examples/grep.ts --input /logs --output /out/grep
//   tessera job run examples/grep.ts --input /logs --output /out/timeouts \
//     --param grep.pattern='timed? ?out' --param grep.flags=i
//
// The pattern is a job parameter (a JavaScript RegExp source, and its flags): parameters travel
// with the job to every peer, where the map reads them from its context. Without
// grep.pattern, the job looks for DEFAULT_PATTERN.
import { defineJob, type JobContext, type JobDefinition } from "tessera";

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

/** The job parameters of the default export: the RegExp source, and its flags (not g or y). */
export const PATTERN_PARAM = "grep.pattern";
export const FLAGS_PARAM = "grep.flags";

/**
 * The pattern a task's parameters name: compiled once per task (a task runs one context),
 * not once per line. A bad pattern throws SyntaxError, failing the job with its message.
 */
function patternOf(context: JobContext): RegExp {
  const source = context.param(PATTERN_PARAM);
  const flags = context.param(FLAGS_PARAM, "");
  if (source === undefined && flags === "") return DEFAULT_PATTERN;
  if (compiled !== undefined && compiled.source === source && compiled.flags === flags) return compiled.pattern;
  const pattern = new RegExp(source ?? DEFAULT_PATTERN.source, flags);
  if (pattern.global || pattern.sticky) throw new Error(`${FLAGS_PARAM} must not hold g or y (it is ${JSON.stringify(flags)})`);
  compiled = { source, flags, pattern };
  return pattern;
}
let compiled: { source: string | undefined; flags: string; pattern: RegExp } | undefined;

export default defineJob({
  map(_offset, line, emit, context) {
    if (patternOf(context).test(line)) emit(line, "1");
  },
  combine: sum,
  reduce: sum,
});
