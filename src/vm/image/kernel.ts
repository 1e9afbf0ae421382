// Finding a Debian kernel for the guest, with the virtio-net modules that match it. In order:
//   1. an installed one: /boot/vmlinuz-V with /lib/modules/V holding virtio_net
//   2. a linux-image-V-amd64 (or -cloud-amd64) package in apt's download cache
//   3. the package linux-image-amd64 depends on, fetched with `apt-get download`
// Packages are never installed (that would run the host's initramfs and boot-loader hooks): only
// the kernel and the few modules needed are unpacked into the image cache.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, tryRun } from "../../lab/exec";
import { VmDriverError } from "../errors";
import { VIRTIO_NET_MODULES } from "./guest";

export interface GuestKernel {
  version: string;
  vmlinuz: string;
  /** Directory holding lib/modules/VERSION (the installed root, or an unpacked package). */
  modulesRoot: string;
  /** Where it came from, for the manifest and progress messages. */
  source: string;
}

const APT_CACHE = "/var/cache/apt/archives";
/** Where a downloaded kernel package is kept for every data directory on this machine. */
const SHARED_DEBS = process.env.VNET_GUEST_DEB_CACHE ?? "/var/cache/vnet/debs";
/** Written last into an unpacked package; bump the name when the unpacked file set changes. */
const UNPACKED_MARK = ".vnet-unpacked-2";

/** Module name -> file below lib/modules/V/kernel, or "builtin" (pure: from a file listing). */
export function resolveModules(files: readonly string[], builtin: string, wanted: readonly string[] = VIRTIO_NET_MODULES): Map<string, string> {
  const byName = new Map<string, string>();
  for (const f of files) {
    const m = /([^/]+)\.ko$/.exec(f);
    if (m) byName.set(m[1]!.replace(/-/g, "_"), f);
  }
  const builtIn = new Set(
    builtin
      .split("\n")
      .map((l) => /([^/]+)\.ko$/.exec(l.trim())?.[1]?.replace(/-/g, "_"))
      .filter((x): x is string => !!x),
  );
  const out = new Map<string, string>();
  for (const name of wanted) {
    const file = byName.get(name);
    if (file) out.set(name, file);
    else if (builtIn.has(name)) out.set(name, "builtin");
    else throw new VmDriverError(`the guest kernel has no module ${name} (neither a .ko file nor built in)`);
  }
  return out;
}

function walk(dir: string, prefix = ""): string[] {
  let out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out = out.concat(walk(join(dir, d.name), rel));
    else out.push(rel);
  }
  return out;
}

/** Module files of a kernel, as paths relative to lib/modules/V/kernel. */
export function moduleFiles(k: GuestKernel): Map<string, string> {
  const base = join(k.modulesRoot, "lib/modules", k.version);
  const files = existsSync(join(base, "kernel")) ? walk(join(base, "kernel")) : [];
  let builtin = "";
  try {
    builtin = readFileSync(join(base, "modules.builtin"), "utf8");
  } catch {
    // No list: only .ko files count.
  }
  const resolved = resolveModules(files, builtin);
  return new Map([...resolved].map(([n, f]) => [n, f === "builtin" ? f : join(base, "kernel", f)]));
}

function versionCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

function installedKernel(root = "/"): GuestKernel | undefined {
  const boot = join(root, "boot");
  if (!existsSync(boot)) return undefined;
  const versions = readdirSync(boot)
    .filter((f) => f.startsWith("vmlinuz-"))
    .map((f) => f.slice("vmlinuz-".length))
    .filter((v) => existsSync(join(root, "lib/modules", v)))
    .sort(versionCompare);
  for (const v of versions.reverse()) {
    const k: GuestKernel = { version: v, vmlinuz: join(boot, `vmlinuz-${v}`), modulesRoot: root, source: `installed kernel ${v}` };
    try {
      moduleFiles(k);
      return k;
    } catch {
      // Not usable for a virtio guest: try an older one.
    }
  }
  return undefined;
}

