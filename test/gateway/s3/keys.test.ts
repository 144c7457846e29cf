// The access-key store (src/gateway/s3/keys.ts) over in-memory settings: ids and secrets of
// the right shape and random, listing without secrets across pages, deletion, and lookups
// cached for KEY_CACHE_MS (a deletion elsewhere is seen once the cache entry ages out).
import { describe, it, expect } from "vitest";
import { AccessKeyStore, AccessKeyError, KEY_CACHE_MS, KEY_SETTING_PREFIX, KEY_USER_CHARS_MAX, keyAllowsBucket, type SettingsStore } from "../../../src/gateway/s3/keys.ts";

function memorySettings(pageEntries = 2) {
  const values = new Map<string, Uint8Array>();
  const calls = { get: 0 };
  const store: SettingsStore = {
    async getSetting(key) {
      calls.get += 1;
      return values.get(key);
    },
    async setSetting(key, value) {
      values.set(key, value);
    },
    async deleteSetting(key) {
      values.delete(key);
    },
    async listSettings(prefix, options = {}) {
      const keys = [...values.keys()].filter((key) => key.startsWith(prefix) && key > (options.after ?? "")).sort();
      const page = keys.slice(0, Math.min(options.limit ?? pageEntries, pageEntries));
      return { entries: page.map((key) => ({ key, value: values.get(key)! })), next: page.length < keys.length ? page[page.length - 1]! : "" };
    },
  };
  return { store, values, calls };
}

