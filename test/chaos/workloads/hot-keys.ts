// The hot-keys workload: several clients overwrite (whole-object PUT), read and delete a few
// hot keys, through the S3 gateways of different peers (the AWS SDK) and through the file
// system client on the same paths (bucket B's key K is the file /B/K), and create them
// exclusively (a rename that refuses to replace). Each key is one register: the checker asks
// whether the history of each is linearizable.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AccessKeyStore } from "../../../src/gateway/s3/keys.ts";
import { codeOf } from "../../../src/protocol/errors.ts";
import type { ClusterClient } from "../../../src/client/cluster.ts";
import { contentOf, digestOf, errorCodeOf, recordOp, valueOf } from "../history.ts";
import type { HistoryOp } from "../types.ts";
import { between, closeQuietly, connectClient, OP_TIMEOUT_MS, prng, sleep } from "./common.ts";
import type { HistoryRecorder, Workload, WorkloadTarget } from "./index.ts";

export const HOT_BUCKET = "chaos-hot";
/** Where the fs client writes a new object before renaming it onto its key. */
const HOT_TMP = "/chaos/hot-tmp";

/**
 * The hot keys change name every epoch (k0.e0, k0.e1, ...): each key's history stays a few
 * hundred operations long however long the run, so the linearizability search over it stays
 * bounded (a 30-minute run is 60 short registers per key, not one long one).
 */
export const HOT_KEY_EPOCH_MS = 30_000;

export function hotKeyName(i: number, epoch: number): string {
  return `k${i}.e${epoch}`;
}

export function hotKeyPath(key: string): string {
  return `/${HOT_BUCKET}/${key}`;
}

/** What a get's bytes stand for: the value written, or `corrupt:<digest>` for bytes no value has. */
export function hotValueOf(bytes: Uint8Array): string {
  return valueOf(bytes) ?? `corrupt:${digestOf(bytes)}`;
}

export function hotKeysWorkload(clients: number, keys: number): Workload {
  return {
    name: "hot-keys",
    async run(target, history, seed, stop) {
      if (clients === 0 || keys === 0) return;
      const random = prng(seed);
      const setup = await connectClient(target, random, stop);
      if (!setup) return;
      let credentials: { accessKeyId: string; secretAccessKey: string } | undefined = target.s3Key;
      try {
        // Setup, not history: the bucket's folder and an access key, tried until made.
        while (!stop.aborted) {
          try {
            await setup.fs.mkdir(`/${HOT_BUCKET}`, { parents: true }).catch((err) => {
              if (codeOf(err) !== "ALREADY_EXISTS") throw err;
            });
            await setup.fs.mkdir(HOT_TMP, { parents: true }).catch((err) => {
              if (codeOf(err) !== "ALREADY_EXISTS") throw err;
            });
            if (!credentials) {
              const made = await new AccessKeyStore(setup.fs).create({ name: "chaos hot keys", user: setup.user });
              credentials = { accessKeyId: made.accessKeyId, secretAccessKey: made.secret };
            }
            break;
          } catch {
            await sleep(200, stop);
          }
        }
      } finally {
        await closeQuietly(setup);
      }
      if (!credentials) return;
      const key = credentials;
      await Promise.all(Array.from({ length: clients }, (_, i) => hotClient(target, history, seed * 1_000 + i, i, keys, key, stop)));
    },
  };
}

function s3ClientOf(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
  // One attempt per operation: the SDK retrying a PUT would apply it twice, at two instants.
  return new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials, maxAttempts: 1 });
}

