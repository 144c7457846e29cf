// JMX ObjectName patterns as a NameNode's /jmx?qry= reads them (javax.management.ObjectName):
// wildcards in the domain and in values, `,*` for more keys, key order ignored, and the
// malformed names Java rejects rejected here too (each becomes a 400).
import { describe, it, expect } from "vitest";
import { MalformedObjectNameError, matchesObjectName, parseObjectName, parseObjectNamePattern } from "../../src/http/object-name.ts";

const FSN = "Hadoop:service=NameNode,name=FSNamesystem";
const matches = (pattern: string, name: string) => matchesObjectName(parseObjectNamePattern(pattern), parseObjectName(name));

describe("JMX ObjectName patterns", () => {
  it("matches exact names, with the keys in any order", () => {
    expect(matches(FSN, FSN)).toBe(true);
    expect(matches("Hadoop:name=FSNamesystem,service=NameNode", FSN)).toBe(true);
    expect(matches("Hadoop:service=NameNode,name=FSNamesystemState", FSN)).toBe(false);
    expect(matches("hadoop:service=NameNode,name=FSNamesystem", FSN)).toBe(false);
  });

  it("matches wildcards in values and the domain, and `*` for any further keys", () => {
    expect(matches("Hadoop:service=NameNode,name=*", FSN)).toBe(true);
    expect(matches("Hadoop:service=NameNode,name=FSNamesystem*", "Hadoop:service=NameNode,name=FSNamesystemState")).toBe(true);
    expect(matches("Hadoop:service=NameNode,name=FSNamesyste?", FSN)).toBe(true);
    expect(matches("Hadoop:service=NameNode,name=FS.amesystem", FSN)).toBe(false);
    expect(matches("*:*", FSN)).toBe(true);
    expect(matches("Had*:*", FSN)).toBe(true);
    expect(matches("Hadoop:service=NameNode,*", FSN)).toBe(true);
    expect(matches("Hadoop:*,service=NameNode", FSN)).toBe(true);
    // Without `*`, a bean with more keys than the pattern names does not match.
    expect(matches("Hadoop:service=NameNode", FSN)).toBe(false);
    expect(matches("Hadoop:service=DataNode,*", FSN)).toBe(false);
  });

  it.each([
    ["no colon", "Hadoop"],
    ["no keys", "Hadoop:"],
    ["a key without '='", "Hadoop:service"],
    ["an empty key", "Hadoop:=NameNode"],
    ["an empty value", "Hadoop:service="],
    ["a key named twice", "Hadoop:name=a,name=b"],
    ["a wildcard in a key", "Hadoop:serv*=NameNode"],
    ["'*' twice", "Hadoop:*,*"],
    ["an empty key list entry", "Hadoop:service=NameNode,,name=x"],
    ["a query too long", `Hadoop:name=${"x".repeat(2_000)}`],
  ])("rejects %s", (_what, pattern) => {
    expect(() => parseObjectNamePattern(pattern)).toThrow(MalformedObjectNameError);
  });
});
