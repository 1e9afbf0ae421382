// makeDirectory: creates nested directories, and ends with a clear error where Node's recursive
// mkdirSync would spin forever (a parent that refuses new entries, such as /proc).
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeDirectory } from "../../../src/inventory/dirs";

describe("makeDirectory", () => {
  const base = mkdtempSync(join(tmpdir(), "qa-dirs-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("creates missing parents, and accepts a directory that exists", () => {
    const dir = join(base, "a", "b", "c");
    makeDirectory(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(() => makeDirectory(dir)).not.toThrow();
  });

  it("refuses a path that is a file, naming it", () => {
    const file = join(base, "f");
    writeFileSync(file, "x");
    expect(() => makeDirectory(file)).toThrow(/cannot create directory .*\/f: a file of that name exists/);
    expect(() => makeDirectory(join(file, "sub"))).toThrow(/a part of the path is a file/);
  });

  it("returns with an error under /proc instead of hanging", () => {
    expect(() => makeDirectory("/proc/qa-no-such-dir/inner")).toThrow(/cannot create directory \/proc\/qa-no-such-dir\/inner/);
  });
});
