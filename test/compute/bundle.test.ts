// Job bundles (DESIGN.md "MapReduce": submitting bundles the job): a job importing "tessera"
// and its own helpers becomes one self-contained script that loads from anywhere; a broken
// job is reported in one sentence at bundle or load time.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { bundleJob, jobBundleFileName, loadJobBundle } from "../../src/job-module/bundle.ts";
import { JobBundleError } from "../../src/compute/errors.ts";
import { JobDefinitionError, jobContext } from "../../src/job-module/job-api.ts";
import { tempDir } from "../support/temp.ts";
import { writeJobModules } from "./job-modules.ts";

const dir = tempDir("bundle");
let modulePath: (name: string) => string;

beforeAll(() => {
  modulePath = writeJobModules(join(dir.path, "src"));
});
afterAll(() => dir.remove());

describe("bundleJob and loadJobBundle", () => {
  it("bundle a job importing tessera and a helper into one script with no imports left, which loads and runs", async () => {
    const bundle = await bundleJob(modulePath("word-count.ts"));
    const text = new TextDecoder().decode(bundle);
    expect(text).not.toMatch(/^\s*import\s/m);
    expect(text).not.toContain('from "tessera"');
    expect(text).toContain("function tokenize");
    expect(text).toContain("function defineJob");
    const job = await loadJobBundle(bundle, join(dir.path, "work"));
    const emitted: [string, string][] = [];
    await job.map("0", "to be or not to be", (k, v) => emitted.push([k, v]), jobContext());
    expect(emitted.map(([k]) => k)).toEqual(["to", "be", "or", "not", "to", "be"]);
    expect(typeof job.combine).toBe("function");
    // Kept under a name derived from its content.
    expect(readdirSync(join(dir.path, "work"))).toEqual([jobBundleFileName(bundle)]);
    expect(await loadJobBundle(bundle, join(dir.path, "work"))).toBe(job);
  });

  it("report a job that cannot be bundled", async () => {
    await expect(bundleJob(modulePath("syntax-error.ts"))).rejects.toThrow(/^the job module failed to bundle: .+/);
    const err = await bundleJob(modulePath("unresolved.ts")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobBundleError);
    expect((err as Error).message).toContain("no-such-package-tessera-test");
    await expect(bundleJob(join(dir.path, "nowhere.ts"))).rejects.toThrow(`the job module ${join(dir.path, "nowhere.ts")} does not exist`);
  });

  it("report a module that is not a job when it is loaded", async () => {
    const load = async (name: string) => loadJobBundle(await bundleJob(modulePath(name)), join(dir.path, "work"));
    await expect(load("no-default.ts")).rejects.toThrow(new JobBundleError("the job module has no default export"));
    await expect(load("no-map.ts")).rejects.toThrow(new JobDefinitionError("the job module has no map function"));
    await expect(load("fails-to-load.ts")).rejects.toThrow(new JobBundleError("the job module failed to load: missing configuration"));
    await expect(load("bad-define.ts")).rejects.toThrow("the job module failed to load: the job given to defineJob has no reduce function");
  });
});
