// `node start --tier NAME:DIR:SIZE` (repeatable; the order of the flags is the order of the
// tiers, top first). Each bad spec is refused with one sentence naming it (STYLE.md §5):
// a tier the operator typed wrong must stop the peer at start, not shrink its cache silently.
import { realpathSync, statSync } from "node:fs";
import { resolve, sep } from "node:path";
import { TIERS_MAX } from "../protocol/mounts.ts";
import { ConfigError } from "../util/config.ts";
import { parseSizeBytes } from "../util/size.ts";
import type { TierName, TierSpec } from "./tiers.ts";

export const TIER_NAMES: readonly TierName[] = ["MEM", "SSD", "HDD"];
const EXAMPLE = "for example MEM:/dev/shm/tessera:4GiB";

/** One spec, its folder checked to exist. */
export function parseTierSpec(text: string): TierSpec {
  // The folder may hold colons itself: the name is before the first, the size after the last.
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  if (first < 0) throw new ConfigError(`--tier "${text}" is not NAME:DIR:SIZE (${EXAMPLE})`);
  const name = text.slice(0, first).toUpperCase();
  if (!(TIER_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(`--tier "${text}" names an unknown tier "${text.slice(0, first)}" (one of ${TIER_NAMES.join(", ")})`);
  }
  if (first === last) throw new ConfigError(`--tier "${text}" has no size: add one after the folder (${EXAMPLE})`);
  const dir = text.slice(first + 1, last);
  const sizeText = text.slice(last + 1);
  if (dir === "") throw new ConfigError(`--tier "${text}" has no folder (${EXAMPLE})`);
  if (sizeText.trim() === "") throw new ConfigError(`--tier "${text}" has no size: add one after the folder (${EXAMPLE})`);
  const capacityBytes = parseSizeBytes(sizeText);
  if (capacityBytes === undefined) throw new ConfigError(`--tier "${text}" has a size "${sizeText}" that is not a size (for example 64MiB, 4GiB or 1048576)`);
  let isFolder: boolean;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    throw new ConfigError(`--tier "${text}": the folder ${dir} does not exist (create it first; a MEM tier belongs on tmpfs, such as /dev/shm)`);
  }
  if (!isFolder) throw new ConfigError(`--tier "${text}": ${dir} is not a folder`);
  return { name: name as TierName, dir: realpathSync(resolve(dir)), capacityBytes };
}

/**
 * Every `--tier` flag, top first. `dataDir`, when given, must not hold a tier nor be inside one
 * (a tier's folder holds cache copies only: that is how they are known after a restart).
 */
export function parseTierSpecs(texts: readonly string[], dataDir?: string): TierSpec[] {
  if (texts.length > TIERS_MAX) throw new ConfigError(`${texts.length} tiers given; a peer has at most ${TIERS_MAX}`);
  const specs = texts.map(parseTierSpec);
  validateTierSpecs(specs, dataDir);
  return specs;
}

/** The checks between specs (also for specs given through the embedding API). */
export function validateTierSpecs(specs: readonly TierSpec[], dataDir?: string): void {
  if (specs.length > TIERS_MAX) throw new ConfigError(`${specs.length} tiers given; a peer has at most ${TIERS_MAX}`);
  const data = dataDir === undefined ? undefined : resolve(dataDir);
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (!(TIER_NAMES as readonly string[]).includes(spec.name)) throw new ConfigError(`tier "${spec.name}" is unknown (one of ${TIER_NAMES.join(", ")})`);
    if (!Number.isSafeInteger(spec.capacityBytes) || spec.capacityBytes <= 0) throw new ConfigError(`tier ${spec.name} has no size (${EXAMPLE})`);
    if (!isFolder(spec.dir)) throw new ConfigError(`tier ${spec.name}'s folder ${spec.dir} does not exist (create it first)`);
    for (let j = 0; j < i; j++) {
      const other = specs[j]!;
      if (other.name === spec.name) throw new ConfigError(`tier ${spec.name} is given twice: each of ${TIER_NAMES.join(", ")} at most once`);
      if (nested(other.dir, spec.dir)) throw new ConfigError(`tiers ${other.name} and ${spec.name} share the folder ${spec.dir}: give each tier a folder of its own`);
    }
    if (data !== undefined && nested(data, spec.dir)) throw new ConfigError(`tier ${spec.name}'s folder ${spec.dir} overlaps the data dir ${data}: give the tier a folder of its own`);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** One folder is the other or inside it. */
function nested(a: string, b: string): boolean {
  const x = resolve(a);
  const y = resolve(b);
  return x === y || x.startsWith(y + sep) || y.startsWith(x + sep);
}
