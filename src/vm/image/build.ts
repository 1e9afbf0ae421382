// The guest image libvirt VMs boot: a Debian kernel and a busybox initramfs built here, cached in
// the data directory under a hash of every input (kernel, modules, busybox, scripts, this
// builder's version), so a second call costs a few stat()s and a changed input rebuilds.
//   DATA/guest-image/images/HASH/{vmlinuz,initrd.img,manifest.json}

import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { VmDriverError } from "../errors";
import { writeCpio } from "./cpio";
import { dhcpScript, initScript, initramfsEntries, isStaticElf, VIRTIO_NET_MODULES } from "./guest";
import { fileStamp, findGuestKernel, moduleFiles, type GuestKernel } from "./kernel";

/** Bump when the image's layout changes in a way the inputs' hash would not see. */
const BUILDER_VERSION = 1;
const DEFAULT_BUSYBOX = "/bin/busybox";

export interface GuestImage {
  kernel: string;
  initrd: string;
  kernelVersion: string;
  hash: string;
  /** False when the cached image was reused. */
  built: boolean;
}

export interface BuildOptions {
  dataDir: string;
  /** A static busybox (default /bin/busybox from Debian's busybox-static). */
  busybox?: string;
  /** Use this kernel instead of searching for one (tests). */
  kernel?: GuestKernel;
  log?: (line: string) => void;
}

export async function buildGuestImage(o: BuildOptions): Promise<GuestImage> {
  const log = o.log ?? (() => undefined);
  const root = join(o.dataDir, "guest-image");
  const kernel = o.kernel ?? (await findGuestKernel(root, log));
  const busyboxPath = o.busybox ?? DEFAULT_BUSYBOX;
  if (!existsSync(busyboxPath)) throw new VmDriverError(`no busybox at ${busyboxPath}: apt-get install busybox-static`);
  const modules = moduleFiles(kernel);
  const loadable = VIRTIO_NET_MODULES.filter((m) => modules.get(m) !== "builtin").map((m) => [m, modules.get(m)!] as const);

  const hash = createHash("sha256")
    .update(JSON.stringify({
      v: BUILDER_VERSION,
      kernel: fileStamp(kernel.vmlinuz),
      modules: loadable.map(([m, f]) => [m, fileStamp(f)]),
      busybox: fileStamp(busyboxPath),
      init: initScript(loadable.map(([m]) => m)),
      dhcp: dhcpScript(),
    }))
    .digest("hex")
    .slice(0, 16);
  const dir = join(root, "images", hash);
  const image = { kernel: join(dir, "vmlinuz"), initrd: join(dir, "initrd.img"), kernelVersion: kernel.version, hash };
  if (existsSync(join(dir, "manifest.json")) && existsSync(image.kernel) && existsSync(image.initrd)) return { ...image, built: false };

  log(`guest image: building from ${kernel.source} and ${busyboxPath}`);
  const busybox = readFileSync(busyboxPath);
  if (!isStaticElf(busybox)) throw new VmDriverError(`${busyboxPath} is not a static 64-bit executable: the guest has no libc (apt-get install busybox-static)`);
  const cpio = writeCpio(initramfsEntries(busybox, loadable.map(([m, f]) => [m, readFileSync(f)] as const)));
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  copyFileSync(kernel.vmlinuz, join(tmp, "vmlinuz"));
  writeFileSync(join(tmp, "initrd.img"), gzipSync(cpio, { level: 6 }));
  writeFileSync(
    join(tmp, "manifest.json"),
    JSON.stringify({ hash, kernelVersion: kernel.version, source: kernel.source, busybox: busyboxPath, modules: loadable.map(([m]) => m), builtAt: new Date().toISOString() }, null, 2),
  );
  // Another process may have built the same image meanwhile: either copy is good.
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`guest image: ${dir} (kernel ${kernel.version})`);
  return { ...image, built: true };
}
