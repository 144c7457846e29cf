// The path and key parsers: namespace paths (src/protocol/paths.ts), bucket names, S3 object
// keys mapped to paths (src/gateway/s3/names.ts), chunk ids and versions, job parameters and
// streaming commands, the wire enums' spellings, permission text and chmod modes, delegation
// tokens. Each takes any string: it answers, or refuses with its own error; what it accepts
// it accepts in one spelling only (normalizing twice changes nothing, a key's path maps back
// to the key).
import fc from "fast-check";
import { basename, compareNames, isValidPath, join, normalizePath, parent, segments, stagingIdOf, stagingPath, symlinkTargetProblem, validateName, PATH_BYTES_MAX } from "../../src/protocol/paths.ts";
import { InvalidChunkIdError, InvalidPathError, RequestError } from "../../src/protocol/errors.ts";
import { bucketNameProblem } from "../../src/protocol/bucket-names.ts";
import { checkBucketName, keyOfPath, objectPath } from "../../src/gateway/s3/names.ts";
import { S3Error } from "../../src/gateway/s3/errors.ts";
import { validateChunkId, validateChunkVersion } from "../../src/protocol/chunk-id.ts";
import { envNameOf, parseParamArg, taskTimeoutMs, validateParams, validateStreaming } from "../../src/protocol/job-params.ts";
import { INPUT_FORMAT, JOB_STATE, LOCALITY, TASK_KIND, TASK_STATE } from "../../src/protocol/job-names.ts";
import { applyChmod, ChmodSpecError, formatPermission, parseOctalPermission, permissionOctal, PERMISSION_MAX } from "../../src/protocol/permissions.ts";
import { decodeToken, decodeTokenRecord, encodeToken, InvalidTokenError } from "../../src/protocol/delegation-token.ts";
import type { FuzzTarget } from "./registry.ts";
import { onlyThrows } from "./support.ts";

/** Strings built from the pieces parsers trip on: separators, dots, escapes, NUL and controls, lone surrogates, astral characters. */
export const hostileText = fc.oneof(
  {
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom("/", "//", ".", "..", "%", "%2F", "%zz", "%00", "\0", "\u0085", "\u007f", "\ud800", "\udfff", "a", "é", "𝄞", "\u2028", " ", "+", "=", "&", ";", ",", ".tessera-s3", ".reserved", "-", "_", "xn--", "\r\n", "\\"),
          fc.string({ maxLength: 6, unit: "binary" }),
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join("")),
    weight: 6,
  },
  { arbitrary: fc.string({ maxLength: 40, unit: "grapheme-ascii" }), weight: 2 },
  { arbitrary: fc.tuple(fc.constantFrom("a", "/a", "é", "\ud800", "/"), fc.integer({ min: 200, max: 10_000 })).map(([piece, times]) => piece.repeat(times)), weight: 1 },
);

const isPathRefusal = (thrown: unknown) => thrown instanceof InvalidPathError;

const pathsTarget: FuzzTarget = {
  name: "protocol/paths",
  suiteRuns: 3_000,
  property: () =>
    fc.property(hostileText, hostileText, (text, name) => {
      const path = text.startsWith("/") ? text : `/${text}`;
      const normal = onlyThrows("normalizePath", () => normalizePath(path), isPathRefusal);
      if (isValidPath(path) !== (normal !== undefined)) throw new Error("isValidPath disagrees with normalizePath");
      if (normal !== undefined) {
        if (normalizePath(normal) !== normal) throw new Error(`normalizePath is not idempotent on ${JSON.stringify(normal)}`);
        if (Buffer.byteLength(normal) > PATH_BYTES_MAX) throw new Error("a normalized path is over its bound");
        // A path is its parent joined with its name.
        const up = parent(normal);
        if (up !== undefined && join(up, basename(normal)) !== normal) throw new Error(`parent/basename/join do not compose on ${JSON.stringify(normal)}`);
        if (segments(normal).join("/") !== normal.slice(1)) throw new Error("segments do not spell the path");
        const joined = onlyThrows("join", () => join(normal, name), isPathRefusal);
        if (joined !== undefined && (parent(joined) !== normal || basename(joined) !== name)) throw new Error("join let a name escape its folder");
      }
      onlyThrows("validateName", () => validateName(name), isPathRefusal);
      symlinkTargetProblem(text);
      const id = stagingIdOf(normal ?? path);
      if (id !== undefined && stagingPath(id) !== normal) throw new Error("a staging id does not spell its path");
      // compareNames is an order: antisymmetric, and zero only for the same name.
      const ab = compareNames(text, name);
      const ba = compareNames(name, text);
      if (Math.sign(ab) !== -Math.sign(ba) || (ab === 0) !== (text === name)) throw new Error("compareNames is not an order");
    }) as unknown as fc.IProperty<never>,
};

