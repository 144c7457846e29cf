// Reading the kernel's mount table (cmd/mount-point.ts): escapes, optional fields, the mount on
// top of a point, and st_dev as the table's "major:minor".
import { describe, it, expect } from "vitest";
import { statSync } from "node:fs";
import { deviceName, isTesseraMount, mountAt, readMounts } from "../../cmd/mount-point.ts";

const TABLE = [
  "22 26 0:21 / /sys rw,relatime shared:7 - sysfs sysfs rw",
  "44 26 0:39 / /mnt/my\\040data rw,nosuid,nodev,relatime shared:9 master:2 - fuse.tessera tessera rw,user_id=0,group_id=0",
  "45 26 0:40 / /mnt/other rw,relatime - fuse /dev/fuse rw,user_id=0",
  "46 44 0:41 / /mnt/my\\040data rw,relatime - tmpfs tmpfs rw",
  "a line the kernel never writes",
  "",
].join("\n");

describe("the mount table", () => {
  it("reads points with escaped spaces and any number of optional fields", () => {
    const mounts = readMounts(TABLE);
    expect(mounts).toHaveLength(4);
    expect(mounts[1]).toEqual({ device: "0:39", mountPoint: "/mnt/my data", fsType: "fuse.tessera", source: "tessera" });
  });

  it("answers the mount on top of a point", () => {
    const mounts = readMounts(TABLE);
    expect(mountAt("/mnt/my data", mounts)?.fsType).toBe("tmpfs");
    expect(mountAt("/mnt/none", mounts)).toBeUndefined();
    expect(isTesseraMount(mounts[1]!)).toBe(true);
    expect(isTesseraMount(mountAt("/mnt/other", mounts)!)).toBe(false);
  });

  it("names a st_dev as the table does", () => {
    expect(deviceName(39)).toBe("0:39");
    expect(deviceName((8 << 8) | 1)).toBe("8:1");
    // Minor numbers past 255 go in the high bits (sys/sysmacros.h).
    expect(deviceName((259 << 8) | ((300 & ~0xff) << 12) | (300 & 0xff))).toBe("259:300");
    // This machine's /proc: its device in the live table is its st_dev.
    expect(mountAt("/proc")?.device).toBe(deviceName(statSync("/proc").dev));
  });
});
