// The web UI in a real browser (issue 7, "What must be shown"): playwright-core drives Debian's
// chromium (the test command, scripts/test.ts, installs it when it is missing and the machine
// lets it; no test tool downloads a browser) against the UI served by a peer of a real 3-peer
// cluster of dist/tessera. It sees the peers by rack, browses into a file down to where each
// chunk's replicas live, lists the buckets (the top-level folders with S3 bucket names) and
// opens one, and watches a running job's progress advance without a reload.
// Screenshots land in test-artifacts/ui/.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { BINARY, ensureBinary, PeerProcesses, runCli, type StartedPeer } from "../support/processes.ts";
import { waitFor } from "../support/wait.ts";
import { tempDir } from "../support/temp.ts";

const ROOT = resolve(import.meta.dir, "../..");
const ARTIFACTS = join(ROOT, "test-artifacts/ui");
const SLOW_WORDCOUNT = join(ROOT, "test/fixtures/jobs/slow-wordcount.ts");
const CHROMIUM = "/usr/bin/chromium";
// As the machine notes say works here: without the background-networking flags chromium
// keeps trying to reach Google's hosts, which a closed network refuses.
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const LOOPBACK = "/ip4/127.0.0.1/tcp/0";
const TIMINGS = ["--heartbeat-ms", "500", "--suspect-after-ms", "2000", "--dead-after-ms", "4000", "--compute-slots", "2"];
const RACKS = ["/r1", "/r1", "/r2"];
const KiB = 1024;
const CHUNK_BYTES = 64 * KiB;
// slow-wordcount sleeps about 1 ms per line: 48,000 lines (1.4 MB) in 64 KiB chunks make 22
// maps of about 2.5 s each, in 4 waves on 6 task slots: about 10 s of maps to watch advance.
const INPUT_LINES = 48_000;
// The UI polls once a second; a view must follow the cluster within a few polls.
const UI_TIMEOUT_MS = 15_000;

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let browser: Browser | undefined;
beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("ui");
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await processes.stopAll();
  root.remove();
});

/** Debian's chromium, or a failure saying how to install it: a missing browser must not read as a pass. */
async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser test needs Debian's chromium at ${CHROMIUM}: install it with \`sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium\` ` +
        "(npm test does this itself when it runs as root or with passwordless sudo).",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Word lines from a small vocabulary, deterministic. */
function text(lines: number): string {
  const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"];
  let state = 7;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(Array.from({ length: 1 + (next() % 9) }, () => words[next() % words.length]).join(" "));
  return `${out.join("\n")}\n`;
}