const isS3Refusal = (thrown: unknown) => thrown instanceof S3Error;

const namesTarget: FuzzTarget = {
  name: "s3/bucket-and-key-names",
  suiteRuns: 3_000,
  property: () =>
    fc.property(fc.oneof(hostileText, fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)), hostileText, (bucket, key) => {
      const problem = bucketNameProblem(bucket);
      const refused = onlyThrows("checkBucketName", () => (checkBucketName(bucket), true), isS3Refusal);
      if ((problem === undefined) !== (refused === true)) throw new Error("checkBucketName disagrees with bucketNameProblem");
      if (problem === undefined && !isValidPath(`/${bucket}`)) throw new Error(`the bucket ${JSON.stringify(bucket)} is not a folder name`);
      if (problem !== undefined) return;
      const mapped = onlyThrows("objectPath", () => objectPath(bucket, key), isS3Refusal);
      if (mapped === undefined) return;
      // A key the gateway takes is a path of the namespace under its bucket, and maps back to itself.
      if (normalizePath(mapped.path) !== mapped.path) throw new Error(`the key ${JSON.stringify(key)} maps to a path that is not normal`);
      if (parent(mapped.path) === undefined || !mapped.path.startsWith(`/${bucket}/`)) throw new Error("a key escaped its bucket");
      if (keyOfPath(bucket, mapped.path, mapped.folderMarker) !== key) throw new Error(`the key ${JSON.stringify(key)} does not map back to itself`);
    }) as unknown as fc.IProperty<never>,
};

const chunkIdsTarget: FuzzTarget = {
  name: "protocol/chunk-ids",
  suiteRuns: 3_000,
  property: () =>
    fc.property(fc.oneof(hostileText, fc.stringMatching(/^[0-9a-fA-F]{14,18}$/), fc.anything()), fc.oneof(fc.double(), fc.integer(), fc.anything()), (id, version) => {
      const valid = onlyThrows("validateChunkId", () => validateChunkId(id), (t) => t instanceof InvalidChunkIdError);
      if (valid !== undefined && !/^[0-9a-f]{16}$/.test(valid)) throw new Error(`accepted the chunk id ${JSON.stringify(valid)}`);
      const v = onlyThrows("validateChunkVersion", () => validateChunkVersion(version), (t) => t instanceof InvalidChunkIdError);
      if (v !== undefined && !Number.isSafeInteger(v)) throw new Error(`accepted the chunk version ${String(v)}`);
    }) as unknown as fc.IProperty<never>,
};

const isRequestRefusal = (thrown: unknown) => thrown instanceof RequestError;

const jobParamsTarget: FuzzTarget = {
  name: "protocol/job-params",
  suiteRuns: 2_000,
  property: () =>
    fc.property(
      fc.array(fc.oneof(hostileText, fc.constantFrom("mapreduce.task.timeout=", "mapreduce.task.timeout=0", "mapreduce.task.timeout=86400000", "mapreduce.task.timeout=99999999999", "a=b", "=x", "_k.v-1=")), { maxLength: 8 }),
      fc.record({ mapper: hostileText, reducer: hostileText, combiner: hostileText }),
      (args, commands) => {
        const params = args.map((arg) => onlyThrows("parseParamArg", () => parseParamArg(arg), isRequestRefusal)).filter((p) => p !== undefined);
        const checked = onlyThrows("validateParams", () => validateParams(params), isRequestRefusal);
        if (checked !== undefined) {
          const timeoutMs = taskTimeoutMs(checked);
          if (!(timeoutMs >= 1 && timeoutMs <= 86_400_000)) throw new Error(`a task timeout of ${timeoutMs} ms passed validation`);
          for (const { key } of checked) if (!/^[A-Za-z0-9_]*$/.test(envNameOf(key))) throw new Error("an environment name holds a character a shell cannot");
        }
        onlyThrows("validateStreaming", () => validateStreaming(commands as never), isRequestRefusal);
      },
    ) as unknown as fc.IProperty<never>,
};

const SPELLINGS = [JOB_STATE, TASK_STATE, TASK_KIND, LOCALITY, INPUT_FORMAT] as const;

