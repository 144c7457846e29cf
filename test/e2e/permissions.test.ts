// Owners, groups and modes end to end (issue 15, "What must be shown": the same denial through
// the CLI, WebHDFS and S3, exit code 1, AccessControlException and AccessDenied with a clear
// sentence). A peer of the compiled binary started as the user "hdfs" (so "hdfs" is the
// superuser), `tessera fs` commands as the users alice (TESSERA_USER) and bob
// (HADOOP_USER_NAME), WebHDFS on the peer's admin port with user.name, and `tessera gateway s3`
// serving keys that act for them, reached through @aws-sdk/client-s3.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from "@aws-sdk/client-s3";
import { ensureBinary, PeerProcesses, runCli } from "../support/processes.ts";
import { s3Client, startGateway, type StartedGateway } from "../support/s3.ts";
import { waitFor } from "../support/wait.ts";
import { tempDir } from "../support/temp.ts";

const LOOPBACK = "/ip4/127.0.0.1/tcp/0";

let processes: PeerProcesses;
let root: { path: string; remove(): void };
let cluster: Record<string, string>;
/** The peer's admin HTTP, where WebHDFS is served (user.name is accepted: it is bound to loopback). */
let peerHttp: string;
let gateway: StartedGateway | undefined;

/** The environment of a CLI acting for `user`: TESSERA_USER names it, HADOOP_USER_NAME is cleared. */
const as = (user: string) => ({ ...cluster, TESSERA_USER: user, HADOOP_USER_NAME: "" });
/** bob through HADOOP_USER_NAME alone, as an HDFS user would set it. */
const asBob = () => ({ ...cluster, TESSERA_USER: "", HADOOP_USER_NAME: "bob" });
const hdfs = () => as("hdfs");

interface EntryJson {
  path: string;
  kind: "file" | "dir";
  owner: string;
  group: string;
  permission: number;
}

async function ok(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runCli(args, env);
  expect({ args, stderr: result.stderr, code: result.code }).toEqual({ args, stderr: "", code: 0 });
  return result.stdout;
}

/** A command that must be refused: exit 1 and one sentence on stderr. */
async function refused(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runCli(args, env);
  expect({ args, code: result.code }).toEqual({ args, code: 1 });
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tessera: .+\.$/);
  return lines[0]!;
}

async function tree(path: string): Promise<Map<string, EntryJson>> {
  const listed = JSON.parse(await ok(["fs", "ls", "-R", path, "--json"], hdfs())) as EntryJson[];
  const top = JSON.parse(await ok(["fs", "stat", path, "--json"], hdfs())) as EntryJson;
  return new Map([top, ...listed].map((entry) => [entry.path, entry]));
}

async function s3Failure(promise: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return { code: err.name, status: err.$metadata.httpStatusCode ?? 0, message: err.message };
    throw err;
  }
  throw new Error("the request succeeded");
}

