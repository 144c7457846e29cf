// Regenerates the TypeScript of every wire schema, src/protocol/pb/*.proto → *.ts, with the
// pinned protons compiler; `--check` regenerates into a scratch folder and fails when any
// committed file differs from what this script writes (CI runs it, so a hand edit of
// generated code, or a .proto changed without regenerating, cannot land).
//
//   bun run scripts/proto.ts            write the generated files
//   bun run scripts/proto.ts --check    compare only; exit 1 naming the files that differ
//
// Two changes to what protons emits, both checked by `--check` like the rest:
//  - its streaming decoders (`stream()`, a generator and an event type per field path) are
//    left out: nothing in Tessera decodes a message field by field, and for a schema with
//    nested answers they were half of the code (meta.ts: 14,700 lines with them, 8,200 without);
//  - protons compiles one .proto at a time: for a schema that imports another (`import
// "jobs.proto";`) it emits the imported messages and enums a second time, in the importing
// file. Two copies of an enum are two distinct TypeScript types, so this script removes the
// copies and imports the originals instead.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { generate } from "protons";

const PB_DIR = resolve(import.meta.dir, "..", "src", "protocol", "pb");
const check = process.argv.includes("--check");
const protonsVersion = (JSON.parse(readFileSync(resolve(import.meta.dir, "..", "node_modules", "protons", "package.json"), "utf8")) as { version: string }).version;

/** Top-level message and enum names a schema defines: what another schema can import from it. */
function topLevelNames(protoText: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const line of protoText.replace(/\/\/.*$/gm, "").split("\n")) {
    const match = depth === 0 ? /^\s*(message|enum)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(line) : null;
    if (match) names.push(match[2]!);
    for (const char of line) {
      if (char === "{") depth += 1;
      else if (char === "}") depth -= 1;
    }
  }
  return names;
}

function importsOf(protoText: string): string[] {
  return [...protoText.matchAll(/^\s*import\s+"([^"]+)\.proto";/gm)].map((match) => match[1]!);
}

/**
 * The generated code without the exported top-level definitions of `names` (an interface, a
 * namespace, an enum). An enum's hidden value table (`enum __NameValues`) stays: the encoders
 * of this file read it. Generated code puts every top-level block's closing brace alone at
 * the start of a line, which is what this relies on.
 */
function withoutDefinitions(code: string, names: readonly string[]): string {
  const starts = new RegExp(`^export (interface|namespace|enum) (${names.join("|")}) `);
  const out: string[] = [];
  let skipping = false;
  for (const line of code.split("\n")) {
    if (!skipping && names.length > 0 && starts.test(line)) {
      // A one-line block (`export interface Done {}`) ends where it starts.
      skipping = !line.trimEnd().endsWith("{}");
      continue;
    }
    if (skipping) {
      if (line === "}") skipping = false;
      continue;
    }
    out.push(line);
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n");
}

/** The generated code without protons' streaming decoders (see the header of this file). */
function withoutStreaming(code: string): string {
  const lines = code.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const generator = /^(\s*)\}, function \* \(reader, length, prefix, opts = \{\}\) \{$/.exec(line);
    const block = /^(\s*)export (function stream \(|interface \w+FieldEvent \{)/.exec(line);
    if (!generator && !block) {
      out.push(line);
      continue;
    }
    const indent = (generator ?? block)![1]!;
    const end = generator ? `${indent}})` : `${indent}}`;
    while (i < lines.length && lines[i] !== end) i += 1;
    if (i >= lines.length) throw new Error(`no end of a streaming block that starts with: ${line.trim()}`);
    if (generator) out.push(`${indent}}, streamingNotGenerated)`);
  }
  let result = out.join("\n").replace(/\n{3,}/g, "\n\n");
  result = result.replace(/^(import \{[^}]*)\bstreamMessage, ([^}]*\} from 'protons-runtime')$/m, "$1$2").replace(/^(import \{[^}]*), streamMessage (\} from 'protons-runtime')$/m, "$1 $2");
  if (result.includes("streamingNotGenerated)")) {
    const afterImports = result.search(/^(?!import ).*$/m);
    result =
      result.slice(0, afterImports) +
      "\n// Streaming decoders are not generated (scripts/proto.ts): nothing decodes a message field by field.\nconst streamingNotGenerated = function * (): Generator<never> {\n  throw new Error('streaming decode is not generated for Tessera\\'s schemas (scripts/proto.ts)')\n}\n" +
      result.slice(afterImports);
  }
  return result;
}

