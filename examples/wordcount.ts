// Word count, the "hello world" of MapReduce: one (word, "1") per word of every line, summed by
// a combiner on the map side and by the reduce. Words are runs of non-blank characters.
//
//   tessera job run examples/wordcount.ts --input /data --output /out/wordcount
import { defineJob } from "tessera";

async function sum(word: string, counts: AsyncIterable<string>, emit: (key: string, value: string) => void): Promise<void> {
  let total = 0;
  for await (const count of counts) total += Number(count);
  emit(word, String(total));
}

export default defineJob({
  map(_offset, line, emit) {
    for (const word of line.split(/\s+/)) if (word.length > 0) emit(word, "1");
  },
  combine: sum,
  reduce: sum,
});