beforeAll(async () => {
  await ensureBinary();
  processes = new PeerProcesses();
  root = tempDir("perm-e2e");
  const dir = join(root.path, "peer");
  // The first leader records its process's user as the superuser.
  const peer = await processes.start(["--data-dir", dir, "--listen", LOOPBACK, "--http", "127.0.0.1:0"], { TESSERA_USER: "hdfs", HADOOP_USER_NAME: "" });
  cluster = { TESSERA_JOIN: peer.addresses[0]!, TESSERA_SWARM_KEY: join(dir, "swarm.key"), TESSERA_LOG: "warn" };
  peerHttp = peer.http;
  await waitFor(
    "a leader",
    async () => {
      const status = await runCli(["cluster", "status", "--json"], hdfs());
      return status.code === 0 && (JSON.parse(status.stdout) as { leader: string }).leader !== "";
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  // Groups from the settings (the leader's OS knows no alice or bob), set by the superuser.
  await ok(["settings", "set", "permissions/groups/alice", "analysts,staff"], hdfs());
  await ok(["settings", "set", "permissions/groups/bob", "users"], hdfs());
  writeFileSync(join(root.path, "small.txt"), "hello, permissions\n");
}, 60_000);

afterAll(async () => {
  gateway?.process.kill("SIGKILL");
  await gateway?.process.exited;
  await processes.stopAll();
  root.remove();
});

describe("users and permissions through the CLI", () => {
  it("TESSERA_USER and HADOOP_USER_NAME name the caller: owners of what they make, and HDFS's denial as one sentence with exit 1", async () => {
    const small = join(root.path, "small.txt");
    await ok(["fs", "mkdir", "/data"], hdfs());
    await ok(["fs", "chown", "alice:analysts", "/data"], hdfs());
    await ok(["fs", "put", small, "/data/a.txt", "--replication", "1"], as("alice"));
    // TESSERA_USER wins over HADOOP_USER_NAME.
    await ok(["fs", "put", small, "/data/both.txt", "--replication", "1"], { ...cluster, TESSERA_USER: "alice", HADOOP_USER_NAME: "bob" });

    const listing = (await ok(["fs", "ls", "/data"], hdfs())).trimEnd().split("\n");
    expect(listing[0]).toBe("Found 2 items");
    expect(listing[1]).toMatch(/^-rw-r--r-- +1 alice analysts +19 \d{4}-\d\d-\d\d \d\d:\d\d \/data\/a\.txt$/);
    expect(listing[2]).toMatch(/^-rw-r--r-- +1 alice analysts +19 \d{4}-\d\d-\d\d \d\d:\d\d \/data\/both\.txt$/);
    expect((await ok(["fs", "ls", "/"], hdfs())).split("\n")).toContainEqual(expect.stringMatching(/^drwxr-xr-x +- alice analysts +0 \d{4}-\d\d-\d\d \d\d:\d\d \/data$/));
    expect(await ok(["fs", "stat", "/data/a.txt"], hdfs())).toContain("-rw-r--r-- (644), owner alice, group analysts");

    // bob (through HADOOP_USER_NAME) may read a 644 file but not write into alice's 755 folder.
    expect(await ok(["fs", "cat", "/data/a.txt"], asBob())).toBe("hello, permissions\n");
    const put = await refused(["fs", "put", small, "/data/b.txt", "--replication", "1"], asBob());
    expect(put).toContain("Permission denied: user=bob, access=WRITE");
    expect(put).toContain('inode="/data"');
    expect((await runCli(["fs", "stat", "/data/b.txt"], hdfs())).code).toBe(1);
    expect(await refused(["fs", "rm", "/data/a.txt"], asBob())).toContain("Permission denied: user=bob");
    expect(await refused(["fs", "mkdir", "/bobs"], asBob())).toContain("Permission denied: user=bob, access=WRITE");

    // Only the owner (or the superuser) changes the bits; once 600, bob may not read.
    const chmod = await refused(["fs", "chmod", "777", "/data/a.txt"], asBob());
    expect(chmod).toContain("cannot change the permission of /data/a.txt");
    expect(chmod).toContain("Permission denied");
    await ok(["fs", "chmod", "600", "/data/a.txt"], as("alice"));
    expect(await refused(["fs", "cat", "/data/a.txt"], asBob())).toContain("Permission denied");
    expect(await ok(["fs", "cat", "/data/a.txt"], as("alice"))).toBe("hello, permissions\n");
    expect(await ok(["fs", "cat", "/data/a.txt"], hdfs())).toBe("hello, permissions\n");
    expect((await ok(["fs", "ls", "/data/a.txt"], hdfs())).trimEnd()).toMatch(/^-rw------- +1 alice analysts +19 .* \/data\/a\.txt$/);

    // Giving a file away takes the superuser; a group change takes the owner in that group.
    expect(await refused(["fs", "chown", "bob", "/data/both.txt"], as("alice"))).toContain("cannot change the owner of /data/both.txt");
    await ok(["fs", "chgrp", "staff", "/data/both.txt"], as("alice"));
    expect(await refused(["fs", "chgrp", "users", "/data/both.txt"], as("alice"))).toContain("cannot change the group of /data/both.txt");
    await ok(["fs", "chown", "bob:users", "/data/both.txt"], hdfs());
    expect((await tree("/data")).get("/data/both.txt")).toMatchObject({ owner: "bob", group: "users", permission: 0o644 });

    // A truncate takes WRITE on the file: bob's now, not alice's.
    expect(await refused(["fs", "truncate", "0", "/data/both.txt"], as("alice"))).toContain("Permission denied: user=alice, access=WRITE");
    await ok(["fs", "truncate", "5", "/data/both.txt"], asBob());
    expect(await ok(["fs", "cat", "/data/both.txt"], asBob())).toBe("hello");
  }, 120_000);

  it("without TESSERA_USER or HADOOP_USER_NAME a command acts as the OS user of its uid, whatever $USER says", async () => {
    const id = Bun.spawnSync(["id", "-un"], { stdout: "pipe" });
    expect(id.exitCode).toBe(0);
    const osUser = id.stdout.toString().trim();
    await ok(["fs", "mkdir", "/tmp"], hdfs());
    await ok(["fs", "chmod", "1777", "/tmp"], hdfs());
    for (const [name, USER] of [["unset", ""], ["someone-else", "someone-else"]] as const) {
      await ok(["fs", "put", join(root.path, "small.txt"), `/tmp/${name}`, "--replication", "1"], { ...cluster, TESSERA_USER: "", HADOOP_USER_NAME: "", USER });
      expect((await tree("/tmp")).get(`/tmp/${name}`)).toMatchObject({ owner: osUser, permission: 0o644 });
    }
  }, 60_000);

  it("the same denials through WebHDFS: AccessControlException, 403, HDFS's sentence", async () => {
    // (after the test above: /data is alice's 755 folder, /data/a.txt her 600 file)
    const webhdfs = (path: string, query: string, init: RequestInit = {}) => fetch(`${peerHttp}/webhdfs/v1${path}?${query}`, init);
    const remoteException = async (response: Response) => {
      expect(response.status).toBe(403);
      return ((await response.json()) as { RemoteException: { exception: string; javaClassName: string; message: string } }).RemoteException;
    };
    const mkdir = await remoteException(await webhdfs("/data/bobs", "op=MKDIRS&user.name=bob", { method: "PUT" }));
    expect(mkdir.exception).toBe("AccessControlException");
    expect(mkdir.javaClassName).toBe("org.apache.hadoop.security.AccessControlException");
    expect(mkdir.message).toContain("Permission denied: user=bob, access=WRITE");
    expect(mkdir.message).toContain('inode="/data"');
    // Reading alice's 600 file: refused to bob wherever the redirect leads, served to alice.
    const open = await remoteException(await webhdfs("/data/a.txt", "op=OPEN&user.name=bob"));
    expect(open.exception).toBe("AccessControlException");
    expect(open.message).toContain("Permission denied");
    const mine = await webhdfs("/data/a.txt", "op=OPEN&user.name=alice");
    expect(mine.status).toBe(200);
    expect(await mine.text()).toBe("hello, permissions\n");
    const chmod = await remoteException(await webhdfs("/data/a.txt", "op=SETPERMISSION&permission=777&user.name=bob", { method: "PUT" }));
    expect(chmod.exception).toBe("AccessControlException");
    // What the CLI shows, WebHDFS shows: owner, group and octal bits.
    const status = (await (await webhdfs("/data/a.txt", "op=GETFILESTATUS&user.name=bob")).json()) as { FileStatus: { owner: string; group: string; permission: string } };
    expect(status.FileStatus).toMatchObject({ owner: "alice", group: "analysts", permission: "600" });
    expect((await runCli(["fs", "stat", "/data/bobs"], hdfs())).code).toBe(1);
  }, 60_000);

  it("chmod -R, chown -R and chgrp -R change every file and folder below, folders first", async () => {
    const small = join(root.path, "small.txt");
    await ok(["fs", "mkdir", "-p", "/tree/a/b"], hdfs());
    await ok(["fs", "mkdir", "-p", "/tree/c"], hdfs());
    for (const path of ["/tree/f1", "/tree/a/f2", "/tree/a/b/f3", "/tree/a/b/f4"]) await ok(["fs", "put", small, path, "--replication", "1"], hdfs());
    const paths = ["/tree", "/tree/a", "/tree/a/b", "/tree/c", "/tree/f1", "/tree/a/f2", "/tree/a/b/f3", "/tree/a/b/f4"];

    expect(JSON.parse(await ok(["fs", "chown", "-R", "alice:analysts", "/tree", "--json"], hdfs()))).toEqual({ files: 4, directories: 4 });
    let entries = await tree("/tree");
    for (const path of paths) expect(entries.get(path), path).toMatchObject({ owner: "alice", group: "analysts" });

    // alice owns the tree now; she may move it to another group of hers, not to bob.
    await ok(["fs", "chgrp", "-R", "staff", "/tree"], as("alice"));
    expect(await refused(["fs", "chown", "-R", "bob", "/tree"], as("alice"))).toContain("cannot change the owner of /tree");
    entries = await tree("/tree");
    for (const path of paths) expect(entries.get(path), path).toMatchObject({ owner: "alice", group: "staff" });

    // Octal, then symbolic with X: folders gain x, files that nobody could execute do not.
    await ok(["fs", "chmod", "-R", "640", "/tree"], hdfs());
    entries = await tree("/tree");
    for (const path of paths) expect(entries.get(path)!.permission, path).toBe(0o640);
    await ok(["fs", "chmod", "-R", "a+rX,g-w", "/tree"], as("alice"));
    entries = await tree("/tree");
    for (const path of paths) expect(entries.get(path)!.permission, path).toBe(entries.get(path)!.kind === "dir" ? 0o755 : 0o644);
    // The sticky bit on folders, shown as ls shows it.
    await ok(["fs", "chmod", "1777", "/tree/c"], as("alice"));
    expect((await ok(["fs", "ls", "/tree"], hdfs())).split("\n")).toContainEqual(expect.stringMatching(/^drwxrwxrwt +- alice staff +0 .* \/tree\/c$/));

    // bob may not chmod alice's tree: the first refusal stops it, named.
    const denied = await refused(["fs", "chmod", "-R", "777", "/tree"], asBob());
    expect(denied).toContain("cannot change the permission of /tree: Permission denied");
    expect((await tree("/tree")).get("/tree")!.permission).toBe(0o755);

    // Usage mistakes are usage errors (exit 2), before anything is sent.
    const badMode = await runCli(["fs", "chmod", "-R", "u+q", "/tree"], hdfs());
    expect(badMode.code).toBe(2);
    expect(badMode.stderr).toMatch(/^tessera: "u\+q" is not a mode/);
    expect((await runCli(["fs", "chown", ":", "/tree"], hdfs())).code).toBe(2);
    expect(await refused(["fs", "chmod", "755", "/nope"], hdfs())).toContain("cannot change the permission of /nope");
  }, 120_000);
});

describe("the settings the permission model reads", () => {
  it("are the superuser's: listed and read by it, secrets never printed, refused to anyone else", async () => {
    const listed = await ok(["settings", "list", "permissions/"], hdfs());
    expect(listed).toMatch(/^permissions\/groups\/alice +analysts,staff$/m);
    expect(listed).toMatch(/^permissions\/superuser +hdfs$/m);
    expect(await ok(["settings", "get", "permissions/groups/bob"], hdfs())).toBe("users\n");
    expect(await ok(["settings", "list"], hdfs())).toMatch(/^secret\/cluster +\(secret, 32 bytes\)$/m);
    const secret = await runCli(["settings", "get", "secret/cluster"], hdfs());
    expect(secret.code).toBe(2);
    expect(secret.stdout).toBe("");
    expect(await refused(["settings", "list"], as("alice"))).toContain("Permission denied");
    expect(await refused(["settings", "set", "permissions/umask", "000"], as("alice"))).toContain("Permission denied");
  }, 60_000);
});

describe("users and permissions through S3", () => {
  let alice: S3Client;
  let bob: S3Client;

  it("a gateway that is not the superuser refuses to start, in one sentence", async () => {
    const result = await runCli(["gateway", "s3", "--listen", "127.0.0.1:0"], as("bob"));
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("reading the access keys takes the superuser");
  }, 60_000);

  it("a key acts for its user: the denial the CLI gives is AccessDenied through S3", async () => {
    gateway = await startGateway(hdfs());
    const key = async (user: string) => {
      const made = JSON.parse(await ok(["s3", "keys", "create", "--json", "--user", user], hdfs())) as { accessKeyId: string; secret: string; user: string };
      expect(made.user).toBe(user);
      return { accessKeyId: made.accessKeyId, secretAccessKey: made.secret };
    };
    alice = s3Client(gateway.endpoint, await key("alice"));
    bob = s3Client(gateway.endpoint, await key("bob"));
    // A key made without --user acts for whoever made it.
    const own = JSON.parse(await ok(["s3", "keys", "create", "--json"], hdfs())) as { user: string };
    expect(own.user).toBe("hdfs");
    const listed = await ok(["s3", "keys", "list"], hdfs());
    expect(listed.split("\n")[0]).toMatch(/^ACCESS KEY ID +USER +NAME/);
    for (const user of ["alice", "bob", "hdfs"]) expect(listed).toContain(` ${user} `);
    // Keys are the superuser's: nobody else lists them.
    expect(await refused(["s3", "keys", "list"], as("alice"))).toContain("Permission denied");

    await ok(["fs", "mkdir", "/bkt"], hdfs());
    await ok(["fs", "chown", "alice:analysts", "/bkt"], hdfs());
    await alice.send(new PutObjectCommand({ Bucket: "bkt", Key: "dir/report.csv", Body: "a,b\n1,2\n" }));
    expect((await tree("/bkt")).get("/bkt/dir/report.csv")).toMatchObject({ owner: "alice", group: "analysts", permission: 0o644 });

    // bob may read a 644 object in alice's 755 bucket, and not write one.
    const read = await bob.send(new GetObjectCommand({ Bucket: "bkt", Key: "dir/report.csv" }));
    expect(await read.Body!.transformToString()).toBe("a,b\n1,2\n");
    const denied = await s3Failure(bob.send(new PutObjectCommand({ Bucket: "bkt", Key: "bobs.txt", Body: "no" })));
    expect(denied).toMatchObject({ code: "AccessDenied", status: 403 });
    expect(denied.message).toContain("Permission denied: user=bob, access=WRITE");
    // The same write through the CLI: the same refusal.
    expect(await refused(["fs", "put", join(root.path, "small.txt"), "/bkt/bobs.txt", "--replication", "1"], asBob())).toContain("Permission denied: user=bob, access=WRITE");
    // Nothing of bob's attempt is left, in the bucket or in the gateway's temporary folder.
    const left = [...(await tree("/bkt")).values()].filter((entry) => entry.kind === "file").map((entry) => entry.path);
    expect(left).toEqual(["/bkt/dir/report.csv"]);

    // Once alice makes the object 600, bob may not read it either way.
    await ok(["fs", "chmod", "600", "/bkt/dir/report.csv"], as("alice"));
    expect(await s3Failure(bob.send(new GetObjectCommand({ Bucket: "bkt", Key: "dir/report.csv" })))).toMatchObject({ code: "AccessDenied", status: 403 });
    expect(await refused(["fs", "cat", "/bkt/dir/report.csv"], asBob())).toContain("Permission denied");
    const mine = await alice.send(new GetObjectCommand({ Bucket: "bkt", Key: "dir/report.csv" }));
    expect(await mine.Body!.transformToString()).toBe("a,b\n1,2\n");

    // Deleting an object takes WRITE on its folder: bob may not, alice may.
    expect(await s3Failure(bob.send(new DeleteObjectCommand({ Bucket: "bkt", Key: "dir/report.csv" })))).toMatchObject({ code: "AccessDenied", status: 403 });
    await alice.send(new DeleteObjectCommand({ Bucket: "bkt", Key: "dir/report.csv" }));
    // Making or deleting a bucket takes WRITE on /, the superuser's 755 ...
    expect(await s3Failure(alice.send(new CreateBucketCommand({ Bucket: "alices" })))).toMatchObject({ code: "AccessDenied", status: 403 });
    const rootDenied = await s3Failure(alice.send(new DeleteBucketCommand({ Bucket: "bkt" })));
    expect(rootDenied).toMatchObject({ code: "AccessDenied", status: 403 });
    expect(rootDenied.message).toContain('inode="/"');
    // ... until the operator makes / sticky and open (1777): anyone makes a bucket, only its
    // owner removes it, through the gateway's own sticky folders below it.
    await ok(["fs", "chmod", "1777", "/"], hdfs());
    await alice.send(new CreateBucketCommand({ Bucket: "alices" }));
    expect((await tree("/alices")).get("/alices")).toMatchObject({ owner: "alice", group: "supergroup", permission: 0o755 });
    expect(await s3Failure(bob.send(new DeleteBucketCommand({ Bucket: "bkt" })))).toMatchObject({ code: "AccessDenied", status: 403 });
    await alice.send(new DeleteBucketCommand({ Bucket: "bkt" }));
    expect((await runCli(["fs", "stat", "/bkt"], hdfs())).code).toBe(1);
  }, 120_000);
});
