// JMX ObjectName patterns, as a NameNode's /jmx?qry= takes them (javax.management.ObjectName):
// "domain:key=value,key=value" where the domain and each value may hold the wildcards `*` and
// `?`, and a trailing `,*` (or a lone `*`) lets a bean carry more keys than the pattern names.
// "*:*" matches every bean, "Hadoop:service=NameNode,name=*" every NameNode bean. Key order
// never matters. What Java rejects as malformed (no ':', an empty key list, a key without '=',
// a wildcard in a key, a key named twice) is rejected here too, so a script gets the same 400.

/** A query of at most this many characters: bean names are short, and a query is parsed per request. */
export const OBJECT_NAME_CHARS_MAX = 1_024;
/** Keys a pattern may name. */
const OBJECT_NAME_KEYS_MAX = 16;

export class MalformedObjectNameError extends Error {
  override name = "MalformedObjectNameError";
}

export interface ObjectNamePattern {
  domain: RegExp;
  keys: Map<string, RegExp>;
  /** True when a bean may carry keys the pattern does not name (`,*`). */
  openKeys: boolean;
}

export interface ObjectName {
  domain: string;
  keys: Map<string, string>;
}

/** Parses a pattern; throws MalformedObjectNameError with one sentence saying what is wrong. */
export function parseObjectNamePattern(text: string): ObjectNamePattern {
  if (text.length > OBJECT_NAME_CHARS_MAX) throw new MalformedObjectNameError(`a bean query is at most ${OBJECT_NAME_CHARS_MAX} characters`);
  const colon = text.indexOf(":");
  if (colon < 0) throw new MalformedObjectNameError(`the bean query ${shown(text)} has no ':' between its domain and its keys (for example Hadoop:service=NameNode,name=*)`);
  const domain = text.slice(0, colon);
  if (/[\n]/.test(domain)) throw new MalformedObjectNameError("a bean domain cannot contain a newline");
  const list = text.slice(colon + 1);
  if (list.length === 0) throw new MalformedObjectNameError(`the bean query ${shown(text)} names no keys (use ${shown(`${domain}:*`)} for every bean of the domain)`);
  const keys = new Map<string, RegExp>();
  let openKeys = false;
  for (const property of list.split(",")) {
    if (property === "*") {
      if (openKeys) throw new MalformedObjectNameError(`the bean query ${shown(text)} has '*' twice in its keys`);
      openKeys = true;
      continue;
    }
    const equals = property.indexOf("=");
    if (equals <= 0) throw new MalformedObjectNameError(`the bean query ${shown(text)} has a key without a name or '=' (${shown(property)})`);
    const key = property.slice(0, equals);
    const value = property.slice(equals + 1);
    if (/[*?:=,"\n]/.test(key)) throw new MalformedObjectNameError(`the key ${shown(key)} of the bean query has a character a key cannot hold`);
    if (value.length === 0) throw new MalformedObjectNameError(`the key ${shown(key)} of the bean query has an empty value`);
    if (/[:=,"\n]/.test(value)) throw new MalformedObjectNameError(`the value of ${shown(key)} in the bean query has a character a value cannot hold unquoted`);
    if (keys.has(key)) throw new MalformedObjectNameError(`the bean query names the key ${shown(key)} twice`);
    keys.set(key, glob(value));
    if (keys.size > OBJECT_NAME_KEYS_MAX) throw new MalformedObjectNameError(`a bean query names at most ${OBJECT_NAME_KEYS_MAX} keys`);
  }
  // ObjectName's default domain when none is given; no Tessera bean lives there.
  return { domain: glob(domain === "" ? "DefaultDomain" : domain), keys, openKeys };
}

/** Parses a concrete bean name such as "Hadoop:service=NameNode,name=FSNamesystem" (no wildcards). */
export function parseObjectName(text: string): ObjectName {
  const colon = text.indexOf(":");
  if (colon < 0) throw new MalformedObjectNameError(`the bean name ${shown(text)} has no ':'`);
  const keys = new Map<string, string>();
  for (const property of text.slice(colon + 1).split(",")) {
    const equals = property.indexOf("=");
    if (equals <= 0) throw new MalformedObjectNameError(`the bean name ${shown(text)} has a key without '='`);
    keys.set(property.slice(0, equals), property.slice(equals + 1));
  }
  return { domain: text.slice(0, colon), keys };
}

export function matchesObjectName(pattern: ObjectNamePattern, name: ObjectName): boolean {
  if (!pattern.domain.test(name.domain)) return false;
  for (const [key, value] of pattern.keys) {
    const actual = name.keys.get(key);
    if (actual === undefined || !value.test(actual)) return false;
  }
  return pattern.openKeys || name.keys.size === pattern.keys.size;
}

/** `*` is any run of characters, `?` any one character; everything else stands for itself. */
function glob(text: string): RegExp {
  const source = text.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s");
}

function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
