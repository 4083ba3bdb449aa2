#!/usr/bin/env bash
# Debian packages the tests use: R and its `survey`, `psych` and `lavaan` packages (the statistics references).
# Installs what is missing when it can (root with apt-get); otherwise says so, and the tests
# that need a package skip with the reason.
set -u
packages=(r-base-core r-cran-survey r-cran-psych r-cran-lavaan)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "note: not installing ${missing[*]} (needs root and apt-get); tests that need them will skip" >&2
    exit 0
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "note: could not install ${missing[*]}; tests that need them will skip" >&2
exit 0
