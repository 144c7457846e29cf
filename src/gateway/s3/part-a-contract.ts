// TEMPORARY: Part A's additions to the file-system client (branch s3-master), declared so this
// branch type-checks before the merge, which deletes this file. Never run.
import type { Attributes } from "./attributes.ts";

declare module "../../client/fs.ts" {
  interface StatView {
    attributes?: Attributes;
  }
  interface PutOptions {
    attributes?: Attributes;
  }
  interface FileSystemClient {
    mkdir(path: string, options?: { parents?: boolean; attributes?: Attributes }): Promise<void>;
    setAttributes(path: string, attributes: Attributes): Promise<void>;
    concat(sources: string[], destination: string, options?: { attributes?: Attributes; replace?: boolean; parents?: boolean }): Promise<StatView>;
    rm(path: string, options?: { recursive?: boolean; pruneEmptyParentsBelow?: string }): Promise<{ files: number; directories: number }>;
    mv(source: string, destination: string, options?: { replace?: boolean; parents?: boolean }): Promise<void>;
    listSettings(prefix: string, options?: { after?: string; limit?: number }): Promise<{ entries: { key: string; value: Uint8Array }[]; next: string }>;
    getSetting(key: string): Promise<Uint8Array | undefined>;
    setSetting(key: string, value: Uint8Array): Promise<void>;
    deleteSetting(key: string): Promise<void>;
  }
}
export {};
