#!/usr/bin/env bash
# What reports need beyond Python: Debian's Chromium (browser tests), poppler-utils (pdftoppm,
# pdftotext: PDF tests), DejaVu fonts and Pango (WeasyPrint), and the JavaScript bundled into the
# HTML report (Vega, Vega-Lite, vega-embed; axe-core for the accessibility tests), installed by
# `npm ci` from package.json and package-lock.json at the repository root.
# Installs what is missing when it can (root with apt-get; npm on the PATH); otherwise says so,
# and the tests that need a missing piece skip with the reason.
set -u
cd "$(dirname "$0")/.."
packages=(chromium poppler-utils fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "note: not installing ${missing[*]} (needs root and apt-get); report tests that need them will skip" >&2
    else
        echo "installing Debian packages: ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || echo "note: could not install ${missing[*]}; report tests that need them will skip" >&2
    fi
fi
if ! command -v npm >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: nodejs npm" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null \
        || echo "note: could not install npm" >&2
fi
if command -v npm >/dev/null; then
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        echo "installing the report's JavaScript (npm ci)" >&2
        npm ci --no-audit --no-fund --loglevel=error >/dev/null || echo "note: npm ci failed; HTML reports cannot be built" >&2
    fi
else
    echo "note: npm is not installed; HTML reports cannot be built and the report tests will skip (run: npm ci)" >&2
fi
exit 0
