#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtual environment outside the checkout, build
# a small demo city from another folder and serve it; fetch pages and a stylesheet. It
# proves the wheel is the whole product: templates, static files, data and migrations.
# Usage: scripts/check-wheel.sh   (.ci/run calls it after `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# An in-tree build reuses build/; a stale one would ship files that are gone (tests).
rm -rf build
"$checkout/.venv/bin/pip" wheel --quiet --no-deps -w "$work/dist" . 2>/dev/null
wheel=$(ls "$work"/dist/citystat-*.whl)
if unzip -l "$wheel" | grep -q "/tests/"; then
  echo "check-wheel: the wheel ships test files" >&2
  exit 1
fi
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet -c "$checkout/requirements/constraints.txt" "$wheel"

cd "$work"
unset DATABASE_URL CITYSTAT_WAREHOUSE CITYSTAT_CACHE_URL DJANGO_SETTINGS_MODULE PYTHONPATH
export CITYSTAT_HOME="$work/home"
"$work/venv/bin/citystat" --version
"$work/venv/bin/citystat" demo --rows 2000 --no-serve
port=$("$work/venv/bin/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$work/venv/bin/citystat" serve --port "$port" --workers 1 > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done
fail=0
for path in / /datasets/ /neighborhoods/ /meetings/ /how-we-measure/ /static/css/citystat.css /data.json; do
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
  echo "check-wheel: $status $path"
  [ "$status" = 200 ] || fail=1
done
if [ "$fail" != 0 ]; then
  tail -40 "$work/serve.log" >&2
  exit 1
fi
echo "check-wheel: the installed wheel built and served a demo city."
