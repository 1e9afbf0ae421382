#!/usr/bin/env bash
# Installs everything vnet needs on a Debian 12 machine, as root. Idempotent and quick when nothing is
# missing: it only calls apt-get for packages that are absent and `npm ci` when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the switch and its tools, the peers we benchmark against, and the programs that
# the labs run inside namespaces (DHCP server and client, iperf3, ethtool for checksum offload).
DEBIAN_PACKAGES=(
  openvswitch-switch openvswitch-testcontroller python3-os-ken
  iproute2 ethtool nftables procps psmisc xxd tcpdump tshark
  dnsmasq-base busybox-static udhcpc iperf3
  chromium openssl
)
if [ -n "${VNET_EXTRA_PACKAGES:-}" ]; then
  # shellcheck disable=SC2206
  DEBIAN_PACKAGES+=(${VNET_EXTRA_PACKAGES})
fi

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's openvswitch-switch may start a system OVS; vnet's labs and tests run their own instances
# and never depend on it.

# npm packages: reinstall when package-lock.json is newer than the last install.
stamp=node_modules/.vnet-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
