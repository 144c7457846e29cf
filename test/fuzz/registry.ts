// Fuzz targets (issue 18): each is a fast-check property over one decoder, parser or endpoint.
// The suite runs each with `suiteRuns` cases; bench/fuzz.ts runs them all with many more.
import type fc from "fast-check";

export interface FuzzTarget<Context = unknown> {
  readonly name: string;
  /** Cases the suite runs (a few thousand; fewer for targets that cross a socket). */
  readonly suiteRuns: number;
  /** Started once before the cases (a peer, a server); stopped after. */
  setup?(): Promise<Context>;
  teardown?(context: Context): Promise<void>;
  /** The property: it fails only when an input crashes, hangs or changes what it must not. */
  property(context: Context): fc.IProperty<never> | fc.IAsyncProperty<never>;
}

import { FRAMING_TARGETS } from "./targets-framing.ts";
import { PARSER_TARGETS } from "./targets-parsers.ts";
import { S3_TARGETS } from "./targets-s3.ts";
import { FUSE_TARGETS, WEBHDFS_TARGETS } from "./targets-webhdfs-fuse.ts";
import { PROTOBUF_TARGETS } from "./targets-protobuf.ts";
import { HTTP_FUZZ_TARGETS } from "./endpoints-http.ts";
import { P2P_FUZZ_TARGETS } from "./endpoints-p2p.ts";

/** The targets that need no peer: the suite runs them in test/fuzz/fuzz.test.ts. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [...PROTOBUF_TARGETS, ...FRAMING_TARGETS, ...PARSER_TARGETS, ...S3_TARGETS, ...WEBHDFS_TARGETS, ...FUSE_TARGETS];

/** Targets that start a real peer (test/fuzz/endpoints.test.ts runs them in the suite). */
export const ENDPOINT_FUZZ_TARGETS: readonly FuzzTarget[] = [...HTTP_FUZZ_TARGETS, ...P2P_FUZZ_TARGETS];

/** Every target: what bench/fuzz.ts splits its cases over. */
export const ALL_FUZZ_TARGETS: readonly FuzzTarget[] = [...FUZZ_TARGETS, ...ENDPOINT_FUZZ_TARGETS];
