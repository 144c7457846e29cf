// WebHDFS's operations: a table from the op's name to its HTTP method and handler, so ops can
// be added by name (the delegation-token ops of auth's token-ops.ts plug in as they are:
// `{ method, run(fs, params) }`). A handler gets the file-system client acting as the request's
// user, the parameters (names lower-cased), and the call's context; it answers a Response or
// throws (errors.ts turns any failure into Hadoop's RemoteException).
//
// OPEN, CREATE, APPEND and GETFILECHECKSUM answer with a redirect to a peer's data endpoint
// (DATA_OPS, data.ts): the same path and op with `data=true` and a signature.
import { randomUUID } from "node:crypto";
import type { FileSystemClient, StatView } from "../../client/fs.ts";
import { codeOf } from "../../protocol/errors.ts";
import { CHUNK_SIZE_BYTES_MAX, CONCAT_SOURCES_MAX, REPLICATION_DEFAULT, REPLICATION_MAX } from "../../protocol/limits.ts";
import { parent, ROOT_PATH } from "../../protocol/paths.ts";
import type { Logger } from "../../util/log.ts";
import type { WebHdfsAuth } from "./auth.ts";
import { WebHdfsError } from "./errors.ts";
import { blockLocationsJson, booleanJson, ContentSummary, directoryListingJson, fileStatusJson, pathJson, type FileStatusJson } from "./json.ts";
import { booleanParam, DATA_PARAM, integerParam, nameOf, pathParam, permissionParam, urlPathOf } from "./params.ts";
import { readerPeer, writerPeer, type LivePeer, type WebHdfsPeers } from "./placement.ts";

export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE";

/** What a handler may need beyond its client and parameters. */
export interface OpCall {
  op: string;
  /** The file-system path the URL names (normalized). */
  path: string;
  user: string;
  request: Request;
  /** The client's address as the admin HTTP thread saw it ("" when unknown). */
  clientHost: string;
  server: WebHdfsContext;
}

/** The server's parts a handler uses. */
export interface WebHdfsContext {
  peers: WebHdfsPeers;
  auth: Pick<WebHdfsAuth, "signRedirect">;
  log: Logger;
  random: () => number;
}

export interface OpSpec {
  method: HttpMethod;
  run(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response>;
}

/** Entries of a LISTSTATUS_BATCH page: HDFS's dfs.ls.limit default. */
export const LIST_BATCH_ENTRIES = 1_000;
/** GETFILEBLOCKLOCATIONS' and OPEN's `length` bound: Java's Long.MAX_VALUE is what clients send for "all". */
const LENGTH_MAX = Number.MAX_SAFE_INTEGER;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Hadoop's empty 200 (SETOWNER, SETPERMISSION, SETTIMES, RENAME with options). */
function ok(): Response {
  return new Response(null, { status: 200, headers: { "content-length": "0" } });
}

function isCode(err: unknown, ...codes: string[]): boolean {
  return codes.includes(codeOf(err));
}

async function statOrUndefined(fs: FileSystemClient, path: string): Promise<StatView | undefined> {
  try {
    return await fs.stat(path);
  } catch (err) {
    if (isCode(err, "NOT_FOUND", "NOT_A_DIRECTORY")) return undefined;
    throw err;
  }
}

// --- redirects ------------------------------------------------------------------------------

/** The op a data URL's signature names: CREATE and APPEND alike, since fsspec turns a CREATE's data URL into its APPENDs by replacing the op's name. */
export function signedOpOf(op: string): string {
  return op === "CREATE" || op === "APPEND" ? "WRITE" : op;
}

/** 307 to `peer`'s data endpoint for this call (or 200 with {"Location"} when noredirect=true). */
async function redirect(call: OpCall, params: URLSearchParams, peer: LivePeer | undefined, dataParams: Record<string, string>): Promise<Response> {
  if (!peer) throw new WebHdfsError("RetriableException", "No peer serves WebHDFS's data endpoint yet; try again shortly.");
  const fields = { ...dataParams, [DATA_PARAM]: "true" };
  const signed = await call.server.auth.signRedirect({ op: signedOpOf(call.op), path: call.path, user: call.user, params: fields });
  const query = new URLSearchParams({ op: call.op, "user.name": call.user, ...fields, ...signed });
  const location = `http://${peer.httpAddress}${urlPathOf(call.path)}?${query}`;
  if (booleanParam(params, "noredirect", false)) return json({ Location: location });
  return new Response(null, { status: 307, headers: { location, "content-length": "0" } });
}

/**
 * A file's status with its chunks, refused as HDFS's NameNode refuses it before any redirect:
 * a folder (FileNotFoundException), or a file the user may not read (AccessControlException:
 * the masters withheld its chunks, and opening it says so).
 */
async function readableFile(fs: FileSystemClient, path: string): Promise<StatView> {
  const { stat } = await fs.statAndOpen(path);
  if (stat.kind !== "file") throw new WebHdfsError("FileNotFoundException", `${path} is a directory, not a file.`);
  return stat;
}

/** The parameters of a request that go on to its data URL (the rest the first request used). */
function picked(params: URLSearchParams, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = params.get(name);
    if (value !== null && value !== "") out[name] = value;
  }
  return out;
}

