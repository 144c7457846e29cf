// The architecture, checked (docs/architecture.md is the map this test keeps true). It reads
// every import of every file under src/ (type-only imports too: a type is part of the
// contract it comes from) and fails when an arrow points the wrong way, when a file outside
// the protocol folder reaches into another room's wire contract, when anything below cmd/
// prints for a terminal, when the Raft core touches I/O, or when src/ files import each other
// in a circle. The rules are the table below; a failure names the rule, the file and the import.
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Glob } from "bun";
import { describe, expect, test } from "vitest";

const ROOT = resolve(import.meta.dir, "..");
const SRC = join(ROOT, "src");

// --- the rules -------------------------------------------------------------------------------

/**
 * Rooms, bottom up: what each may import inside src/. A file belongs to the first room whose
 * prefix its path (relative to src/) starts with. `peer/` and `index.ts` wire everything
 * together, so they may import every room; nothing else imports them.
 */
const ROOMS: Array<{ room: string; mayImport: string[]; why: string }> = [
  { room: "util/", mayImport: ["util/"], why: "helpers every room uses; they know no room" },
  { room: "protocol/", mayImport: ["util/"], why: "the wire contract: clients, servers and gateways all import it, so it imports none of them" },
  { room: "net/", mayImport: ["util/", "protocol/"], why: "libp2p host, encryption, framing" },
  { room: "raft/", mayImport: ["util/", "protocol/", "net/"], why: "consensus: a pure core, its durable log and its transport" },
  { room: "membership/", mayImport: ["util/", "protocol/", "net/"], why: "heartbeats, failure detector, peer table" },
  { room: "chunk/", mayImport: ["util/", "protocol/", "net/"], why: "the chunk server: store and transfers" },
  { room: "master/", mayImport: ["util/", "protocol/", "net/", "raft/", "membership/", "master/"], why: "the replicated state and the leader's services; it never reaches into a chunk server's code" },
  { room: "job-module/", mayImport: ["util/", "protocol/"], why: "the job module format: the client bundles it, the worker loads it" },
  { room: "client/", mayImport: ["util/", "protocol/", "net/", "chunk/", "job-module/", "client/"], why: "a client of the cluster: metadata through the protocol, data straight to chunk servers" },
  { room: "compute/", mayImport: ["util/", "protocol/", "net/", "client/", "job-module/", "compute/"], why: "the worker: it reads and writes through the file system client like any client" },
  { room: "http/", mayImport: ["util/", "protocol/", "client/", "http/"], why: "admin HTTP: a client of the cluster" },
  { room: "gateway/", mayImport: ["util/", "protocol/", "client/", "gateway/"], why: "S3 and WebHDFS: clients of the cluster" },
  { room: "ufs/", mayImport: ["util/", "protocol/", "ufs/"], why: "under-storage: one interface, one implementation per scheme" },
  { room: "cache/", mayImport: ["util/", "protocol/", "net/", "chunk/", "client/", "ufs/", "cache/"], why: "cache tiers on each peer" },
  { room: "mount/", mayImport: ["util/", "protocol/", "client/", "mount/"], why: "the POSIX mount: a client of the cluster" },
  { room: "peer/", mayImport: ["*"], why: "the composition root: starts every role and wires them" },
  { room: "index.ts", mayImport: ["*"], why: "the embeddable API" },
];

/** The protocol folder describes the wire and does no I/O: no files, sockets, databases or libp2p. */
const IO_PACKAGES = /^(node:(fs|net|dgram|child_process|worker_threads|http|https)(\/|$)|bun:sqlite$|@libp2p\/|libp2p$|@chainsafe\/)/;

/** The Raft core is a pure state machine (STYLE.md §1): these files import no I/O and nothing outside themselves but util/assert. */
const RAFT_CORE = ["raft/core.ts", "raft/progress.ts", "raft/log.ts", "raft/conf.ts", "raft/config.ts", "raft/read-only.ts", "raft/storage.ts", "raft/types.ts", "raft/errors.ts"];
const RAFT_CORE_MAY_IMPORT = [...RAFT_CORE, "util/assert.ts"];
/** Nor do they read a clock or a random source: time and randomness come in from the driver. */
const RAFT_CORE_FORBIDDEN_CALLS = /\b(Date\.now|performance\.now|Math\.random|setTimeout|setInterval|crypto\.)\b/;

