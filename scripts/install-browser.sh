#!/bin/sh
# Chromium from Debian's packages for the real-browser tests (Playwright drives it; never
# `playwright install`, which downloads a browser of its own), with a font for the city's
# Chinese names so screenshots are readable. Does nothing when both are already there.
set -eu

CHROMIUM=/usr/bin/chromium
FONT_PACKAGE=fonts-wqy-zenhei

have_font() {
    dpkg-query -W -f='${Status}' "$FONT_PACKAGE" 2>/dev/null | grep -q "install ok installed"
}

if [ -x "$CHROMIUM" ] && have_font; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get here; install Chromium at $CHROMIUM by hand" >&2
    echo "(the browser tests skip without it)" >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-browser: not root and no sudo; the browser tests will skip" >&2
        exit 0
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# A package mirror can stumble: try a few times before giving up.
for attempt in 1 2 3; do
    if $SUDO apt-get update -qq && \
        $SUDO apt-get install -y -qq --no-install-recommends chromium "$FONT_PACKAGE"; then
        exit 0
    fi
    echo "install-browser: attempt $attempt failed, retrying" >&2
    sleep 10
done
echo "install-browser: could not install Chromium from Debian's packages" >&2
exit 1
