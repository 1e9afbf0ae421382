// Creating the data directory. Node 20's mkdirSync(dir, { recursive: true }) never returns when a
// parent exists but refuses new entries with ENOENT (e.g. `--data-dir /proc/x`): it retries the
// parent forever. This walks up at most once per path component and always ends with a result.
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

const reasons: Record<string, string> = {
  ENOENT: "its parent does not accept new directories",
  EACCES: "permission denied",
  EROFS: "read-only file system",
  ENOTDIR: "a part of the path is a file, not a directory",
  EEXIST: "a file of that name exists and is not a directory",
};

/** Creates `dir` and its missing parents; throws an error naming the directory and the reason. */
export function makeDirectory(dir: string): void {
  const target = resolve(dir);
  // The directories to create, deepest last: walk up until one exists.
  const missing: string[] = [];
  for (let d = target; ; d = dirname(d)) {
    let exists = false;
    try {
      exists = statSync(d).isDirectory();
      if (!exists) throw Object.assign(new Error("not a directory"), { code: d === target ? "EEXIST" : "ENOTDIR" });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") throw new Error(`cannot create directory ${target}: ${reasons[code ?? ""] ?? (err as Error).message}`);
    }
    if (exists) break;
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      if (code === "EEXIST" && statSync(d).isDirectory()) continue; // made by someone else meanwhile
      throw new Error(`cannot create directory ${target}: ${reasons[code] ?? (err as Error).message}`);
    }
  }
}