/** Printing for a terminal is cmd/'s job. The logger is the one writer below it (to stderr, as logs). */
const PRINTS = /\b(console\.(log|info|warn|error|debug|table)|process\.(stdout|stderr)\.write)\b/;
const MAY_PRINT = ["util/log.ts"];

// --- reading imports ----------------------------------------------------------------------------

interface ImportEdge {
  /** The specifier as written. */
  spec: string;
  /** For a relative import, the src/-relative path it resolves to (undefined outside src/). */
  target?: string;
  typeOnly: boolean;
}

// Import and re-export statements start a line in this code base (checked by the formatter's
// habits, and by the test below that every file's imports were found): comments and strings
// never start a line with `import` or `export ... from`.
const STATEMENT = /^(import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gms;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

export function importsOf(text: string, fileFromSrc: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    const edge: ImportEdge = { spec, typeOnly };
    if (spec.startsWith(".")) {
      const target = relative(SRC, resolve(dirname(join(SRC, fileFromSrc)), spec));
      if (!target.startsWith("..")) edge.target = target;
    }
    edges.push(edge);
  };
  for (const match of text.matchAll(STATEMENT)) {
    const spec = match[2] ?? match[3]!;
    add(spec, /^(import|export)\s+type\s/.test(match[0]));
  }
  for (const match of text.matchAll(DYNAMIC)) add(match[1]!, false);
  return edges;
}

function roomOf(fileFromSrc: string): string {
  const room = ROOMS.find((candidate) => fileFromSrc === candidate.room || fileFromSrc.startsWith(candidate.room));
  if (!room) throw new Error(`src/${fileFromSrc} is in no room of the table: add its folder to ROOMS (and docs/architecture.md)`);
  return room.room;
}

function mayImport(fromRoom: string, target: string): boolean {
  const rule = ROOMS.find((candidate) => candidate.room === fromRoom)!;
  return rule.mayImport.includes("*") || rule.mayImport.some((prefix) => target.startsWith(prefix)) || target.startsWith(fromRoom);
}

export interface Violation {
  rule: string;
  file: string;
  detail: string;
}

/** Every broken rule in a set of files (src/-relative path → text). */
export function checkArchitecture(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const room = roomOf(file);
    const edges = importsOf(text, file);
    graph.set(
      file,
      edges.flatMap((edge) => (edge.target !== undefined ? [edge.target] : [])),
    );
    for (const edge of edges) {
      if (edge.target !== undefined) {
        if (!files.has(edge.target)) violations.push({ rule: "imports resolve", file, detail: `${edge.spec} names no file under src/` });
        if (edge.target === "peer/" || edge.target.startsWith("peer/") || edge.target === "index.ts") {
          if (room !== "peer/" && room !== "index.ts") violations.push({ rule: "nothing imports the composition root", file, detail: edge.spec });
        } else if (!mayImport(room, edge.target)) {
          violations.push({ rule: `${room} may import only ${ROOMS.find((r) => r.room === room)!.mayImport.join(", ")}`, file, detail: `${edge.spec} (src/${edge.target})` });
        }
        if (edge.target.startsWith("protocol/pb/") && !file.startsWith("protocol/") && !/^protocol\/pb\/[a-z0-9-]+\.ts$/.test(edge.target)) {
          violations.push({ rule: "generated code is imported as protocol/pb/<name>.ts", file, detail: edge.spec });
        }
      } else if (edge.spec.startsWith(".")) {
        violations.push({ rule: "src/ imports nothing outside src/", file, detail: edge.spec });
      } else if (room === "protocol/" && IO_PACKAGES.test(edge.spec)) {
        violations.push({ rule: "protocol/ does no I/O", file, detail: edge.spec });
      }
    }
    if (RAFT_CORE.includes(file)) {
      for (const edge of edges) {
        const allowed = edge.target !== undefined && RAFT_CORE_MAY_IMPORT.includes(edge.target);
        if (!allowed) violations.push({ rule: "the Raft core imports no I/O and nothing outside itself but util/assert.ts", file, detail: edge.spec });
      }
      const code = stripComments(text);
      const call = RAFT_CORE_FORBIDDEN_CALLS.exec(code);
      if (call) violations.push({ rule: "the Raft core reads no clock and no random source", file, detail: call[0] });
    }
    if (!MAY_PRINT.includes(file)) {
      const print = PRINTS.exec(stripComments(text));
      if (print) violations.push({ rule: "nothing below cmd/ prints for a terminal", file, detail: print[0] });
    }
  }
  for (const cycle of cyclesOf(graph)) violations.push({ rule: "no import circles among src/ files", file: cycle[0]!, detail: [...cycle, cycle[0]].join(" → ") });
  return violations;
}

