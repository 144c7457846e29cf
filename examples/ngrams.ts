// N-gram counts: how often each sequence of N = 5 consecutive words occurs, where words are
// runs of non-blank characters (as in examples/wordcount.ts) and a sequence never spans two
// lines. The output is `w1 w2 w3 w4 w5\tcount` lines: the words joined by single spaces,
// whatever blanks separated them in the input.
//
//   tessera job run examples/ngrams.ts --input /corpus --output /out/5-grams --reducers 8
import { defineJob } from "tessera";

/** Words per sequence. */
export const NGRAM_WORDS = 5;

async function sum(ngram: string, counts: AsyncIterable<string>, emit: (key: string, value: string) => void): Promise<void> {
  let total = 0;
  for await (const count of counts) total += Number(count);
  emit(ngram, String(total));
}

export default defineJob({
  map(_offset, line, emit) {
    const words = line.split(/\s+/).filter((word) => word.length > 0);
    for (let start = 0; start + NGRAM_WORDS <= words.length; start++) {
      emit(words.slice(start, start + NGRAM_WORDS).join(" "), "1");
    }
  },
  // Common phrases repeat within a split; counting on the map side shrinks the shuffle. Most
  // 5-grams are rare, so this saves less than in word count, but it never costs much.
  combine: sum,
  reduce: sum,
});