/**
 * The generated code calling src/protocol/wire-runtime.ts's helpers where protons-runtime's
 * cost the most per message (that file says what was measured): encodeMessage, the decoding
 * of strings, and the empty default of a bytes field; the skipping of unknown fields, whose
 * recursion through nested groups protons does not bound (wire-runtime.ts, skipUnknown); and
 * the writing of bigint uint64 fields, which protons gets wrong in [2^31, 2^32) (writeUint64);
 * and the reading of number uint64 fields, where protons mis-steps on non-minimal varints
 * (readUint64Number).
 */
function withFastPaths(code: string): string {
  let result = code
    .replace(/reader\.string\(\)/g, "utf8Of(reader.bytes())")
    .replace(/uint8ArrayAlloc\(0\)/g, "new Uint8Array(0)")
    .replace(/reader\.skipType\(/g, "skipUnknown(reader, ")
    .replace(/\bw\.uint64\(/g, "writeUint64(w, ")
    .replace(/reader\.uint64Number\(\)/g, "readUint64Number(reader)");
  if (/uint8ArrayAlloc/.test(result.replace(/^import .*$/gm, ""))) throw new Error("the generated code allocates other than an empty bytes default; look at scripts/proto.ts withFastPaths");
  result = result.replace(/^import \{ alloc as uint8ArrayAlloc \} from 'uint8arrays\/alloc'\n/m, "");
  const runtimeImport = /^import \{([^}]*)\} from 'protons-runtime'$/m.exec(result);
  if (!runtimeImport) throw new Error("the generated code does not import protons-runtime as scripts/proto.ts expects");
  const names = runtimeImport[1]!.split(",").map((name) => name.trim()).filter(Boolean);
  // Every schema encodes its messages; only those with a string field decode text.
  const ours = ["encodeMessage", ...["readUint64Number", "skipUnknown", "utf8Of", "writeUint64"].filter((name) => result.includes(`${name}(`))];
  const theirs = names.filter((name) => name !== "encodeMessage");
  result = result.replace(runtimeImport[0], `import { ${theirs.join(", ")} } from 'protons-runtime'\nimport { ${ours.join(", ")} } from '../wire-runtime.ts'`);
  return result;
}

function banner(name: string): string {
  return `// Generated by \`npm run proto\` from ${name}.proto with protons ${protonsVersion}: do not edit; change the .proto and regenerate.\n`;
}

async function generateAll(outDir: string): Promise<Map<string, string>> {
  const protos = readdirSync(PB_DIR).filter((file) => file.endsWith(".proto")).sort();
  const texts = new Map(protos.map((file) => [basename(file, ".proto"), readFileSync(join(PB_DIR, file), "utf8")]));
  const outputs = new Map<string, string>();
  for (const [name, text] of texts) {
    await generate(join(PB_DIR, `${name}.proto`), { output: outDir, path: [PB_DIR] });
    let code = readFileSync(join(outDir, `${name}.ts`), "utf8");
    const importLines = importsOf(text).map((dependency) => {
      const dependencyText = texts.get(dependency);
      if (dependencyText === undefined) throw new Error(`${name}.proto imports ${dependency}.proto, which is not in ${PB_DIR}`);
      const names = topLevelNames(dependencyText);
      code = withoutDefinitions(code, names);
      const used = names.filter((symbol) => new RegExp(`\\b${symbol}\\b`).test(code));
      return used.length > 0 ? `import { ${used.join(", ")} } from './${dependency}.ts'\n` : "";
    });
    code = withFastPaths(withoutStreaming(code));
    const firstNonImport = code.search(/^(?!import ).*$/m);
    code = banner(name) + code.slice(0, firstNonImport) + importLines.join("") + code.slice(firstNonImport);
    outputs.set(`${name}.ts`, code);
  }
  return outputs;
}

const scratch = mkdtempSync(join(tmpdir(), "tessera-proto-"));
try {
  const outputs = await generateAll(scratch);
  const differing: string[] = [];
  for (const [file, code] of outputs) {
    const target = join(PB_DIR, file);
    const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
    if (current === code) continue;
    differing.push(file);
    if (!check) writeFileSync(target, code);
  }
  // A generated file whose .proto is gone is stale.
  const stale = readdirSync(PB_DIR).filter((file) => file.endsWith(".ts") && !outputs.has(file));
  if (check) {
    if (differing.length > 0 || stale.length > 0) {
      console.error(`generated code is out of date: ${[...differing, ...stale.map((file) => `${file} (no .proto)`)].join(", ")}; run \`npm run proto\` and commit the result`);
      process.exit(1);
    }
    console.error(`generated code is up to date (${outputs.size} schemas, protons ${protonsVersion})`);
  } else {
    for (const file of stale) rmSync(join(PB_DIR, file));
    console.error(`generated ${outputs.size} schemas with protons ${protonsVersion}${differing.length > 0 ? `; changed: ${differing.join(", ")}` : "; nothing changed"}${stale.length > 0 ? `; removed: ${stale.join(", ")}` : ""}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