/** Comments removed (line and block), so a comment that mentions console.log is not a print. Strings are left as they are. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** The strongly connected components of more than one file, or a file importing itself (Tarjan). */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      for (;;) {
        const member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
        if (member === node) break;
      }
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

function readSrc(): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of new Glob("**/*.ts").scanSync(SRC)) files.set(path, readFileSync(join(SRC, path), "utf8"));
  return files;
}

// --- the tests ---------------------------------------------------------------------------------

describe("the architecture (docs/architecture.md)", () => {
  test("src/ keeps every rule of the table", () => {
    const violations = checkArchitecture(readSrc());
    expect(violations.map((v) => `${v.rule}: src/${v.file}: ${v.detail}`)).toEqual([]);
  });

  test("every import statement of src/ is seen by the reader (none hides where the reader does not look)", () => {
    // Bun's own scanner sees value imports; every one of them must be among ours.
    const transpiler = new Bun.Transpiler({ loader: "ts" });
    for (const [file, text] of readSrc()) {
      const ours = new Set(importsOf(text, file).map((edge) => edge.spec));
      for (const found of transpiler.scanImports(text)) expect({ file, spec: found.path, seen: ours.has(found.path) }).toEqual({ file, spec: found.path, seen: true });
    }
  });

  test("a planted violation fails: a client importing the master", () => {
    const files = readSrc();
    files.set("client/planted.ts", 'import type { Namespace } from "../master/state/namespace.ts";\n');
    expect(checkArchitecture(files)).toContainEqual({ rule: expect.stringMatching(/^client\/ may import only/), file: "client/planted.ts", detail: "../master/state/namespace.ts (src/master/state/namespace.ts)" });
  });

  test("a planted violation fails: the protocol folder importing a server", () => {
    const files = readSrc();
    files.set("protocol/planted.ts", 'import { ChunkLocations } from "../master/cluster/locations.ts";\n');
    expect(checkArchitecture(files).map((v) => v.file)).toContain("protocol/planted.ts");
  });

  test("a planted violation fails: the Raft core reading the clock or the disk", () => {
    const files = readSrc();
    files.set("raft/core.ts", `${files.get("raft/core.ts")}\nimport { readFileSync } from "node:fs";\nexport const t = Date.now();\n`);
    const rules = checkArchitecture(files).filter((v) => v.file === "raft/core.ts").map((v) => v.rule);
    expect(rules).toContain("the Raft core imports no I/O and nothing outside itself but util/assert.ts");
    expect(rules).toContain("the Raft core reads no clock and no random source");
  });

  test("a planted violation fails: printing below cmd/", () => {
    const files = readSrc();
    files.set("client/planted.ts", 'export function f() {\n  console.log("hello");\n}\n');
    expect(checkArchitecture(files)).toContainEqual({ rule: "nothing below cmd/ prints for a terminal", file: "client/planted.ts", detail: "console.log" });
  });

  test("a planted import circle fails, and names its files in order", () => {
    const files = readSrc();
    files.set("util/planted-a.ts", 'import { b } from "./planted-b.ts";\nexport const a = b;\n');
    files.set("util/planted-b.ts", 'import type { a } from "./planted-a.ts";\nexport const b = 1;\n');
    expect(checkArchitecture(files)).toContainEqual({ rule: "no import circles among src/ files", file: "util/planted-a.ts", detail: "util/planted-a.ts → util/planted-b.ts → util/planted-a.ts" });
  });

  test("a file in no room fails with the table to extend", () => {
    const files = readSrc();
    files.set("newroom/x.ts", "export const x = 1;\n");
    expect(() => checkArchitecture(files)).toThrow(/newroom\/x\.ts is in no room/);
  });
});
