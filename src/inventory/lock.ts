// One server per data directory: two `vnet serve` processes on the same inventory would each keep
// their own in-memory state and overwrite each other's writes. The lock is a pid file; a file left
// by a process that no longer exists (kill -9, power loss) is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export class DataDirLockedError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which still means "alive".
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function lockedError(dataDir: string, holder: number): DataDirLockedError {
  return new DataDirLockedError(`another vnet serve (pid ${holder}) is using ${dataDir}; stop it first`);
}

/** The pid of the live process holding the lock, or null when the directory is free (or its lock stale). */
function liveHolder(file: string): number | null {
  let holder: number;
  try {
    holder = Number.parseInt(readFileSync(file, "utf8"), 10);
  } catch {
    return null;
  }
  return Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder) ? holder : null;
}

/**
 * Throws DataDirLockedError when another live process holds the directory, without taking the
 * lock: a caller that must open other resources first (the controller's port) checks this so that
 * a second `vnet serve` is told why, instead of failing on the port.
 */
export function assertDataDirFree(dataDir: string): void {
  const holder = liveHolder(join(dataDir, "serve.pid"));
  if (holder !== null) throw lockedError(dataDir, holder);
}

/** Takes the lock or throws DataDirLockedError naming the holder; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, "serve.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, "utf8").trim() === String(process.pid)) rmSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = liveHolder(file);
      if (holder !== null) throw lockedError(dataDir, holder);
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new DataDirLockedError(`cannot lock ${dataDir}`);
}
