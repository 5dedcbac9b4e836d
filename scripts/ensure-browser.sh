#!/usr/bin/env bash
# Headless Chromium, its WebDriver and a CJK font, from Debian's packages: what the browser test of the
# published HTML page and `make screenshot` need. Installs them with apt-get when missing (as root);
# otherwise says what to install. Idempotent.
set -euo pipefail

have() {
    command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 &&
        fc-list :lang=zh family 2>/dev/null | grep -q .
}

if have; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-browser: installing chromium, chromium-driver, fonts-wqy-microhei (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-wqy-microhei fontconfig >/dev/null
    have && exit 0
fi
echo "ensure-browser: chromium, chromium-driver and a CJK font (fonts-wqy-microhei) are needed for the browser test;" \
     "install them with: apt-get install chromium chromium-driver fonts-wqy-microhei" >&2
exit 1