async function openRedirect(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const offset = integerParam(params, "offset", { min: 0, max: LENGTH_MAX }, 0);
  integerParam(params, "length", { min: 0, max: LENGTH_MAX });
  integerParam(params, "buffersize", { min: 1, max: 2 ** 31 - 1 });
  const stat = await readableFile(fs, call.path);
  checkOffset(stat, offset, call.path);
  const peer = readerPeer(stat, offset, call.server.peers.live(), call.server.peers.selfId, call.clientHost, call.server.random);
  return redirect(call, params, peer, picked(params, ["offset", "length", "buffersize"]));
}

/** HDFS's rule (NamenodeWebHdfsMethods): an offset past the last byte of a non-empty file is an error. */
export function checkOffset(stat: StatView, offset: number, path: string): void {
  if (offset > 0 && offset >= stat.size) throw new WebHdfsError("IOException", `Offset=${offset} out of the range [0, ${stat.size}); OPEN, path=${path}`);
}

async function createRedirect(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const overwrite = booleanParam(params, "overwrite", false);
  createOptions(params);
  // Refused now rather than after the client sent its body.
  await checkCreate(fs, call.path, overwrite);
  return redirect(call, params, writerPeer(call.server.peers.live(), call.server.peers.selfId), picked(params, ["overwrite", "blocksize", "replication", "permission", "buffersize"]));
}

async function appendRedirect(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  integerParam(params, "buffersize", { min: 1, max: 2 ** 31 - 1 });
  const stat = await fs.stat(call.path);
  if (stat.kind !== "file") throw new WebHdfsError("FileNotFoundException", `${call.path} is a directory, not a file.`);
  return redirect(call, params, writerPeer(call.server.peers.live(), call.server.peers.selfId), picked(params, ["buffersize"]));
}

async function checksumRedirect(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const stat = await readableFile(fs, call.path);
  return redirect(call, params, readerPeer(stat, 0, call.server.peers.live(), call.server.peers.selfId, call.clientHost, call.server.random), {});
}

/** CREATE's options, bounded. */
export function createOptions(params: URLSearchParams): { replication?: number; chunkSizeBytes?: number; permission?: number } {
  const replication = integerParam(params, "replication", { min: 1, max: REPLICATION_MAX });
  const chunkSizeBytes = integerParam(params, "blocksize", { min: 1, max: CHUNK_SIZE_BYTES_MAX });
  const permission = permissionParam(params);
  return { ...(replication !== undefined ? { replication } : {}), ...(chunkSizeBytes !== undefined ? { chunkSizeBytes } : {}), ...(permission !== undefined ? { permission: permission & 0o777 } : {}) };
}

/** A CREATE may go ahead: nothing at the path, or a file and `overwrite`. */
export async function checkCreate(fs: FileSystemClient, path: string, overwrite: boolean): Promise<void> {
  if (path === ROOT_PATH) throw new WebHdfsError("FileAlreadyExistsException", "/ already exists as a directory.");
  const existing = await statOrUndefined(fs, path);
  if (existing?.kind === "dir") throw new WebHdfsError("FileAlreadyExistsException", `${path} already exists as a directory.`);
  if (existing && !overwrite) throw new WebHdfsError("FileAlreadyExistsException", `${path} for client already exists.`);
}

/** A hidden name beside `path` that a CREATE writes to before moving it onto the path. */
export function tempPathOf(path: string): string {
  const folder = parent(path) ?? ROOT_PATH;
  // The file's name (cut so the temporary one stays within a name's 255 bytes) tells what it is for.
  const name = [...nameOf(path)].slice(0, 60).join("");
  const temp = `.${name}.${randomUUID().slice(0, 8)}.webhdfs-tmp`;
  return folder === ROOT_PATH ? `/${temp}` : `${folder}/${temp}`;
}

