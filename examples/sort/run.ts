// The sort from the command line: connects to a cluster as a client, samples the input, runs
// the sort job (sort.ts) and waits for it.
//
//   bun examples/sort/run.ts --join /ip4/10.0.0.1/tcp/4001/p2p/12D3… --swarm-key swarm.key \
//     --input /data/records.txt --output /out/sorted --reducers 4 [--samples 10000] [--output-replication 1]
//
// The output is written at replication 1 unless --output-replication says otherwise, as
// TeraSort does: it can be made again from the input.
//
// --join and --swarm-key default to $TESSERA_JOIN (comma-separated) and $TESSERA_SWARM_KEY, as
// for the tessera CLI. Prints the finished job as JSON on stdout; exits 1 if it did not
// succeed or could not start (no cluster, no input, an output that exists), 2 on a usage error.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { connect, type ClusterClient } from "../../src/client/cluster.ts";
import { decodeSwarmKey } from "../../src/net/swarm-key.ts";
import { submitSort } from "./sort.ts";

const USAGE = "usage: bun examples/sort/run.ts --join MULTIADDR --swarm-key FILE --input PATH --output PATH [--reducers N] [--samples N] [--output-replication N]\n";

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      join: { type: "string", multiple: true },
      "swarm-key": { type: "string" },
      input: { type: "string" },
      output: { type: "string" },
      reducers: { type: "string", default: "1" },
      samples: { type: "string" },
      "output-replication": { type: "string" },
    },
    strict: true,
  });
  const join = values.join?.length ? values.join : (process.env.TESSERA_JOIN ?? "").split(",").map((address) => address.trim()).filter(Boolean);
  const swarmKeyPath = values["swarm-key"] ?? process.env.TESSERA_SWARM_KEY;
  if (join.length === 0) throw new UsageError("no cluster to talk to: pass --join MULTIADDR (or set TESSERA_JOIN)");
  if (!swarmKeyPath) throw new UsageError("talking to a cluster needs its swarm key: pass --swarm-key FILE (or set TESSERA_SWARM_KEY)");
  if (!values.input || !values.output) throw new UsageError("--input and --output are needed");
  const reducers = Number(values.reducers);
  if (!Number.isSafeInteger(reducers) || reducers < 1) throw new UsageError(`--reducers must be a whole number of at least 1, not "${values.reducers}"`);
  const sampleCount = values.samples === undefined ? undefined : Number(values.samples);
  if (sampleCount !== undefined && (!Number.isSafeInteger(sampleCount) || sampleCount < 0)) throw new UsageError(`--samples must be a whole number, not "${values.samples}"`);
  const outputReplicationArg = values["output-replication"];
  const outputReplication = outputReplicationArg === undefined ? undefined : Number(outputReplicationArg);
  if (outputReplication !== undefined && (!Number.isSafeInteger(outputReplication) || outputReplication < 1)) throw new UsageError(`--output-replication must be a whole number of at least 1, not "${outputReplicationArg}"`);
  let swarmKey: Uint8Array;
  try {
    swarmKey = decodeSwarmKey(readFileSync(swarmKeyPath, "utf8"));
  } catch (err) {
    throw new UsageError(`cannot use the swarm key file ${swarmKeyPath}: ${(err as Error).message}`);
  }
  return { join, swarmKey, input: values.input, output: values.output, reducers, ...(sampleCount === undefined ? {} : { sampleCount }), ...(outputReplication === undefined ? {} : { outputReplication }) };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  let client: ClusterClient;
  try {
    client = await connect({ join: options.join, swarmKey: options.swarmKey });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  try {
    let lastDone = "";
    const job = await submitSort(client, {
      input: options.input,
      output: options.output,
      reducers: options.reducers,
      ...(options.sampleCount === undefined ? {} : { sampleCount: options.sampleCount }),
      ...(options.outputReplication === undefined ? {} : { outputReplication: options.outputReplication }),
      onProgress: (view) => {
        const done = `maps ${view.mapsDone}/${view.mapTasks}, reduces ${view.reducesDone}/${view.reducers}`;
        if (done !== lastDone) process.stderr.write(`${view.id}: ${done}\n`);
        lastDone = done;
      },
    });
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    if (job.state !== "succeeded") process.stderr.write(`the sort ${job.state}${job.error ? `: ${job.error}` : ""}\n`);
    return job.state === "succeeded" ? 0 : 1;
  } catch (err) {
    // A missing input, an output that exists already, a lost cluster: the message says which.
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

process.exit(await main());
