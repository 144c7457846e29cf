// A copy of the repository with one planted bug applied and its binary built (issue 18's
// planted bugs). The copy is `git archive HEAD` of this repository (so only committed files,
// never the working tree's edits), with node_modules linked rather than copied; the patch is
// applied with `git apply`, which works outside a repository like `patch -p1`. Production
// code never holds the bugs: they live only as the patches beside this file.
import { existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "../..");
export const PATCH_DIR = import.meta.dir;

/** The planted bugs, by name (the patch file's name without .patch). */
export const PLANTED_BUGS = ["ack-before-durable", "deposed-leader-read", "stale-replica-read"] as const;
export type PlantedBug = (typeof PLANTED_BUGS)[number];

export function patchPath(bug: PlantedBug): string {
  return join(PATCH_DIR, `${bug}.patch`);
}

export interface PatchedTree {
  /** undefined: no patch (a control build of HEAD, made the same way). */
  readonly bug: PlantedBug | undefined;
  readonly dir: string;
  readonly binary: string;
  remove(): void;
}

function run(argv: string[], cwd: string): string {
  const child = Bun.spawnSync(argv, { cwd, stdout: "pipe", stderr: "pipe" });
  if (child.exitCode !== 0) throw new Error(`${argv.join(" ")} failed in ${cwd}: ${child.stderr.toString().trim()}`);
  return child.stdout.toString();
}

/** Whether the patch applies cleanly to this repository's HEAD (a dry run in a fresh copy). */
export function checkPatch(bug: PlantedBug): void {
  const tree = copyHead(bug);
  try {
    run(["git", "apply", "--check", patchPath(bug)], tree);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

function copyHead(bug: PlantedBug | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), `tessera-planted-${bug ?? "control"}-`));
  const archive = Bun.spawnSync(["git", "archive", "--format=tar", "HEAD"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  if (archive.exitCode !== 0) throw new Error(`git archive HEAD failed: ${archive.stderr.toString().trim()}`);
  const untar = Bun.spawnSync(["tar", "-x", "-C", dir], { stdin: archive.stdout, stdout: "pipe", stderr: "pipe" });
  if (untar.exitCode !== 0) throw new Error(`unpacking HEAD failed: ${untar.stderr.toString().trim()}`);
  symlinkSync(realpathSync(join(REPO, "node_modules")), join(dir, "node_modules"));
  return dir;
}

/** Copies HEAD, applies `bug`'s patch (none for a control) and builds dist/tessera there. */
export function preparePatchedTree(bug: PlantedBug | undefined): PatchedTree {
  const dir = copyHead(bug);
  try {
    if (bug) run(["git", "apply", patchPath(bug)], dir);
    const started = performance.now();
    run([process.execPath, "run", "scripts/build.ts"], dir);
    const binary = join(dir, "dist", "tessera");
    if (!existsSync(binary)) throw new Error(`the build left no ${binary}`);
    console.error(`[planted] ${bug ?? "control (no patch)"}: copy built in ${Math.round(performance.now() - started)} ms at ${dir}`);
    return { bug, dir, binary, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