// --- reading the namespace ------------------------------------------------------------------

async function getFileStatus(fs: FileSystemClient, _params: URLSearchParams, call: OpCall): Promise<Response> {
  // HDFS's getFileInfo: the status alone (a FileStatus names no blocks).
  return json({ FileStatus: fileStatusJson(await fs.stat(call.path, { chunks: false }), "") });
}

/** An entry of a listing of `folder`, as Hadoop names it (a file listed itself has suffix ""). */
function entryJson(folder: string, entry: StatView): FileStatusJson {
  const suffix = entry.path === folder ? "" : entry.path.slice(folder === ROOT_PATH ? 1 : folder.length + 1);
  return fileStatusJson(entry, suffix);
}

/**
 * LISTSTATUS: every entry, streamed a page at a time as the masters serve them, so a folder of
 * a million entries is never held whole. The first page is asked before answering: a missing
 * path is a 404, not a broken body.
 */
async function listStatus(fs: FileSystemClient, _params: URLSearchParams, call: OpCall): Promise<Response> {
  const pages = fs.listPages(call.path);
  const first = await pages.next();
  const encoder = new TextEncoder();
  let started = false;
  let done = false;
  const pageText = (page: StatView[]) => page.map((entry) => JSON.stringify(entryJson(call.path, entry))).join(",");
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (done) return;
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(`{"FileStatuses":{"FileStatus":[${first.done ? "" : pageText(first.value)}`));
          if (first.done) {
            done = true;
            controller.enqueue(encoder.encode("]}}"));
            controller.close();
          }
          return;
        }
        try {
          const next = await pages.next();
          if (next.done) {
            done = true;
            controller.enqueue(encoder.encode("]}}"));
            controller.close();
            return;
          }
          if (next.value.length > 0) controller.enqueue(encoder.encode(`,${pageText(next.value)}`));
        } catch (err) {
          call.server.log.warn("a LISTSTATUS failed mid-body", { path: call.path, error: err as Error });
          controller.error(err);
        }
      },
      async cancel() {
        await pages.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { headers: { "content-type": "application/json" } });
}

/** LISTSTATUS_BATCH: a page after `startAfter` (a name); remainingEntries is exact when 0, else what the next page holds (a lower bound). */
async function listStatusBatch(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const startAfter = params.get("startafter") ?? "";
  if (startAfter.includes("/")) throw WebHdfsError.illegalArgument('Invalid value for webhdfs parameter "startAfter": a name has no "/".');
  const after = startAfter === "" ? "" : call.path === ROOT_PATH ? `/${startAfter}` : `${call.path}/${startAfter}`;
  const pages = fs.listPages(call.path, { ...(after ? { after } : {}), entriesPerPage: LIST_BATCH_ENTRIES });
  try {
    const first = await pages.next();
    const entries = first.done ? [] : first.value;
    const following = first.done ? undefined : await pages.next();
    const remaining = following && !following.done ? following.value.length : 0;
    return json(directoryListingJson(entries.map((entry) => entryJson(call.path, entry)), remaining));
  } finally {
    await pages.return(undefined);
  }
}

async function getContentSummary(fs: FileSystemClient, _params: URLSearchParams, call: OpCall): Promise<Response> {
  const stat = await fs.stat(call.path);
  const summary = new ContentSummary();
  summary.add(stat);
  if (stat.kind === "dir") for await (const page of fs.listPages(call.path, { recursive: true })) for (const entry of page) summary.add(entry);
  return json(summary.json());
}

async function getFileBlockLocations(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const offset = integerParam(params, "offset", { min: 0, max: LENGTH_MAX }, 0);
  const length = integerParam(params, "length", { min: 0, max: LENGTH_MAX }, LENGTH_MAX);
  const stat = await readableFile(fs, call.path);
  const addresses = new Map(call.server.peers.live().map((peer) => [peer.id, peer.httpAddress]));
  return json(blockLocationsJson(stat.chunks, offset, Math.min(length, LENGTH_MAX - offset), (id) => addresses.get(id)));
}

/** HDFS's home folder of a user (dfs.user.home.dir.prefix's default /user). */
export function homeDirectoryOf(user: string): string {
  return `/user/${user}`;
}

async function getHomeDirectory(_fs: FileSystemClient, _params: URLSearchParams, call: OpCall): Promise<Response> {
  return json(pathJson(homeDirectoryOf(call.user)));
}

