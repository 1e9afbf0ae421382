#!/usr/bin/env bash
# Builds the tiny guest image (Debian kernel + busybox initramfs) that libvirt VMs boot, into the
# data directory's cache, and prints its paths as JSON. The libvirt driver builds it on first use
# anyway; run this ahead of time to keep that out of a VM's first start. See docs/vms.md.
#   scripts/build-guest-image.sh [--data-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx src/vm/image/main.ts "$@"
