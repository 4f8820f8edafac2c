#!/usr/bin/env bash
# System packages the project needs on Debian: bubblewrap (sandbox), libseccomp (seccomp filters), and a
# single-node SLURM with munge (the cluster test), Chromium and its driver (the results browser's tests and
# benchmark drive it headless).  Idempotent; does nothing for packages already installed.
# Needs root and apt-get; elsewhere it says what is missing and goes on (the sandbox then reports which
# layers are unavailable).
set -euo pipefail
pkgs=(bubblewrap libseccomp2 slurmctld slurmd slurm-client munge chromium chromium-driver)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup-system: missing Debian packages: ${missing[*]} (need root and apt-get to install them)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
