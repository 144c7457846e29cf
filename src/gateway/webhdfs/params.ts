// A WebHDFS request's path and parameters, parsed and bounded (pure). Hadoop reads parameter
// names case-insensitively (its ParamFilter lower-cases them) and the op's value too, so
// `op=liststatus` (the npm client's spelling) is LISTSTATUS.
import { normalizePath, ROOT_PATH } from "../../protocol/paths.ts";
import { WebHdfsError } from "./errors.ts";
import { parseOctalPermission, PERMISSION_MAX } from "../../protocol/permissions.ts";

/** Where the REST API lives on the admin HTTP port. */
export const WEBHDFS_PATH_PREFIX = "/webhdfs/v1";
/** The largest query string parsed (a CONCAT's sources are the longest: a few hundred paths). */
export const QUERY_CHARS_MAX = 64 * 1024;
/** The parameter that marks a data request (the URL a redirect pointed at). */
export const DATA_PARAM = "data";

/** The file-system path a request URL's path names ("/webhdfs/v1/a/b" is "/a/b"). */
export function pathOfUrl(pathname: string): string {
  if (pathname !== WEBHDFS_PATH_PREFIX && !pathname.startsWith(`${WEBHDFS_PATH_PREFIX}/`)) {
    throw WebHdfsError.illegalArgument(`A WebHDFS path starts with ${WEBHDFS_PATH_PREFIX}/, not ${JSON.stringify(pathname.slice(0, 80))}.`);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname.slice(WEBHDFS_PATH_PREFIX.length));
  } catch {
    throw WebHdfsError.illegalArgument("The path has a malformed %-escape.");
  }
  // Hadoop's Path collapses repeated slashes; "." and ".." it refuses, and so does this.
  const collapsed = `/${decoded.split("/").filter((name) => name !== "").join("/")}`;
  if (collapsed.split("/").some((name) => name === "." || name === "..")) throw WebHdfsError.illegalArgument(`Invalid path ${JSON.stringify(decoded.slice(0, 80))}: "." and ".." are not names.`);
  try {
    return normalizePath(collapsed);
  } catch (err) {
    throw WebHdfsError.illegalArgument((err as Error).message);
  }
}

/** The query's parameters with their names lower-cased (Hadoop's rule); the op upper-cased. */
export function queryParams(search: string): { op: string; params: URLSearchParams } {
  const query = search.startsWith("?") ? search.slice(1) : search;
  if (query.length > QUERY_CHARS_MAX) throw WebHdfsError.illegalArgument(`The query is longer than ${QUERY_CHARS_MAX} characters.`);
  const params = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(query)) params.append(name.toLowerCase(), value);
  const op = (params.get("op") ?? "").toUpperCase();
  if (op === "") throw WebHdfsError.illegalArgument('Invalid value for webhdfs parameter "op": no op given.');
  return { op, params };
}

function invalid(name: string, value: string, why: string): WebHdfsError {
  return WebHdfsError.illegalArgument(`Invalid value for webhdfs parameter "${name}": ${JSON.stringify(value.slice(0, 80))} ${why}.`);
}

/** A true/false parameter (any case); absent or empty: `fallback`. */
export function booleanParam(params: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = params.get(name);
  if (value === null || value === "") return fallback;
  const lower = value.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw invalid(name, value, "is not true or false");
}

/** A whole-number parameter within [min, max]; absent or empty: `fallback` (undefined: absent stays absent). */
export function integerParam(params: URLSearchParams, name: string, bounds: { min: number; max: number }): number | undefined;
export function integerParam(params: URLSearchParams, name: string, bounds: { min: number; max: number }, fallback: number): number;
export function integerParam(params: URLSearchParams, name: string, bounds: { min: number; max: number }, fallback?: number): number | undefined {
  const value = params.get(name);
  if (value === null || value === "") return fallback;
  if (!/^-?\d{1,16}$/.test(value)) throw invalid(name, value, "is not a whole number");
  const number = Number(value);
  if (number < bounds.min) throw invalid(name, value, `is below ${bounds.min}`);
  if (number > bounds.max) throw invalid(name, value, `is above ${bounds.max}`);
  return number;
}

/** The largest permission WebHDFS sets: rwx for all and the sticky bit. */

/** Octal permission text as WebHDFS sends it ("755", "0644", "1777"); absent or empty: undefined. */
export function permissionParam(params: URLSearchParams, name = "permission"): number | undefined {
  const value = params.get(name);
  if (value === null || value === "") return undefined;
  const bits = parseOctalPermission(value);
  if (bits === undefined) throw invalid(name, value, `is not an octal permission in 0..${PERMISSION_MAX.toString(8)} such as 755`);
  return bits;
}

/** A path parameter (destination, a CONCAT source), normalized; relative ones are refused as Hadoop does. */
export function pathParam(value: string, name: string): string {
  if (!value.startsWith("/")) throw invalid(name, value, "is not an absolute path");
  // encodeURIComponent below throws a URIError on a lone surrogate (found by test/fuzz).
  if (/\p{Cs}/u.test(value)) throw invalid(name, value, "is not valid Unicode (a lone surrogate)");
  return pathOfUrl(`${WEBHDFS_PATH_PREFIX}${value.split("/").map(encodeURIComponent).join("/")}`);
}

/** The name of an entry of a folder ("" for the root). */
export function nameOf(path: string): string {
  return path === ROOT_PATH ? "" : path.slice(path.lastIndexOf("/") + 1);
}

/** A path as the URL path of a WebHDFS request ("/a b" is "/webhdfs/v1/a%20b"). */
export function urlPathOf(path: string): string {
  return `${WEBHDFS_PATH_PREFIX}${path === ROOT_PATH ? "/" : path.split("/").map(encodeURIComponent).join("/")}`;
}
