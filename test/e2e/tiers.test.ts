// `node start --tier` of the compiled binary: bad specs are refused in one sentence before
// anything starts; good ones show as rows of `tessera report` and series of /metrics.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, PeerProcesses, runCli } from "../support/processes.ts";
import { tempDir } from "../support/temp.ts";
import { waitFor } from "../support/wait.ts";
import { parsePrometheusText } from "../support/prometheus.ts";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
const root = tempDir("e2e-tiers");
const processes = new PeerProcesses();

beforeAll(async () => {
  await ensureBinary();
  mkdirSync(join(root.path, "mem"));
  mkdirSync(join(root.path, "hdd"));
}, 120_000);
afterAll(async () => {
  await processes.stopAll();
  root.remove();
});

describe("node start --tier", () => {
  it("refuses each bad spec with one sentence and exit code 2", async () => {
    const data = join(root.path, "refused");
    const cases: Array<[string[], RegExp]> = [
      [["--tier", `MEM:${root.path}/mem`], /has no size/],
      [["--tier", `MEM:${root.path}/missing:64MiB`], /the folder .*missing does not exist/],
      [["--tier", `RAM:${root.path}/mem:64MiB`], /unknown tier "RAM"/],
      [["--tier", `MEM:${root.path}/mem:64MiB`, "--tier", `HDD:${root.path}/mem:1GiB`], /share the folder/],
      [["--cache-policy", "ARC"], /not LRU or LRFU/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(["node", "start", "--data-dir", data, "--listen", LOOPBACK, ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
  }, 60_000);

  it("shows the tiers in report and /metrics", async () => {
    const dataDir = join(root.path, "peer");
    const peer = await processes.start(["--data-dir", dataDir, "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--tier", `MEM:${root.path}/mem:1MiB`, "--tier", `HDD:${root.path}/hdd:2MiB`, "--cache-policy", "LRFU", "--heartbeat-ms", "200"]);
    const env = { TESSERA_JOIN: peer.addresses[0]!, TESSERA_SWARM_KEY: join(dataDir, "swarm.key"), TESSERA_LOG: "warn" };
    const report = await waitFor(
      "report to list the tiers",
      async () => {
        const result = await runCli(["report"], env);
        return result.code === 0 && result.stdout.includes("Cache tiers") ? result.stdout : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    const rows = report.slice(report.indexOf("Cache tiers")).split("\n").slice(2).filter(Boolean);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 4))).toEqual([
      [peer.id, "MEM", "1.0", "MiB"],
      [peer.id, "HDD", "2.0", "MiB"],
    ]);
    const metrics = parsePrometheusText(await (await fetch(`${peer.http}/metrics`)).text());
    const capacity = metrics.samples.filter((sample) => sample.name === "tessera_cache_tier_capacity_bytes").map((sample) => [sample.labels.tier, sample.value]);
    expect(capacity).toEqual([
      ["MEM", 1024 * 1024],
      ["HDD", 2 * 1024 * 1024],
    ]);
  }, 60_000);
});