async function getTrashRoot(_fs: FileSystemClient, _params: URLSearchParams, call: OpCall): Promise<Response> {
  return json(pathJson(`${homeDirectoryOf(call.user)}/.Trash`));
}

// --- changing the namespace -----------------------------------------------------------------

async function mkdirs(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const permission = permissionParam(params);
  await fs.mkdir(call.path, { parents: true, ...(permission !== undefined ? { permission } : {}) });
  return json(booleanJson(true));
}

/**
 * RENAME as HDFS's rename(src, dst): onto an existing folder it moves the source into it; false
 * (not an error) when the source is missing, the destination exists, or its folder does not.
 * With renameoptions=OVERWRITE (or NONE) it is rename2: a file at the destination is replaced,
 * failures are errors, and the answer is empty.
 */
async function rename(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const destinationText = params.get("destination");
  if (destinationText === null || destinationText === "") throw WebHdfsError.illegalArgument('Invalid value for webhdfs parameter "destination": none given.');
  let destination = pathParam(destinationText, "destination");
  const options = params.get("renameoptions");
  if (options !== null && options !== "") {
    const names = options.toUpperCase().split(",");
    if (names.some((name) => name !== "OVERWRITE" && name !== "NONE")) throw WebHdfsError.illegalArgument(`Invalid value for webhdfs parameter "renameoptions": ${JSON.stringify(options.slice(0, 40))}.`);
    await fs.mv(call.path, destination, { replace: names.includes("OVERWRITE") });
    return ok();
  }
  if (destination === call.path) return json(booleanJson((await statOrUndefined(fs, call.path)) !== undefined));
  const target = await statOrUndefined(fs, destination);
  if (target?.kind === "dir") destination = destination === ROOT_PATH ? `/${nameOf(call.path)}` : `${destination}/${nameOf(call.path)}`;
  try {
    await fs.mv(call.path, destination);
    return json(booleanJson(true));
  } catch (err) {
    if (isCode(err, "NOT_FOUND", "ALREADY_EXISTS", "NOT_A_DIRECTORY")) return json(booleanJson(false));
    throw err;
  }
}

async function setReplication(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const replication = integerParam(params, "replication", { min: 1, max: REPLICATION_MAX }, REPLICATION_DEFAULT);
  // HDFS answers false for a folder; this namespace's setReplication would change every file under it.
  const stat = await fs.stat(call.path);
  if (stat.kind !== "file") return json(booleanJson(false));
  await fs.setReplication(call.path, replication);
  return json(booleanJson(true));
}

async function setOwner(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const owner = params.get("owner") || undefined;
  const group = params.get("group") || undefined;
  if (owner === undefined && group === undefined) throw WebHdfsError.illegalArgument("Both owner and group are empty.");
  await fs.chown(call.path, owner, group);
  return ok();
}

async function setPermission(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  // Hadoop's default for a missing permission is 755.
  await fs.chmod(call.path, permissionParam(params) ?? 0o755);
  return ok();
}

async function setTimes(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  // -1 (Hadoop's default) leaves that time as it is.
  const mtimeMs = integerParam(params, "modificationtime", { min: -1, max: LENGTH_MAX }, -1);
  const accessTimeMs = integerParam(params, "accesstime", { min: -1, max: LENGTH_MAX }, -1);
  await fs.setTimes(call.path, { ...(mtimeMs >= 0 ? { mtimeMs } : {}), ...(accessTimeMs >= 0 ? { accessTimeMs } : {}) });
  return ok();
}

async function remove(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const recursive = booleanParam(params, "recursive", false);
  try {
    await fs.rm(call.path, { recursive });
    return json(booleanJson(true));
  } catch (err) {
    if (isCode(err, "NOT_FOUND")) return json(booleanJson(false));
    throw err;
  }
}

/**
 * CONCAT: the sources' bytes after the target's, the sources removed. Two commits (the
 * namespace's concat makes a new file): the target and sources into a hidden file beside the
 * target, then that file moved onto the target; between them the target is briefly absent.
 */
async function concat(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const text = params.get("sources") ?? "";
  if (text === "") throw WebHdfsError.illegalArgument('Invalid value for webhdfs parameter "sources": none given.');
  const sources = text.split(",").map((source) => pathParam(source, "sources"));
  if (sources.length + 1 > CONCAT_SOURCES_MAX) throw WebHdfsError.illegalArgument(`A CONCAT has at most ${CONCAT_SOURCES_MAX - 1} sources.`);
  if (sources.includes(call.path)) throw WebHdfsError.illegalArgument(`${call.path} is the target: it cannot be a source too.`);
  const target = await fs.stat(call.path);
  if (target.kind !== "file") throw new WebHdfsError("FileNotFoundException", `${call.path} is a directory, not a file.`);
  const temp = tempPathOf(call.path);
  await fs.concat([call.path, ...sources], temp);
  await fs.mv(temp, call.path, { replace: true });
  return ok();
}