/** The newest kernel image package in a directory of .deb files (pure over the names). */
export function pickKernelDeb(names: readonly string[]): string | undefined {
  return names
    .filter((n) => /^linux-image-\d[^_]*-(cloud-)?amd64_[^_]+_amd64\.deb$/.test(n) && !n.includes("-dbg"))
    // The generic flavour first: the lab notes measured it.
    .sort((a, b) => (a.includes("-cloud-") === b.includes("-cloud-") ? versionCompare(a, b) : a.includes("-cloud-") ? -1 : 1))
    .pop();
}

async function unpackDeb(deb: string, into: string, log: (line: string) => void): Promise<GuestKernel> {
  const name = deb.split("/").pop()!.replace(/\.deb$/, "");
  const dir = join(into, name);
  const unpack = async (): Promise<void> => {
    log(`guest image: unpacking the kernel from ${name}.deb`);
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    // Only the kernel and the module tree's virtio/failover parts: a few MB out of hundreds.
    const patterns = ["./boot/vmlinuz-*", "./lib/modules/*/modules.builtin", "./lib/modules/*/kernel/drivers/virtio/*", "./lib/modules/*/kernel/drivers/net/*failover*", "./lib/modules/*/kernel/drivers/net/virtio_net.ko*", "./lib/modules/*/kernel/net/core/failover.ko*"];
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    await run(["sh", "-c", `dpkg-deb --fsys-tarfile ${q(deb)} | tar -x -C ${q(tmp)} --wildcards ${patterns.map(q).join(" ")}`], { timeoutMs: 120_000 });
    writeFileSync(join(tmp, UNPACKED_MARK), "");
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  };
  if (!existsSync(join(dir, UNPACKED_MARK))) await unpack();
  const version = readdirSync(join(dir, "boot")).find((f) => f.startsWith("vmlinuz-"))?.slice("vmlinuz-".length);
  if (!version) throw new VmDriverError(`package ${name} holds no kernel`);
  const k: GuestKernel = { version, vmlinuz: join(dir, "boot", `vmlinuz-${version}`), modulesRoot: dir, source: `package ${name}` };
  moduleFiles(k); // throws, naming the missing module, when the kernel cannot drive virtio-net
  return k;
}

/** Finds (or fetches and unpacks) a guest kernel; `log` hears what takes time. */
export async function findGuestKernel(cacheDir: string, log: (line: string) => void = () => undefined): Promise<GuestKernel> {
  const installed = installedKernel();
  if (installed) return installed;
  const local = join(cacheDir, "debs");
  const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir).map((n) => ({ n, dir })) : []);
  const candidates = [...listing(SHARED_DEBS), ...listing(local), ...listing(APT_CACHE)];
  const picked = pickKernelDeb(candidates.map((c) => c.n));
  if (picked) {
    const c = candidates.find((x) => x.n === picked)!;
    return unpackDeb(join(c.dir, picked), join(cacheDir, "kernels"), log);
  }
  const deps = await tryRun(["apt-cache", "depends", "linux-image-amd64"]);
  const pkg = /Depends:\s*(linux-image-\d\S*-amd64)/.exec(deps.stdout)?.[1];
  if (!pkg) {
    throw new VmDriverError(
      "no guest kernel here: install linux-image-amd64 (apt-get install linux-image-amd64), or run apt-get update so that it can be downloaded",
    );
  }
  // Downloads go to the machine-wide cache (tests make a fresh data directory each run), or to
  // the data directory when that cannot be written.
  let debs = SHARED_DEBS;
  try {
    mkdirSync(debs, { recursive: true });
  } catch {
    debs = local;
    mkdirSync(debs, { recursive: true });
  }
  log(`guest image: downloading ${pkg} with apt-get into ${debs} (once; about 70 MB)`);
  const r = await tryRun(["sh", "-c", `cd '${debs}' && apt-get download -q ${pkg}`], { timeoutMs: 600_000 });
  const got = pickKernelDeb(readdirSync(debs));
  if (r.code !== 0 || !got) throw new VmDriverError(`could not download ${pkg}: ${r.stderr.trim().split("\n").pop() ?? "apt-get failed"}`);
  return unpackDeb(join(debs, got), join(cacheDir, "kernels"), log);
}

export function fileStamp(path: string): string {
  const s = statSync(path);
  return `${path}:${s.size}:${Math.floor(s.mtimeMs)}`;
}