async function startCluster(): Promise<{ peers: StartedPeer[]; env: Record<string, string> }> {
  const dir = (i: number) => join(root.path, `peer-${i}`);
  // The first peer has cache tiers (issue 16): the peers page shows them in its row.
  mkdirSync(join(root.path, "mem"), { recursive: true });
  const first = await processes.start(["--data-dir", dir(0), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", RACKS[0]!, "--tier", `MEM:${join(root.path, "mem")}:1MiB`, ...TIMINGS]);
  const swarmKey = join(dir(0), "swarm.key");
  const peers = [first];
  for (let i = 1; i < RACKS.length; i++) {
    peers.push(await processes.start(["--data-dir", dir(i), "--listen", LOOPBACK, "--http", "127.0.0.1:0", "--rack", RACKS[i]!, "--join", first.addresses[0]!, "--swarm-key", swarmKey, ...TIMINGS]));
  }
  const env = { TESSERA_JOIN: peers.map((peer) => peer.addresses[0]!).join(","), TESSERA_SWARM_KEY: swarmKey, TESSERA_LOG: "warn" };
  await waitFor(
    "every peer alive and 3 voters",
    async () => {
      const report = await runCli(["report", "--json"], env);
      const status = await runCli(["cluster", "status", "--json"], env);
      if (report.code !== 0 || status.code !== 0) return false;
      return (JSON.parse(report.stdout) as { livePeers: number }).livePeers === RACKS.length && (JSON.parse(status.stdout) as { voters: string[] }).voters.length === 3;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  return { peers, env };
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function attribute(page: Page, selector: string, name: string): Promise<number> {
  return Number(await page.locator(selector).first().getAttribute(name));
}

describe("web UI in Debian's chromium", () => {
  it("shows the peers by rack, browses a file down to its replicas, lists the buckets, and watches a job's progress advance without a reload", async () => {
    browser = await launchChromium();
    const { peers, env } = await startCluster();
    const status = JSON.parse((await runCli(["cluster", "status", "--json"], env)).stdout) as { leader: string; voters: string[] };

    expect((await runCli(["fs", "mkdir", "/data"], env)).code).toBe(0);
    const local = join(root.path, "words.txt");
    writeFileSync(local, text(INPUT_LINES));
    const put = await runCli(["fs", "put", local, "/data/words.txt", "--chunk-size", "64KiB"], env);
    expect(put.stderr).toBe("");
    expect(put.code).toBe(0);
    const stat = JSON.parse((await runCli(["fs", "stat", "/data/words.txt", "--json"], env)).stdout) as { size: number; owner: string; group: string; permission: number; chunks: Array<{ id: string; index: number; replicas: Array<{ peer: string; rack: string }> }> };
    expect(stat.chunks.length).toBe(Math.ceil(stat.size / CHUNK_BYTES));
    expect(stat.chunks.length).toBeGreaterThanOrEqual(20);
    // Top-level folders for the buckets view: "data" and "photos" are bucket names, "Data_2" and
    // "ab" are not (S3 refuses them), nor is a file at the root.
    for (const folder of ["/photos/2026", "/Data_2", "/ab"]) expect((await runCli(["fs", "mkdir", "-p", folder], env)).code).toBe(0);
    const rootFile = join(root.path, "readme.txt");
    writeFileSync(rootFile, "not a bucket\n");
    expect((await runCli(["fs", "put", rootFile, "/readme-file"], env)).code).toBe(0);

    // A peer that is not the leader: its UI shows cluster-wide data by asking the leader.
    const entry = peers.find((peer) => peer.id !== status.leader)!;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    // Overview: the leader and the three voters, capacity, health.
    await page.goto(`${entry.http}/`);
    await page.locator('[data-testid="capacity"]').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('[data-testid="leader"]').getAttribute("data-peer")).toBe(status.leader);
    const voterIds = await page.locator('[data-testid="voter"]').evaluateAll((items) => items.map((item) => item.getAttribute("data-peer")));
    expect(voterIds.sort()).toEqual([...status.voters].sort());
    await page.locator('[data-testid="health"][data-status="HEALTHY"]').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('[data-testid="self"] [data-peer]').getAttribute("data-peer")).toBe(entry.id);
    await screenshot(page, "overview");

    // Peers, grouped by rack: /r1 holds the first two, /r2 the third, all alive.
    await page.locator('nav a[data-route="peers"]').click();
    await page.locator('[data-testid="peer-row"]').nth(2).waitFor({ timeout: UI_TIMEOUT_MS });
    const racks = await page.locator('[data-testid="rack"]').evaluateAll((sections) =>
      sections.map((section) => ({
        rack: section.getAttribute("data-rack"),
        peers: [...section.querySelectorAll('[data-testid="peer-row"]')].map((row) => ({ id: row.getAttribute("data-peer"), state: row.getAttribute("data-state") })),
      })),
    );
    expect(racks.map((rack) => rack.rack)).toEqual(["/r1", "/r2"]);
    expect(racks[0]!.peers.map((peer) => peer.id).sort()).toEqual([peers[0]!.id, peers[1]!.id].sort());
    expect(racks[1]!.peers.map((peer) => peer.id)).toEqual([peers[2]!.id]);
    expect(racks.flatMap((rack) => rack.peers.map((peer) => peer.state))).toEqual(["alive", "alive", "alive"]);
    const tiers = await page.locator('[data-testid="peer-row"]').evaluateAll((rows) => rows.map((row) => [row.getAttribute("data-peer"), row.querySelector('[data-testid="tiers"]')?.textContent ?? ""]));
    expect(tiers.filter(([, text]) => text !== "")).toEqual([[peers[0]!.id, "Cache: MEM 0 B of 1.00 MiB"]]);
    await screenshot(page, "peers");

    // The file browser: / → data → words.txt, then its chunks and where each replica lives.
    await page.locator('nav a[data-route="files"]').click();
    await page.locator('[data-testid="fs-entry"][data-path="/data"] a').click();
    // Each entry's permission, owner and group, as `tessera fs ls` prints them.
    const wordsRow = page.locator('[data-testid="fs-entry"][data-path="/data/words.txt"]');
    await wordsRow.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(stat.permission).toBe(0o644);
    expect(await wordsRow.locator('[data-testid="fs-permission"]').textContent()).toBe("-rw-r--r--");
    expect(await wordsRow.locator('[data-testid="fs-owner"]').textContent()).toBe(stat.owner);
    expect(await wordsRow.locator('[data-testid="fs-group"]').textContent()).toBe(stat.group);
    await wordsRow.locator("a").click();
    await page.locator('[data-testid="file-stat"]').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('[data-testid="file-permission"]').textContent()).toBe("-rw-r--r-- (644)");
    expect(await page.locator('[data-testid="file-owner"]').textContent()).toBe(`${stat.owner}, group ${stat.group}`);
    expect(page.url()).toMatch(/#\/files\/data\/words\.txt$/);
    expect(await page.locator('[data-testid="chunk-row"]').count()).toBe(stat.chunks.length);
    const shown = await page.locator('[data-testid="chunk-row"]').evaluateAll((rows) =>
      rows.map((row) => ({
        index: Number(row.getAttribute("data-chunk-index")),
        racks: [...row.querySelectorAll('[data-testid="replica-rack"]')].map((rack) => ({
          rack: rack.getAttribute("data-rack"),
          peers: [...rack.querySelectorAll('[data-testid="replica"]')].map((replica) => replica.getAttribute("data-peer")).sort(),
        })),
      })),
    );
    for (const chunk of stat.chunks) {
      // What the UI shows is what `tessera fs stat` says: 3 replicas, two on /r1 and one on /r2.
      const expected = ["/r1", "/r2"].map((rack) => ({ rack, peers: chunk.replicas.filter((replica) => replica.rack === rack).map((replica) => replica.peer).sort() }));
      expect(shown.find((row) => row.index === chunk.index)?.racks).toEqual(expected);
      expect(expected[0]!.peers.length + expected[1]!.peers.length).toBe(3);
    }
    await screenshot(page, "file");

    // Buckets: the top-level folders the S3 gateway serves as buckets, each linked to its folder.
    await page.locator('nav a[data-route="buckets"]').click();
    await page.locator('[data-testid="bucket-row"][data-bucket="photos"]').waitFor({ timeout: UI_TIMEOUT_MS });
    const buckets = await page.locator('[data-testid="bucket-row"]').evaluateAll((rows) => rows.map((row) => row.getAttribute("data-bucket")));
    expect(buckets).toEqual(["data", "photos"]);
    await screenshot(page, "buckets");
    await page.locator('[data-testid="bucket-row"][data-bucket="photos"] a').click();
    await page.locator('[data-testid="fs-entry"][data-path="/photos/2026"]').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(page.url()).toMatch(/#\/files\/photos$/);

    // A slow job, run from the CLI in the background; the jobs view follows it.
    const job = Bun.spawn([BINARY, "job", "run", SLOW_WORDCOUNT, "--input", "/data", "--output", "/out/wc", "--reducers", "2", "--json"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
    const jobOutput = Promise.all([new Response(job.stdout).text(), new Response(job.stderr).text(), job.exited]);
    await page.locator('nav a[data-route="jobs"]').click();
    const row = page.locator('[data-testid="job-row"][data-state="running"]');
    await row.waitFor({ timeout: 30_000 });
    const jobId = (await row.getAttribute("data-job-id"))!;
    const mapTasks = await attribute(page, '[data-testid="job-row"] [data-testid="maps-progress"]', "data-total");
    expect(mapTasks).toBe(stat.chunks.length);
    // A marker in the page's window: a reload would drop it.
    await page.evaluate(() => ((globalThis as unknown as { uiTestMarker: number }).uiTestMarker = 1));
    const seen: number[] = [];
    let midwayShot = false;
    await waitFor(
      "the maps done to advance three times in the jobs view",
      async () => {
        const done = await attribute(page, `[data-testid="job-row"][data-job-id="${jobId}"] [data-testid="maps-progress"]`, "data-done");
        if (seen.length === 0 || done !== seen[seen.length - 1]) seen.push(done);
        if (seen.length === 3 && !midwayShot) {
          midwayShot = true;
          await screenshot(page, "jobs-running");
        }
        return seen.length >= 4 || done === mapTasks ? seen : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    console.log(`maps done seen in the jobs view: ${seen.join(" → ")} of ${mapTasks}`);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(await page.evaluate(() => (globalThis as unknown as { uiTestMarker?: number }).uiTestMarker)).toBe(1);

    // The job's own page lists its tasks and follows the job to its end.
    await page.locator(`[data-testid="job-row"][data-job-id="${jobId}"] a.job-link`).click();
    // One task per map and per reduce.
    await page.locator('[data-testid="task-row"]').nth(mapTasks + 1).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('[data-testid="task-row"]').count()).toBe(mapTasks + 2);
    const runningNow = await page.locator('[data-testid="job"]').getAttribute("data-state");
    if (runningNow === "running") await screenshot(page, "job-running");
    await page.locator('[data-testid="job"][data-state="succeeded"]').waitFor({ timeout: 90_000 });
    await page.locator('[data-testid="task-row"][data-state="done"]').nth(mapTasks + 1).waitFor({ timeout: UI_TIMEOUT_MS });
    await screenshot(page, "job-done");
    const [stdout, stderr, code] = await jobOutput;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const finished = JSON.parse(stdout) as { id: string; mapTasks: number; counters: Record<string, number> };
    expect(finished.id).toBe(jobId);
    // The UI's counts are the job's: maps and reduces done, and where the maps ran.
    expect(await attribute(page, '[data-testid="job"] [data-testid="maps-progress"]', "data-done")).toBe(finished.mapTasks);
    expect(await attribute(page, '[data-testid="job"] [data-testid="reduces-progress"]', "data-done")).toBe(2);
    const locality = page.locator('[data-testid="job"] [data-testid="locality"]');
    expect(Number(await locality.getAttribute("data-node"))).toBe(finished.counters.nodeLocalMaps);
    expect(Number(await locality.getAttribute("data-rack"))).toBe(finished.counters.rackLocalMaps);
    expect(Number(await locality.getAttribute("data-remote"))).toBe(finished.counters.remoteMaps);
    expect(await page.evaluate(() => (globalThis as unknown as { uiTestMarker?: number }).uiTestMarker)).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
