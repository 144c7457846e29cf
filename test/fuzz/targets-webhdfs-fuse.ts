// The WebHDFS request parsers (src/gateway/webhdfs/params.ts: the URL's path, the query and its
// typed parameters) and the FUSE request decoder (src/mount/fuse/wire.ts; test/mount/fuse-wire.test.ts
// has its own properties, registered here too so the long run covers it). A WebHDFS parser
// answers or refuses with WebHdfsError, and a path it answers is a normal namespace path that
// spells its URL back; the FUSE decoder answers or throws FuseWireError, and a request it
// encodes decodes to itself.
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { booleanParam, integerParam, pathOfUrl, pathParam, permissionParam, queryParams, urlPathOf, WEBHDFS_PATH_PREFIX } from "../../src/gateway/webhdfs/params.ts";
import { WebHdfsError } from "../../src/gateway/webhdfs/errors.ts";
import { normalizePath } from "../../src/protocol/paths.ts";
import { decodeRequest, encodeRequest, FuseWireError, IN_HEADER_BYTES, type RequestBody } from "../../src/mount/fuse/wire.ts";
import type { FuzzTarget } from "./registry.ts";
import { mutateAll, mutations, onlyThrows } from "./support.ts";
import { hostileText } from "./targets-parsers.ts";

/** %-escaped as a client would; a lone surrogate (which no client can escape) goes raw. */
function escape(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

const isWebHdfsRefusal = (thrown: unknown) => thrown instanceof WebHdfsError;

const webhdfsTarget: FuzzTarget = {
  name: "webhdfs/params",
  suiteRuns: 3_000,
  property: () =>
    fc.property(
      hostileText,
      fc.array(fc.tuple(fc.oneof(fc.constantFrom("op", "OP", "Op", "permission", "recursive", "overwrite", "offset", "length", "buffersize", "destination", "sources", "user.name"), hostileText), fc.oneof(fc.constantFrom("LISTSTATUS", "liststatus", "true", "FALSE", "755", "01777", "2000", "-1", "99999999999999999", "0x10", "1e3", ""), hostileText)), { maxLength: 6 }),
      (path, pairs) => {
        const url = `${WEBHDFS_PATH_PREFIX}${path.startsWith("/") ? "" : "/"}${path}`;
        const fsPath = onlyThrows("pathOfUrl", () => pathOfUrl(url), isWebHdfsRefusal);
        if (fsPath !== undefined) {
          if (normalizePath(fsPath) !== fsPath) throw new Error(`${url} read as a path that is not normal`);
          if (pathOfUrl(urlPathOf(fsPath)) !== fsPath) throw new Error(`${fsPath} does not survive its own URL`);
        }
        onlyThrows("pathOfUrl (any URL path)", () => pathOfUrl(path), isWebHdfsRefusal);
        onlyThrows("pathParam", () => pathParam(path, "destination"), isWebHdfsRefusal);
        const search = `?${pairs.map(([n, v]) => `${escape(n)}=${escape(v)}`).join("&")}`;
        for (const query of [search, search.replace(/%3D/g, "=").replace(/%26/g, "&"), path]) {
          const parsed = onlyThrows("queryParams", () => queryParams(query), isWebHdfsRefusal);
          if (parsed === undefined) continue;
          if (parsed.op !== parsed.op.toUpperCase() || parsed.op === "") throw new Error("an op is not upper case");
          onlyThrows("booleanParam", () => booleanParam(parsed.params, "recursive", false), isWebHdfsRefusal);
          const offset = onlyThrows("integerParam", () => integerParam(parsed.params, "offset", { min: 0, max: 2 ** 53 - 1 }), isWebHdfsRefusal);
          if (offset !== undefined && !(Number.isSafeInteger(offset) && offset >= 0)) throw new Error(`offset read as ${offset}`);
          const bits = onlyThrows("permissionParam", () => permissionParam(parsed.params), isWebHdfsRefusal);
          if (bits !== undefined && !(bits >= 0 && bits <= 0o1777)) throw new Error(`permission read as ${bits}`);
        }
      },
    ) as unknown as fc.IProperty<never>,
};

// --- FUSE ---------------------------------------------------------------------------------------

const n32 = fc.nat({ max: 0xffffffff });
const n53 = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const fuseName = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes("\0"));
const fuseBody: fc.Arbitrary<RequestBody> = fc.oneof(
  fuseName.map((name) => ({ op: "lookup", name }) as RequestBody),
  n53.map((lookups) => ({ op: "forget", lookups }) as RequestBody),
  fc.array(fc.record({ nodeId: n53, lookups: n53 }), { maxLength: 5 }).map((forgets) => ({ op: "batch_forget", forgets }) as RequestBody),
  fc.option(n53, { nil: undefined }).map((fh) => ({ op: "getattr", fh }) as RequestBody),
  fc.record({ name: fuseName, target: fuseName }).map((b) => ({ op: "symlink", ...b }) as RequestBody),
  fc.record({ name: fuseName, mode: n32, umask: n32 }).map((b) => ({ op: "mkdir", ...b }) as RequestBody),
  fc.record({ name: fuseName, newParent: n53, newName: fuseName, flags: n32 }).map((b) => ({ op: "rename", ...b }) as RequestBody),
  fc.record({ fh: n53, offsetBytes: n53, sizeBytes: n32, flags: n32 }).map((b) => ({ op: "read", ...b }) as RequestBody),
  fc.record({ fh: n53, offsetBytes: n53, data: fc.uint8Array({ maxLength: 300 }), writeFlags: n32, flags: n32 }).map((b) => ({ op: "write", ...b }) as RequestBody),
  fc.record({ fh: n53, cookie: n53, sizeBytes: n32, plus: fc.boolean() }).map((b) => ({ op: "readdir", ...b }) as RequestBody),
  fc.record({ name: fuseName, value: fc.uint8Array({ maxLength: 100 }), flags: n32 }).map((b) => ({ op: "setxattr", ...b }) as RequestBody),
  fc.record({ name: fuseName, sizeBytes: n32 }).map((b) => ({ op: "getxattr", ...b }) as RequestBody),
  fc.record({ name: fuseName, flags: n32, mode: n32, umask: n32 }).map((b) => ({ op: "create", ...b }) as RequestBody),
  n53.map((interruptedUnique) => ({ op: "interrupt", interruptedUnique }) as RequestBody),
  fc.constantFrom<RequestBody>({ op: "statfs" }, { op: "readlink" }, { op: "destroy" }),
);
const fuseHeader = fc.record({ unique: n53, nodeId: n53, uid: n32, gid: n32, pid: n32 });

