import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { readCpio, writeCpio, CpioError, type CpioEntry } from "../../../src/vm/image/cpio";

const sample: CpioEntry[] = [
  { type: "dir", path: "bin" },
  { type: "file", path: "bin/hello", data: "echo hi\n", mode: 0o755 },
  { type: "symlink", path: "bin/sh", target: "hello" },
  { type: "dir", path: "dev" },
  { type: "chardev", path: "dev/console", major: 5, minor: 1 },
];

describe("newc cpio writer", () => {
  it("writes a header field by field, name and data padded to 4 bytes", () => {
    const buf = writeCpio([{ type: "file", path: "a", data: "xyz" }]);
    const h = buf.toString("ascii", 0, 110);
    expect(h.slice(0, 6)).toBe("070701");
    expect(h.slice(6, 14)).toBe("00000001"); // ino
    expect(h.slice(14, 22)).toBe((0o100644).toString(16).padStart(8, "0")); // regular file, 0644
    expect(h.slice(54, 62)).toBe("00000003"); // filesize
    expect(h.slice(94, 102)).toBe("00000002"); // namesize "a\0"
    // 110 + 2 = 112 is aligned: data starts right after the name; 3 bytes of data + 1 pad.
    expect(buf.toString("ascii", 110, 112)).toBe("a\0");
    expect(buf.toString("ascii", 112, 115)).toBe("xyz");
    expect(buf[115]).toBe(0);
    expect(buf.toString("ascii", 116, 122)).toBe("070701"); // the trailer's header, aligned
    expect(buf.length % 4).toBe(0);
  });

  it("round-trips, and busybox cpio reads the same members", () => {
    const buf = writeCpio(sample);
    const back = readCpio(buf);
    expect(back.map((m) => m.path)).toEqual(["bin", "bin/hello", "bin/sh", "dev", "dev/console"]);
    expect(back[1]!.data.toString()).toBe("echo hi\n");
    expect(back[1]!.mode & 0o777).toBe(0o755);
    expect(back[2]!.data.toString()).toBe("hello");
    expect(back[4]!.rdev).toEqual([5, 1]);
    const dir = mkdtempSync(join(tmpdir(), "vm-cpio-"));
    try {
      writeFileSync(join(dir, "a.cpio"), buf);
      const listing = execFileSync("sh", ["-c", `busybox cpio -tv < '${dir}/a.cpio'`], { encoding: "utf8" });
      expect(listing).toMatch(/^lrwxrwxrwx .* bin\/sh -> hello$/m);
      expect(listing).toMatch(/^crw------- .* dev\/console$/m);
      expect(listing).toMatch(/^-rwxr-xr-x .* 8 .* bin\/hello$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps every member's header 4-byte aligned for any names and sizes", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9_]{1,12}$/), { minLength: 1, maxLength: 6 }),
        fc.array(fc.uint8Array({ maxLength: 9 }), { minLength: 6, maxLength: 6 }),
        (names, datas) => {
          const entries: CpioEntry[] = names.map((n, i) => ({ type: "file", path: n, data: Buffer.from(datas[i]!) }));
          const back = readCpio(writeCpio(entries));
          expect(back.map((m) => [m.path, [...m.data]])).toEqual(entries.map((e, i) => [e.path, [...datas[i]!]]));
        },
      ),
    );
  });

  it("refuses duplicates, members before their directory, and escaping paths", () => {
    expect(() => writeCpio([{ type: "dir", path: "a" }, { type: "dir", path: "a" }])).toThrow(/twice/);
    expect(() => writeCpio([{ type: "file", path: "x/y", data: "" }])).toThrow(/before its directory "x"/);
    expect(() => writeCpio([{ type: "file", path: "../etc/passwd", data: "" }])).toThrow(CpioError);
  });

  it("reports a damaged archive with the byte offset", () => {
    const buf = writeCpio(sample);
    expect(() => readCpio(buf.subarray(0, 50))).toThrow(/truncated cpio header at byte 0/);
    const bad = Buffer.from(buf);
    bad.write("070702", 0, "ascii");
    expect(() => readCpio(bad)).toThrow(/bad cpio magic "070702" at byte 0/);
  });
});
