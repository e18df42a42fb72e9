#!/usr/bin/env bash
# Debian packages the test suite and exports need: LibreOffice's desktop Writer with its Python
# bridge (DOCX checks, accept/reject all through UNO; the -nogui build crashes on documents with
# Word comments), poppler (PDF to PNG and text), Pango (WeasyPrint PDF), fonts with CJK coverage, Chromium (browser tests),
# Node.js and npm (axe-core for the accessibility tests), HAProxy (`make serve-cluster` and its test).
# Installs only what is missing; does nothing when everything is present.
set -euo pipefail
wanted=(libreoffice-writer python3-uno poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
        fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji fonts-thai-tlwg chromium haproxy)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# npm installs axe-core (browser accessibility tests); Debian ships it apart from nodejs.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]} — run: sudo $0" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
