// The "newc" cpio format (what the Linux kernel unpacks as an initramfs), written in memory. Pure.
//   header: "070701" then 13 fields of 8 ASCII hex digits: ino mode uid gid nlink mtime filesize
//           devmajor devminor rdevmajor rdevminor namesize (with its NUL) check (always 0)
//   the name and its NUL, padded with NULs to a multiple of 4 (counting the 110-byte header),
//   the file's bytes (a symlink's target), padded to a multiple of 4; "TRAILER!!!" ends it.

export type CpioEntry =
  | { type: "dir"; path: string; mode?: number }
  | { type: "file"; path: string; data: Buffer | string; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "chardev"; path: string; major: number; minor: number; mode?: number };

const HEADER_BYTES = 110;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

export class CpioError extends Error {
  override name = "CpioError";
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;
const hex8 = (n: number): string => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new CpioError(`cpio field out of range: ${n}`);
  return n.toString(16).padStart(8, "0");
};

function record(ino: number, mode: number, nlink: number, name: string, data: Buffer, rdev: [number, number] = [0, 0]): Buffer {
  const nameBytes = Buffer.from(name + "\0", "utf8");
  const header =
    "070701" +
    [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0].map(hex8).join("");
  return Buffer.concat([
    Buffer.from(header, "ascii"),
    nameBytes,
    Buffer.alloc(pad4(HEADER_BYTES + nameBytes.length)),
    data,
    Buffer.alloc(pad4(data.length)),
  ]);
}

function checkPath(path: string): string {
  const p = path.replace(/^\/+/, "");
  if (!p || p.split("/").some((seg) => seg === "" || seg === "." || seg === "..")) throw new CpioError(`bad archive path "${path}"`);
  return p;
}

/**
 * An archive of the entries, in the order given (a directory must come before what it holds).
 * Owner root, mtime 0: the same entries always give the same bytes, so images are reproducible.
 */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const seen = new Set<string>();
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const path = checkPath(e.path);
    if (seen.has(path)) throw new CpioError(`"${path}" is in the archive twice`);
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    if (parent && !seen.has(parent)) throw new CpioError(`"${path}" comes before its directory "${parent}"`);
    seen.add(path);
    switch (e.type) {
      case "dir":
        parts.push(record(ino++, S_IFDIR | (e.mode ?? 0o755), 2, path, Buffer.alloc(0)));
        break;
      case "file":
        parts.push(record(ino++, S_IFREG | (e.mode ?? 0o644), 1, path, typeof e.data === "string" ? Buffer.from(e.data, "utf8") : e.data));
        break;
      case "symlink":
        parts.push(record(ino++, S_IFLNK | 0o777, 1, path, Buffer.from(e.target, "utf8")));
        break;
      case "chardev":
        parts.push(record(ino++, S_IFCHR | (e.mode ?? 0o600), 1, path, Buffer.alloc(0), [e.major, e.minor]));
        break;
    }
  }
  parts.push(record(0, 0, 1, "TRAILER!!!", Buffer.alloc(0)));
  return Buffer.concat(parts);
}

export interface CpioMember {
  path: string;
  mode: number;
  data: Buffer;
  rdev: [number, number];
}

/** Reads a newc archive back (for tests and for checking a cached image); bounded by the buffer. */
export function readCpio(buf: Buffer): CpioMember[] {
  const out: CpioMember[] = [];
  let off = 0;
  for (;;) {
    if (off + HEADER_BYTES > buf.length) throw new CpioError(`truncated cpio header at byte ${off}`);
    const magic = buf.toString("ascii", off, off + 6);
    if (magic !== "070701") throw new CpioError(`bad cpio magic "${magic}" at byte ${off}`);
    const field = (i: number): number => {
      const text = buf.toString("ascii", off + 6 + i * 8, off + 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new CpioError(`bad cpio field ${i} at byte ${off}`);
      return parseInt(text, 16);
    };
    const mode = field(1);
    const size = field(6);
    const rdev: [number, number] = [field(9), field(10)];
    const nameSize = field(11);
    const nameStart = off + HEADER_BYTES;
    const dataStart = nameStart + nameSize + pad4(HEADER_BYTES + nameSize);
    if (nameSize < 1 || dataStart + size > buf.length) throw new CpioError(`cpio member at byte ${off} runs past the end`);
    const path = buf.toString("utf8", nameStart, nameStart + nameSize - 1);
    if (path === "TRAILER!!!") return out;
    out.push({ path, mode, data: buf.subarray(dataStart, dataStart + size), rdev });
    off = dataStart + size + pad4(size);
  }
}