const spellingTarget: FuzzTarget = {
  name: "protocol/spelling",
  suiteRuns: 2_000,
  property: () =>
    fc.property(fc.nat({ max: SPELLINGS.length - 1 }), fc.oneof(hostileText, fc.constantFrom("running", "map", "node", "lines", "constructor", "__proto__", "toString", "hasOwnProperty")), (index, text) => {
      const spelling = SPELLINGS[index]! as unknown as { parse(t: string): string | undefined; view(w: string): string; show(w: string): string; wire(v: string): string };
      const wire = spelling.parse(text);
      // A spelling that parses is the view of its wire value, both ways.
      if (wire !== undefined && (spelling.view(wire) !== text || spelling.wire(text) !== wire)) throw new Error(`${JSON.stringify(text)} does not read back`);
      if (wire === undefined) {
        onlyThrows("Spelling.view", () => spelling.view(text), (t) => t instanceof RangeError);
        onlyThrows("Spelling.wire", () => spelling.wire(text), (t) => t instanceof RangeError);
        if (typeof spelling.show(text) !== "string") throw new Error("show gave no text");
      }
    }) as unknown as fc.IProperty<never>,
};

const permissionsTarget: FuzzTarget = {
  name: "protocol/permissions",
  suiteRuns: 3_000,
  property: () =>
    fc.property(fc.oneof(hostileText, fc.stringMatching(/^[ugoa]*[-+=][rwxXt]*(,[ugoa]*[-+=][rwxXt]*)*$/), fc.stringMatching(/^[0-7]{1,5}$/)), fc.nat({ max: PERMISSION_MAX }), fc.constantFrom("file", "dir", "symlink") as fc.Arbitrary<"file" | "dir" | "symlink">, (text, current, kind) => {
      const bits = parseOctalPermission(text);
      if (bits !== undefined && (bits < 0 || bits > PERMISSION_MAX || parseOctalPermission(permissionOctal(bits)) !== bits)) throw new Error(`octal ${text} read as ${bits}`);
      const after = onlyThrows("applyChmod", () => applyChmod(text, current, kind), (t) => t instanceof ChmodSpecError);
      if (after !== undefined && !(Number.isInteger(after) && after >= 0 && after <= PERMISSION_MAX)) throw new Error(`chmod ${text} gave ${after}`);
      if (formatPermission(kind, current).length !== 10) throw new Error("a permission's text is not ten characters");
    }) as unknown as fc.IProperty<never>,
};

const TOKEN_KEY = new Uint8Array(32).fill(7);

const tokensTarget: FuzzTarget = {
  name: "protocol/delegation-tokens",
  suiteRuns: 2_000,
  property: () =>
    fc.property(
      fc.record({ id: fc.stringMatching(/^[0-9a-f]{16,32}$/), user: fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/), renewer: fc.constantFrom("", "yarn"), issueMs: fc.nat({ max: 2 ** 45 }), maxDateMs: fc.nat({ max: 2 ** 45 }) }),
      fc.oneof(hostileText.map((text) => ({ text, edit: undefined })), fc.tuple(fc.nat(), fc.string({ maxLength: 3 })).map(([at, insert]) => ({ text: undefined, edit: { at, insert } }))),
      fc.uint8Array({ maxLength: 1_200 }),
      (identifier, hostile, recordBytes) => {
        const token = encodeToken({ ...identifier, maxDateMs: identifier.issueMs + identifier.maxDateMs }, TOKEN_KEY);
        const text = hostile.text ?? `${token.slice(0, hostile.edit!.at % (token.length + 1))}${hostile.edit!.insert}${token.slice(hostile.edit!.at % (token.length + 1))}`;
        const decoded = onlyThrows("decodeToken", () => decodeToken(text, TOKEN_KEY), (t) => t instanceof InvalidTokenError);
        // Only the token the key signed decodes (an edit that changes nothing is the same token).
        if (decoded !== undefined && text !== token && decodeToken(token, TOKEN_KEY).id !== decoded.id) throw new Error("an edited token decoded as another");
        if (decodeToken(token, TOKEN_KEY).user !== identifier.user) throw new Error("a token does not decode to what was signed");
        decodeTokenRecord(recordBytes);
        decodeTokenRecord(new TextEncoder().encode(text));
      },
    ) as unknown as fc.IProperty<never>,
};

export const PARSER_TARGETS: FuzzTarget[] = [pathsTarget, namesTarget, chunkIdsTarget, jobParamsTarget, spellingTarget, permissionsTarget, tokensTarget];
