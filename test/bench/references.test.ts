// The parsers of bench/etcd.ts and bench/moosefs.ts, on what etcdctl 3.4.23 and MooseFS
// 3.0.117 print (the PASS run, the register line and mfscheckfile as seen on the bench
// machine; the FAIL line as etcdctl's check.go writes it): the benches run the real programs
// only when they are installed, so these lines are all a test can check without them.
import { describe, expect, test } from "bun:test";
import { parseCheckPerf } from "../../bench/etcd.ts";
import { fewestCopies, registeredPort } from "../../bench/moosefs.ts";

describe("etcdctl check perf's output", () => {
  test("a FAIL of the throughput still gives its writes/s, after the progress bar", () => {
    const stdout = "\r 0 / 60    0.00%\r 59 / 60   98.33% 00m01s\r 59 / 60   98.33%\r 60 / 60  100.00% 1m0s\nFAIL: Throughput too low: 2061 writes/s\nPASS: Slowest request took 0.312000s\nPASS: Stddev is 0.041000s\nFAIL\n";
    expect(parseCheckPerf(stdout)).toEqual({ writesPerSecond: 2061, passed: false, verdict: ["FAIL: Throughput too low: 2061 writes/s", "PASS: Slowest request took 0.312000s", "PASS: Stddev is 0.041000s", "FAIL"] });
  });

  test("a PASS", () => {
    const parsed = parseCheckPerf("\r 59 / 60   98.33%\r 60 / 60  100.00% 1m0s\nPASS: Throughput is 150 writes/s\nPASS: Slowest request took 0.120551s\nPASS: Stddev is 0.009280s\nPASS\n");
    expect(parsed?.writesPerSecond).toBe(150);
    expect(parsed?.passed).toBe(true);
  });

  test("no throughput line is no figure", () => {
    expect(parseCheckPerf("Error: context deadline exceeded\n")).toBeUndefined();
  });
});

describe("MooseFS's lines", () => {
  test("the master's register end names the chunk server's data port", () => {
    expect(registeredPort("mfsmaster[25911]: chunkserver register end (packet version: 6) - ip: 10.0.0.5 / port: 19430")).toBe(19430);
    expect(registeredPort("mfsmaster[25911]: chunkserver register begin (packet version: 6) - ip: 10.0.0.5 / port: 19430, usedspace: 0 (0.00 GiB), totalspace: 0 (0.00 GiB)")).toBeUndefined();
  });

  test("mfscheckfile: the fewest copies of any chunk", () => {
    expect(fewestCopies("probe:\n chunks with 3 copies:            1\n")).toBe(3);
    expect(fewestCopies("probe:\n chunks with 1 copy:              1\n chunks with 3 copies:            2\n")).toBe(1);
    expect(fewestCopies("probe:\n")).toBe(0);
  });
});
