// Types for the npm `webhdfs` client (1.2.0 ships none): the calls issue 15's tests use.
declare module "webhdfs" {
  import type { Duplex } from "node:stream";

  type Callback<T = unknown> = (err: Error | null, value?: T) => void;

  interface WebHdfsClient {
    mkdir(path: string, callback: Callback): unknown;
    mkdir(path: string, mode: string, callback: Callback): unknown;
    writeFile(path: string, data: string | Buffer, callback: Callback): Duplex;
    writeFile(path: string, data: string | Buffer, options: Record<string, unknown>, callback: Callback): Duplex;
    appendFile(path: string, data: string | Buffer, callback: Callback): Duplex;
    readFile(path: string, callback: Callback<Buffer>): void;
    readdir(path: string, callback: Callback<any[]>): unknown;
    stat(path: string, callback: Callback<any>): unknown;
    rename(path: string, destination: string, callback: Callback): unknown;
    unlink(path: string, callback: Callback): unknown;
    unlink(path: string, recursive: boolean, callback: Callback): unknown;
    chmod(path: string, mode: string, callback: Callback): unknown;
    chown(path: string, owner: string, group: string, callback: Callback): unknown;
    createWriteStream(path: string, append?: boolean | Record<string, unknown>, options?: Record<string, unknown>): Duplex;
    createReadStream(path: string, options?: Record<string, unknown>): Duplex;
  }

  const WebHDFS: {
    createClient(options: { user?: string; host: string; port: number | string; path: string; protocol?: string }, requestParams?: Record<string, unknown>): WebHdfsClient;
  };
  export default WebHDFS;
}