const fuseTarget: FuzzTarget = {
  name: "mount/fuse-decoder",
  suiteRuns: 3_000,
  property: () =>
    fc.property(fuseHeader, fuseBody, fc.option(fc.oneof(mutations, fc.uint8Array({ maxLength: 300 }).map((bytes) => [{ kind: "append" as const, at: 0, value: 0, bytes }])), { nil: undefined }), fc.boolean(), (header, body, edits, fixLength) => {
      const valid = encodeRequest(header, body);
      if (edits === undefined) {
        const decoded = decodeRequest(valid);
        const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? [...v] : v)));
        if (!isDeepStrictEqual(plain(decoded.body), plain(body))) throw new Error(`a ${body.op} request changed through encode → decode`);
        return;
      }
      const bytes = Uint8Array.from(mutateAll(valid, edits));
      // Half the cases keep the length field true to the bytes, so the body's own checks are reached.
      if (fixLength && bytes.byteLength >= IN_HEADER_BYTES) new DataView(bytes.buffer).setUint32(0, bytes.byteLength, true);
      onlyThrows("decodeRequest", () => decodeRequest(bytes), (thrown) => thrown instanceof FuseWireError);
    }) as unknown as fc.IProperty<never>,
};

export const WEBHDFS_TARGETS: FuzzTarget[] = [webhdfsTarget];
export const FUSE_TARGETS: FuzzTarget[] = [fuseTarget];
