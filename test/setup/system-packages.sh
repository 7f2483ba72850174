#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing: chromium (Playwright's report tests)
# and faketime (libfaketime, for replica clock skew). Quiet when both are present; idempotent.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The same places nemesis/faketime.ts looks (JITTER_LIBFAKETIME, when set, replaces the search there too).
have_faketime() {
  if [ -n "${JITTER_LIBFAKETIME:-}" ]; then [ -e "$JITTER_LIBFAKETIME" ]; return; fi
  local p
  for p in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1 \
    /usr/lib/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1; do
    [ -e "$p" ] && return 0
  done
  return 1
}
have_faketime || missing+=(faketime)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "jitter's tests need these Debian packages: ${missing[*]}. Install them (as root: apt-get install ${missing[*]}) and run again." >&2
  exit 1
fi
echo "installing Debian packages for the tests: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; an install from stale lists can fail, so retry once after an update.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
