#!/usr/bin/env bash
# Installs what the e2e tests need on a fresh Debian 12 CI machine. Idempotent: when
# every package is already installed, apt is not touched at all. The machine's own
# docker/containerd services are NOT started (tests start private daemons).
set -euo pipefail

PACKAGES=(docker.io containerd runc runsc busybox-static tmux bzip2 tar procps ca-certificates)

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo -n -E "$0" "$@"
  fi
  echo "setup-host: must run as root (or with passwordless sudo)" >&2
  exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup-host: dpkg-query not found; this script expects Debian 12 (bookworm)" >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
  case "$status" in
    ii*) ;;
    *) missing+=("$pkg") ;;
  esac
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-host: all packages present (${PACKAGES[*]})"
else
  echo "setup-host: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive

  # Keep maintainer scripts from starting docker/containerd (sysvinit or systemd):
  # invoke-rc.d and deb-systemd-invoke both honour policy-rc.d exit code 101.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from .ci/setup-host.sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi

  apt_opts=(-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  apt-get "${apt_opts[@]}" update </dev/null
  apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null
fi

# Verify what the tests rely on.
fail=0
for bin in /usr/sbin/dockerd /usr/bin/docker /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/bin/runsc /bin/busybox; do
  if [ ! -x "$bin" ]; then
    echo "setup-host: missing $bin after install" >&2
    fail=1
  fi
done
for cmd in runc tar bzip2 tmux ps; do
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1; then
    echo "setup-host: missing $cmd after install" >&2
    fail=1
  fi
done
[ "$fail" -eq 0 ] || exit 1

echo "setup-host: $(/usr/bin/docker --version 2>/dev/null || true); $(/usr/bin/runsc --version 2>/dev/null | head -n1 || true)"
