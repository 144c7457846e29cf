// Word count, the "hello world" of MapReduce: how often each word occurs in the input. Words
// are runs of non-blank characters.
//
//   tessera job run examples/wordcount.ts --input /data --output /out/wordcount
//
// Each map task counts the words of its split in memory and emits one (word, count) per
// distinct word when the split ends, or earlier if the table grows past FLUSH_WORDS ("in-mapper
// combining", Lin & Dyer, Data-Intensive Text Processing with MapReduce §3.1): millions of
// ("the", "1") records never exist. The combiner and the reduce add the partial counts up.
import { defineJob, type Emit } from "tessera";

/** Distinct words a map task holds before it emits them, bounding its memory. */
const FLUSH_WORDS = 200_000;

const counts = new Map<string, number>();

function flush(emit: Emit): void {
  for (const [word, count] of counts) emit(word, String(count));
  counts.clear();
}

async function sum(word: string, partials: AsyncIterable<string>, emit: Emit): Promise<void> {
  let total = 0;
  for await (const partial of partials) total += Number(partial);
  emit(word, String(total));
}

export default defineJob({
  map(_offset, line, emit) {
    for (const word of line.split(/\s+/)) if (word.length > 0) counts.set(word, (counts.get(word) ?? 0) + 1);
    if (counts.size >= FLUSH_WORDS) flush(emit);
  },
  mapEnd: flush,
  combine: sum,
  reduce: sum,
});