async function hotClient(target: WorkloadTarget, history: HistoryRecorder, seed: number, index: number, keys: number, credentials: { accessKeyId: string; secretAccessKey: string }, stop: AbortSignal): Promise<void> {
  const random = prng(seed);
  const client = await connectClient(target, random, stop);
  if (!client) return;
  const s3 = target.s3Endpoints.map((endpoint) => s3ClientOf(endpoint, credentials));
  // Jepsen's rule: a process whose operation ended `info` may still have it in flight, so the
  // client goes on under a new process name.
  let incarnation = 0;
  let seq = 0;
  try {
    while (!stop.aborted) {
      seq++;
      const process = `hot-${index}.${incarnation}`;
      const key = hotKeyName(Math.floor(random() * keys), Math.floor(history.nowMs() / HOT_KEY_EPOCH_MS));
      const viaS3 = s3.length > 0 && random() < 0.6;
      const gateway = viaS3 ? Math.floor(random() * s3.length) : -1;
      const base = { process, workload: "hot-keys" as const, key, via: viaS3 ? `s3 p${gateway}` : "client" };
      const r = random();
      let op: HistoryOp;
      if (r < 0.45) op = viaS3 ? await s3Get(history, s3[gateway]!, base) : await fsGet(client, history, base);
      else if (r < 0.8) {
        const value = `h${index}-${seed}-${seq}#${between(random, 64, 2_048)}`;
        op = viaS3 ? await s3Put(history, s3[gateway]!, { ...base, f: "put", value }) : await fsPut(client, history, { ...base, f: "put", value }, true, seq);
      } else if (r < 0.9) op = viaS3 ? await s3Delete(history, s3[gateway]!, base) : await fsDelete(client, history, base);
      else {
        const value = `h${index}-${seed}-${seq}#${between(random, 64, 2_048)}`;
        op = await fsPut(client, history, { ...base, via: "client", f: "create", value }, false, seq);
      }
      if (op.outcome === "info") incarnation++;
    }
  } finally {
    for (const c of s3) c.destroy();
    await closeQuietly(client);
  }
}

type Base = { process: string; workload: "hot-keys"; key: string; via: string };

/** S3 errors that say the request was refused on its merits; 5xx and transport errors are `info`. */
function s3Outcome(err: unknown): { outcome: "fail" | "info"; error: string } {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = errorCodeOf(err);
  const message = `${code}: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`;
  return { outcome: status !== undefined && status >= 400 && status < 500 ? "fail" : "info", error: message };
}

function s3Get(history: HistoryRecorder, s3: S3Client, base: Base): Promise<HistoryOp> {
  return recordOp(
    history,
    { ...base, f: "get" },
    OP_TIMEOUT_MS,
    async (signal) => {
      const answer = await s3.send(new GetObjectCommand({ Bucket: HOT_BUCKET, Key: base.key }), { abortSignal: signal });
      return { result: hotValueOf(await answer.Body!.transformToByteArray()) };
    },
    (err) => (errorCodeOf(err) === "NoSuchKey" ? { outcome: "ok", result: null } : s3Outcome(err)),
  );
}

function s3Put(history: HistoryRecorder, s3: S3Client, op: Base & { f: "put"; value: string }): Promise<HistoryOp> {
  return recordOp(
    history,
    op,
    OP_TIMEOUT_MS,
    async (signal) => {
      await s3.send(new PutObjectCommand({ Bucket: HOT_BUCKET, Key: op.key, Body: contentOf(op.value) }), { abortSignal: signal });
    },
    s3Outcome,
  );
}

function s3Delete(history: HistoryRecorder, s3: S3Client, base: Base): Promise<HistoryOp> {
  return recordOp(
    history,
    { ...base, f: "delete" },
    OP_TIMEOUT_MS,
    async (signal) => {
      await s3.send(new DeleteObjectCommand({ Bucket: HOT_BUCKET, Key: base.key }), { abortSignal: signal });
    },
    s3Outcome,
  );
}

function fsGet(client: ClusterClient, history: HistoryRecorder, base: Base): Promise<HistoryOp> {
  return recordOp(
    history,
    { ...base, f: "get" },
    OP_TIMEOUT_MS,
    async () => ({ result: hotValueOf(await client.fs.readFile(hotKeyPath(base.key))) }),
    (err) => (codeOf(err) === "NOT_FOUND" ? { outcome: "ok", result: null } : undefined),
  );
}

/** put: a new file renamed over the key (replace); create: the same rename, refused when the key exists. */
function fsPut(client: ClusterClient, history: HistoryRecorder, op: Base & { f: "put" | "create"; value: string }, replace: boolean, seq: number): Promise<HistoryOp> {
  return recordOp(history, op, OP_TIMEOUT_MS, async () => {
    const tmp = `${HOT_TMP}/${op.process}-${seq}`;
    await client.fs.put(contentOf(op.value), tmp);
    try {
      await client.fs.mv(tmp, hotKeyPath(op.key), replace ? { replace: true } : {});
    } catch (err) {
      await client.fs.rm(tmp).catch(() => undefined);
      throw err;
    }
  });
}

/** A delete through the file system: NOT_FOUND is a certain `fail` that also says the key was absent. */
function fsDelete(client: ClusterClient, history: HistoryRecorder, base: Base): Promise<HistoryOp> {
  return recordOp(history, { ...base, f: "delete" }, OP_TIMEOUT_MS, async () => {
    await client.fs.rm(hotKeyPath(base.key));
  });
}