describe("AccessKeyStore", () => {
  it("creates keys with a 20-character id and a 40-character secret, different every time", async () => {
    const { store, values } = memorySettings();
    const keys = new AccessKeyStore(store, () => 1_000);
    const a = await keys.create({ name: "etl", buckets: ["logs", "logs"], readOnly: true, user: "alice" });
    const b = await keys.create({ user: "alice" });
    expect(a.accessKeyId).toMatch(/^[A-Z2-7]{20}$/);
    expect(a.secret).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secret).not.toBe(b.secret);
    expect(a).toMatchObject({ name: "etl", buckets: ["logs"], readOnly: true, createdMs: 1_000, user: "alice" });
    expect(b).toMatchObject({ name: "", buckets: [], readOnly: false, user: "alice" });
    expect([...values.keys()].sort()).toEqual([KEY_SETTING_PREFIX + a.accessKeyId, KEY_SETTING_PREFIX + b.accessKeyId].sort());
  });

  it("lists every key across pages without their secrets", async () => {
    const { store } = memorySettings(2);
    const keys = new AccessKeyStore(store);
    const made = await Promise.all([1, 2, 3, 4, 5].map((i) => keys.create({ name: `k${i}`, user: "alice" })));
    const listed = await keys.list();
    expect(listed.map((k) => k.accessKeyId).sort()).toEqual(made.map((k) => k.accessKeyId).sort());
    expect(JSON.stringify(listed)).not.toContain(made[0]!.secret);
    for (const key of listed) expect(Object.keys(key)).not.toContain("secret");
  });

  it("skips a setting under the prefix that is not a key record", async () => {
    const { store, values } = memorySettings();
    const keys = new AccessKeyStore(store);
    values.set(`${KEY_SETTING_PREFIX}AAAAAAAAAAAAAAAAAAAA`, new TextEncoder().encode("{not json"));
    values.set(`${KEY_SETTING_PREFIX}BBBBBBBBBBBBBBBBBBBB`, new TextEncoder().encode(JSON.stringify({ secret: "short", name: "", buckets: [], readOnly: false, createdMs: 1 })));
    expect(await keys.list()).toEqual([]);
    expect(await keys.lookup("AAAAAAAAAAAAAAAAAAAA")).toBeUndefined();
  });

  it("deletes a key, and refuses an id of the wrong shape", async () => {
    const { store } = memorySettings();
    const keys = new AccessKeyStore(store);
    const key = await keys.create({ user: "alice" });
    expect(await keys.lookup(key.accessKeyId)).toMatchObject({ secret: key.secret });
    expect(await keys.delete(key.accessKeyId)).toBe(true);
    expect(await keys.lookup(key.accessKeyId)).toBeUndefined();
    expect(await keys.delete(key.accessKeyId)).toBe(false);
    await expect(keys.delete("nope")).rejects.toThrow(AccessKeyError);
  });

  it("caches lookups for KEY_CACHE_MS, then asks again", async () => {
    const { store, calls } = memorySettings();
    let nowMs = 0;
    const writer = new AccessKeyStore(store, () => nowMs);
    const gateway = new AccessKeyStore(store, () => nowMs);
    const key = await writer.create({ user: "alice" });
    expect(await gateway.lookup(key.accessKeyId)).toBeDefined();
    expect(await gateway.lookup(key.accessKeyId)).toBeDefined();
    expect(calls.get).toBe(1);
    await writer.delete(key.accessKeyId);
    nowMs += KEY_CACHE_MS - 1;
    expect(await gateway.lookup(key.accessKeyId)).toBeDefined();
    nowMs += 1;
    expect(await gateway.lookup(key.accessKeyId)).toBeUndefined();
    // An id of the wrong shape is never looked up.
    const before = calls.get;
    expect(await gateway.lookup("x")).toBeUndefined();
    expect(calls.get).toBe(before);
  });

  it("refuses names and bucket lists beyond their bounds, and checks each bucket", async () => {
    const { store } = memorySettings();
    const keys = new AccessKeyStore(store);
    await expect(keys.create({ name: "n".repeat(129), user: "alice" })).rejects.toThrow(AccessKeyError);
    await expect(keys.create({ buckets: Array.from({ length: 101 }, (_, i) => `b${i}`), user: "alice" })).rejects.toThrow(AccessKeyError);
    await expect(keys.create({ buckets: ["Bad_Name"], user: "alice" }, (name) => {
      if (name !== name.toLowerCase()) throw new Error(`bad bucket ${name}`);
    })).rejects.toThrow("bad bucket");
  });

  it("a key acts for its user; a key stored before keys had users is read without one (it acts as the gateway, the superuser)", async () => {
    const { store, values } = memorySettings();
    const keys = new AccessKeyStore(store);
    const made = await keys.create({ user: "svc.etl@EXAMPLE.COM" });
    expect((await keys.lookup(made.accessKeyId))?.user).toBe("svc.etl@EXAMPLE.COM");
    expect((await keys.list()).map((k) => k.user)).toEqual(["svc.etl@EXAMPLE.COM"]);
    const old = "CCCCCCCCCCCCCCCCCCCC";
    values.set(KEY_SETTING_PREFIX + old, new TextEncoder().encode(JSON.stringify({ secret: "s".repeat(40), name: "", buckets: [], readOnly: false, createdMs: 1 })));
    const oldRecord = await keys.lookup(old);
    expect(oldRecord).toBeDefined();
    expect(oldRecord!.user).toBeUndefined();
    expect("user" in oldRecord!).toBe(false);
    // A stored user of the wrong type or shape is not a record the gateway wrote.
    for (const user of [5, "", "a b", "x".repeat(KEY_USER_CHARS_MAX + 1)]) {
      const id = "DDDDDDDDDDDDDDDDDDDD";
      values.set(KEY_SETTING_PREFIX + id, new TextEncoder().encode(JSON.stringify({ secret: "s".repeat(40), name: "", buckets: [], readOnly: false, createdMs: 1, user })));
      expect(await new AccessKeyStore(store).lookup(id), JSON.stringify(user)).toBeUndefined();
    }
  });

  it("refuses to make a key for a user name it cannot carry", async () => {
    const { store } = memorySettings();
    const keys = new AccessKeyStore(store);
    for (const user of ["", "a b", "bob;x", "x".repeat(KEY_USER_CHARS_MAX + 1)]) await expect(keys.create({ user }), user).rejects.toThrow(AccessKeyError);
  });

  it("limits a key to its buckets, or none", () => {
    expect(keyAllowsBucket({ buckets: [] }, "any")).toBe(true);
    expect(keyAllowsBucket({ buckets: ["a"] }, "a")).toBe(true);
    expect(keyAllowsBucket({ buckets: ["a"] }, "b")).toBe(false);
  });
});
