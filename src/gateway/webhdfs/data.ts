// WebHDFS's data endpoint: the URL a redirect points at (the same path and op, `data=true`,
// signed). OPEN streams a range of the file; CREATE writes the body to a hidden file beside
// the path and moves it onto the path only once it is whole, so a CREATE that breaks off
// leaves nothing visible; APPEND streams into fs.append; GETFILECHECKSUM reads the file and
// answers HDFS's MD5-of-MD5-of-CRC32 (checksum.ts).
import type { FileSystemClient } from "../../client/fs.ts";
import { Md5Md5Crc32 } from "./checksum.ts";
import { WebHdfsError } from "./errors.ts";
import { checkCreate, checkOffset, createOptions, json, tempPathOf, type OpCall, type OpSpec } from "./ops.ts";
import { booleanParam, integerParam } from "./params.ts";
import { BUFFER_BYTES_MAX, BUFFER_BYTES_MIN, CHUNK_BUFFER_BYTES_MAX, declaredLength, OPEN_PIECE_BYTES, rangeStream, requestBytes, writeByChunks } from "./streams.ts";
import { CHUNK_SIZE_BYTES_DEFAULT } from "../../protocol/limits.ts";
import { parent, ROOT_PATH } from "../../protocol/paths.ts";
import { codeOf } from "../../protocol/errors.ts";

const LENGTH_MAX = Number.MAX_SAFE_INTEGER;

async function open(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const offset = integerParam(params, "offset", { min: 0, max: LENGTH_MAX }, 0);
  const length = integerParam(params, "length", { min: 0, max: LENGTH_MAX });
  const bufferBytes = integerParam(params, "buffersize", { min: 1, max: 2 ** 31 - 1 }, OPEN_PIECE_BYTES);
  // The status and the reader from one answer: a file replaced meanwhile is read as it was.
  const { stat, reader } = await fs.statAndOpen(call.path);
  if (stat.kind !== "file" || !reader) throw new WebHdfsError("FileNotFoundException", `${call.path} is a directory, not a file.`);
  checkOffset(stat, offset, call.path);
  // HDFS's DataNode reads what there is: a length past the end stops at the end.
  const count = Math.max(0, Math.min(length ?? LENGTH_MAX, stat.size - offset));
  const headers = { "content-type": "application/octet-stream", "content-length": String(count) };
  if (count === 0) return new Response(null, { headers });
  const sliceBytes = Math.min(BUFFER_BYTES_MAX, Math.max(BUFFER_BYTES_MIN, bufferBytes));
  const body = rangeStream(reader, offset, count, sliceBytes, (err) => call.server.log.warn("an OPEN failed mid-body", { path: call.path, error: err as Error }));
  return new Response(body, { headers });
}

async function create(fs: FileSystemClient, params: URLSearchParams, call: OpCall): Promise<Response> {
  const overwrite = booleanParam(params, "overwrite", false);
  const options = createOptions(params);
  await checkCreate(fs, call.path, overwrite);
  // HDFS's CREATE makes missing parent folders (a mkdir is a Raft commit: only when missing).
  const folder = parent(call.path) ?? ROOT_PATH;
  if (folder !== ROOT_PATH && !(await fs.stat(folder).then(() => true, (err: unknown) => (codeOf(err) === "NOT_FOUND" ? false : Promise.reject(err))))) await fs.mkdir(folder, { parents: true });
  const temp = tempPathOf(call.path);
  const received = { bytes: 0 };
  const body = requestBytes(call.request, received);
  const chunkSizeBytes = options.chunkSizeBytes ?? CHUNK_SIZE_BYTES_DEFAULT;
  try {
    if (chunkSizeBytes <= CHUNK_BUFFER_BYTES_MAX) {
      await writeByChunks(body, chunkSizeBytes, declaredLength(call.request), (data, first) => (first ? fs.put(data, temp, options) : fs.append(data, temp)).then(() => undefined));
    } else {
      await fs.put(body, temp, { ...options, chunksInFlight: 1 });
    }
  } catch (err) {
    // fs.put removes what it wrote; the chunks appended after it are the temporary file's.
    await fs.rm(temp).catch(() => undefined);
    throw err;
  }
  try {
    await fs.mv(temp, call.path, { replace: overwrite });
  } catch (err) {
    await fs.rm(temp).catch(() => undefined);
    if (codeOf(err) === "ALREADY_EXISTS") throw new WebHdfsError("FileAlreadyExistsException", `${call.path} for client already exists.`);
    throw err;
  }
  return new Response(null, { status: 201, headers: { location: `webhdfs://${call.server.peers.live().find((peer) => peer.id === call.server.peers.selfId)?.httpAddress ?? "localhost"}${call.path}`, "content-length": "0" } });
}

async function append(fs: FileSystemClient, _params: URLSearchParams, call: OpCall): Promise<Response> {
  const stat = await fs.stat(call.path);
  if (stat.kind !== "file") throw new WebHdfsError("FileNotFoundException", `${call.path} is a directory, not a file.`);
  const body = requestBytes(call.request, { bytes: 0 });
  // Each write is an append of whole chunks (writeByChunks); an empty body appends nothing.
  if (stat.chunkSize <= CHUNK_BUFFER_BYTES_MAX) await writeByChunks(body, stat.chunkSize, declaredLength(call.request), (data) => (data.length > 0 ? fs.append(data, call.path).then(() => undefined) : Promise.resolve()));
  else await fs.append(body, call.path, { chunksInFlight: 1 });
  return new Response(null, { status: 200, headers: { "content-length": "0" } });
}

async function fileChecksum(fs: FileSystemClient, _params: URLSearchParams, call: OpCall): Promise<Response> {
  const { stat, reader } = await fs.statAndOpen(call.path);
  if (stat.kind !== "file" || !reader) throw new WebHdfsError("FileNotFoundException", `${call.path} is a directory, not a file.`);
  const checksum = new Md5Md5Crc32();
  let start = 0;
  for (const chunk of stat.chunks) {
    checksum.startBlock();
    for await (const piece of rangeStream(reader, start, chunk.size, OPEN_PIECE_BYTES, () => undefined)) checksum.update(piece);
    checksum.endBlock();
    start += chunk.size;
  }
  return json(checksum.json());
}

/** The data endpoint's ops, by name (a data request is recognised by `data=true`). */
export const DATA_OPS: Record<string, OpSpec> = {
  OPEN: { method: "GET", run: open },
  GETFILECHECKSUM: { method: "GET", run: fileChecksum },
  CREATE: { method: "PUT", run: create },
  APPEND: { method: "POST", run: append },
};
