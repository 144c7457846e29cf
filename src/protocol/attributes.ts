// Attributes of files and folders as programs hold them (a plain name → value map) and as the
// wire carries them (pairs in name order, src/protocol/pb/attributes.proto), with the check of
// their bounds that the master runs on every command and a client runs before it asks.
import { ATTRIBUTE_NAME_BYTES_MAX, ATTRIBUTES_BYTES_MAX } from "./limits.ts";
import type { Attribute } from "./pb/attributes.ts";

/** Name → value, UTF-8 strings. */
export type Attributes = Record<string, string>;

const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * What is wrong with an attribute list, or undefined: names are 1..ATTRIBUTE_NAME_BYTES_MAX
 * bytes without control characters, distinct, in name order (so every master stores the same
 * bytes), and names and values together are at most ATTRIBUTES_BYTES_MAX bytes.
 */
export function attributesProblem(list: readonly Attribute[]): string | undefined {
  let totalBytes = 0;
  for (let i = 0; i < list.length; i++) {
    const { name, value } = list[i]!;
    const nameBytes = utf8Bytes(name);
    if (nameBytes === 0 || nameBytes > ATTRIBUTE_NAME_BYTES_MAX || CONTROL_CHAR.test(name)) {
      return `an attribute name is 1..${ATTRIBUTE_NAME_BYTES_MAX} bytes of UTF-8 without control characters`;
    }
    if (i > 0 && !(list[i - 1]!.name < name)) return `attribute names are distinct and in order (${JSON.stringify(name)})`;
    totalBytes += nameBytes + utf8Bytes(value);
    if (totalBytes > ATTRIBUTES_BYTES_MAX) return `the attributes of a file or folder are at most ${ATTRIBUTES_BYTES_MAX} bytes of names and values`;
  }
  return undefined;
}

/** The wire's list of a map: pairs in name order (code unit order, the same everywhere). */
export function attributesToWire(attributes: Attributes | undefined): Attribute[] {
  if (attributes === undefined) return [];
  const list = Object.entries(attributes).map(([name, value]) => ({ name, value: String(value) }));
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A map of the wire's list (own properties only: a name like "__proto__" is a plain key). */
export function attributesFromWire(list: readonly Attribute[]): Attributes {
  return Object.fromEntries(list.map((attribute) => [attribute.name, attribute.value]));
}
