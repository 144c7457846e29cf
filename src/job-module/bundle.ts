// Job bundles (DESIGN.md "MapReduce": submitting bundles the job and stores the bundle in the
// file system): a job module and everything it imports, made into one self-contained ES module
// that any peer can load, in a worker thread, without the submitter's source tree.
//
// A job imports the job API as `import { defineJob } from "tessera"`. The bundler resolves that
// name to the text of job-api.ts, inlined into this module when it is built (a Bun macro,
// job-api-source.ts), rather than to a path: a compiled binary has no src/ folder on disk, and
// the text works from source and from the binary alike. job-api.ts imports nothing, so each
// bundle carries its own small copy and loads with no unresolved import.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { rename, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BunPlugin } from "bun";
import { messageOf } from "../util/errors.ts";
import { validateJob, type JobDefinition } from "./job-api.ts";
import { readJobApiSource } from "./job-api-source.ts" with { type: "macro" };

/** The largest job bundle accepted (a bundle is the job's code, not its data). */
export const JOB_BUNDLE_BYTES_MAX = 64 * 1024 * 1024;

/** The job cannot be bundled or loaded: failing the job is the answer, retrying won't help. */
export class JobBundleError extends Error {
  override name = "JobBundleError";
  readonly code = "JOB_BUNDLE";
}

const JOB_API_NAMESPACE = "tessera-job-api";
/** Inlined at build time (see job-api-source.ts). */
const JOB_API_SOURCE: string = readJobApiSource();

/** Resolves the bare specifier "tessera" (and only it) to the embedded job API. */
export const tesseraJobApiPlugin: BunPlugin = {
  name: "tessera-job-api",
  setup(build) {
    build.onResolve({ filter: /^tessera$/ }, () => ({ path: "tessera", namespace: JOB_API_NAMESPACE }));
    build.onLoad({ filter: /.*/, namespace: JOB_API_NAMESPACE }, () => ({ contents: JOB_API_SOURCE, loader: "ts" }));
  },
};

/** Bundles the job module at `modulePath` into one ES module for Bun; throws JobBundleError. */
export async function bundleJob(modulePath: string): Promise<Uint8Array> {
  const entry = resolve(modulePath);
  if (!existsSync(entry)) throw new JobBundleError(`the job module ${entry} does not exist`);
  let output: Awaited<ReturnType<typeof Bun.build>>;
  try {
    output = await Bun.build({
      entrypoints: [entry],
      target: "bun",
      format: "esm",
      minify: false,
      splitting: false,
      plugins: [tesseraJobApiPlugin],
      throw: false,
    });
  } catch (err) {
    throw new JobBundleError(`the job module failed to bundle: ${messageOf(err)}`, { cause: err });
  }
  if (!output.success) {
    const first = output.logs.find((log) => log.level === "error") ?? output.logs[0];
    throw new JobBundleError(`the job module failed to bundle: ${first ? describeLog(first) : "the bundler gave no reason"}`);
  }
  if (output.outputs.length !== 1) {
    throw new JobBundleError(`the job module bundles into ${output.outputs.length} files; a job must be one script (no file assets or split chunks)`);
  }
  const bytes = new Uint8Array(await output.outputs[0]!.arrayBuffer());
  if (bytes.length > JOB_BUNDLE_BYTES_MAX) {
    throw new JobBundleError(`the job bundle is ${bytes.length} bytes, more than the limit of ${JOB_BUNDLE_BYTES_MAX}`);
  }
  return bytes;
}

function describeLog(log: BuildMessage | ResolveMessage): string {
  const position = log.position;
  return position ? `${log.message} (${position.file}:${position.line}:${position.column})` : log.message;
}

/** The file name a bundle is kept under: named by its content, so one name is one bundle. */
export function jobBundleFileName(bundleBytes: Uint8Array): string {
  return `job-${createHash("sha256").update(bundleBytes).digest("hex").slice(0, 32)}.js`;
}

/**
 * Writes a bundle to `workDir` and loads it. This runs the module's top-level code in this
 * thread: a peer loads jobs inside worker threads (task-worker.ts), never on its event loop.
 */
export async function loadJobBundle(bundleBytes: Uint8Array, workDir: string): Promise<JobDefinition> {
  const path = await writeJobBundle(bundleBytes, workDir);
  return loadJobModule(path);
}

/** Writes a bundle under its content name (atomically: a loader never sees half a file). */
export async function writeJobBundle(bundleBytes: Uint8Array, workDir: string): Promise<string> {
  if (bundleBytes.length > JOB_BUNDLE_BYTES_MAX) {
    throw new JobBundleError(`the job bundle is ${bundleBytes.length} bytes, more than the limit of ${JOB_BUNDLE_BYTES_MAX}`);
  }
  mkdirSync(workDir, { recursive: true });
  const path = join(resolve(workDir), jobBundleFileName(bundleBytes));
  const existing = await stat(path).catch(() => undefined);
  if (existing?.size === bundleBytes.length) return path;
  const tempPath = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(tempPath, bundleBytes, { mode: 0o644 });
  await rename(tempPath, path);
  return path;
}

/** Imports a bundle file and checks its default export is a job. */
export async function loadJobModule(path: string): Promise<JobDefinition> {
  let loaded: unknown;
  try {
    loaded = await import(pathToFileURL(path).href);
  } catch (err) {
    throw new JobBundleError(`the job module failed to load: ${messageOf(err)}`, { cause: err });
  }
  const exports = loaded as { default?: unknown } | null;
  if (exports === null || typeof exports !== "object" || exports.default === undefined) {
    throw new JobBundleError("the job module has no default export");
  }
  return validateJob(exports.default);
}