/**
 * TRUNCATE through fs.truncate: at a chunk boundary the masters cut the file in one commit; a
 * cut inside a chunk is the client's to make (or to refuse). HDFS answers true when the file
 * is already at its new length, as it is here once the call returns.
 */
async function truncate(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const newLength = integerParam(params, "newlength", { min: 0, max: LENGTH_MAX });
  if (newLength === undefined) throw WebHdfsError.illegalArgument('Invalid value for webhdfs parameter "newlength": none given.');
  const stat = await fs.stat(call.path);
  if (stat.kind !== "file") throw new WebHdfsError("FileNotFoundException", `${call.path} is a directory, not a file.`);
  if (newLength > stat.size) throw new WebHdfsError("IllegalArgumentException", `Cannot truncate to a larger file size. Current size: ${stat.size}, truncate size: ${newLength}.`);
  if (newLength < stat.size) await fs.truncate(call.path, newLength);
  return json(booleanJson(true));
}

/** The ops answered by the first request (a redirect for the four with a data endpoint). */
export const OPS: Record<string, OpSpec> = {
  OPEN: { method: "GET", run: openRedirect },
  GETFILESTATUS: { method: "GET", run: getFileStatus },
  LISTSTATUS: { method: "GET", run: listStatus },
  LISTSTATUS_BATCH: { method: "GET", run: listStatusBatch },
  GETCONTENTSUMMARY: { method: "GET", run: getContentSummary },
  GETFILECHECKSUM: { method: "GET", run: checksumRedirect },
  GETFILEBLOCKLOCATIONS: { method: "GET", run: getFileBlockLocations },
  GETHOMEDIRECTORY: { method: "GET", run: getHomeDirectory },
  GETTRASHROOT: { method: "GET", run: getTrashRoot },
  CREATE: { method: "PUT", run: createRedirect },
  MKDIRS: { method: "PUT", run: mkdirs },
  RENAME: { method: "PUT", run: rename },
  SETREPLICATION: { method: "PUT", run: setReplication },
  SETOWNER: { method: "PUT", run: setOwner },
  SETPERMISSION: { method: "PUT", run: setPermission },
  SETTIMES: { method: "PUT", run: setTimes },
  APPEND: { method: "POST", run: appendRedirect },
  CONCAT: { method: "POST", run: concat },
  TRUNCATE: { method: "POST", run: truncate },
  DELETE: { method: "DELETE", run: remove },
};

/** Hadoop's ops this server does not serve (answered UnsupportedOperationException, not "no such op"). */
export const UNSUPPORTED_OPS = new Set([
  "CREATESYMLINK", "GETACLSTATUS", "SETACL", "MODIFYACLENTRIES", "REMOVEACLENTRIES", "REMOVEDEFAULTACL", "REMOVEACL",
  "GETXATTRS", "LISTXATTRS", "SETXATTR", "REMOVEXATTR", "CREATESNAPSHOT", "DELETESNAPSHOT", "RENAMESNAPSHOT", "ALLOWSNAPSHOT",
  "DISALLOWSNAPSHOT", "GETSNAPSHOTDIFF", "GETSNAPSHOTTABLEDIRECTORYLIST", "SETSTORAGEPOLICY", "UNSETSTORAGEPOLICY",
  "GETSTORAGEPOLICY", "GETALLSTORAGEPOLICY", "SETQUOTA", "SETQUOTABYSTORAGETYPE", "SATISFYSTORAGEPOLICY", "CHECKACCESS",
  "GETSERVERDEFAULTS", "GETQUOTAUSAGE", "GETECPOLICY", "SETECPOLICY", "UNSETECPOLICY", "ENABLEECPOLICY", "DISABLEECPOLICY",
  "GETSTATUS", "GETSNAPSHOTLIST", "GET_BLOCK_LOCATIONS", "GETFILELINKSTATUS", "GETLINKTARGET",
  // Until the token ops (auth's TOKEN_OPS) are added to the table, which is looked up first.
  "GETDELEGATIONTOKEN", "RENEWDELEGATIONTOKEN", "CANCELDELEGATIONTOKEN",
]);
