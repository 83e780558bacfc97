#!/usr/bin/env bash
# Load benchmark of the release server on SQLite, over keep-alive on loopback:
#   single checks (POST /v1/check) and batches of 1,000 (POST /v1/checks).
# Prints requests/s, p50/p99 latency (wrk), the server's own time per batch (from /metrics),
# and the server's resident memory idle and at its peak (/proc/<pid>/status VmRSS, VmHWM).
# Then the floor: a minimal actix-web server built the same way (benches/http_load/floor.rs)
# answering a fixed check-sized JSON body, loaded by the same wrk script on the same cores in
# turns with Tessera (three rounds at 2 and 8 connections); Tessera's single-check requests/s
# is reported as a fraction of the floor's, the median of the rounds.
# Usage: benches/http_load/run.sh [seconds per run, default 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=${1:-20}
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
cargo build --release -q -p tessera-server -p tessera-benches --bin tessera-server --bin http_floor
BIN="${CARGO_TARGET_DIR:-target}/release/tessera-server"
DIR=$(mktemp -d /tmp/tessera-load.XXXXXX)
PORT=18181
URL="http://127.0.0.1:$PORT"
TESSERA_BIND="127.0.0.1:$PORT" TESSERA_DATA_DIR="$DIR/data" TESSERA_DATABASE_URL="sqlite://$DIR/data/tessera.db" \
  TESSERA_BOOTSTRAP_ADMIN_EMAIL=admin@example.com TESSERA_BOOTSTRAP_ADMIN_PASSWORD=initial-password-1 \
  RUST_LOG=warn env ${TESSERA_LOAD_ENV:-} "$BIN" 2>"$DIR/server.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.1; done

# Sign in, replace the initial password, add 20 apps, 100 custom roles and 100 users (argon2 makes adding users slow),
# create an API token; write the request bodies.
python3 - "$URL" "$DIR" <<'PY'
import json, random, sys, urllib.request
url, out = sys.argv[1], sys.argv[2]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with opener.open(req) as response:
        text = response.read()
        return json.loads(text) if text else None
call("POST", "/v1/session", {"email": "admin@example.com", "password": "initial-password-1"})
call("POST", "/v1/session/password", {"current_password": "initial-password-1", "new_password": "load-test-password"})
for a in range(20):
    call("POST", "/v1/features/apps", {"name": f"app{a}"})
features = call("GET", "/v1/features")["features"]
rng = random.Random(7)
levels = ["none", "read", "modify", "write"]
roles = []
for r in range(100):
    settings = {f: rng.choice(levels) for f in features if rng.random() < 0.4}
    roles.append(call("POST", "/v1/roles", {"name": f"role {r}", "settings": settings})["role"]["id"])
users = [call("POST", "/v1/users", {"email": f"user{u}@example.com", "role_id": rng.choice(roles),
                                     "initial_password": "initial-password-x"})["user"]["id"] for u in range(100)]
token = call("POST", "/v1/tokens", {"name": "load"})["token"]
def query():
    return {"user": rng.choice(users), "feature": rng.choice(features), "level": rng.choice(levels[1:])}
json.dump(query(), open(f"{out}/check.json", "w"))
json.dump({"checks": [query() for _ in range(1000)]}, open(f"{out}/batch.json", "w"))
open(f"{out}/token", "w").write(token)
print(f"fixture: {len(features)} features, {len(roles) + 8} roles, {len(users) + 1} users")
PY
export TESSERA_TOKEN; TESSERA_TOKEN=$(cat "$DIR/token")
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }
server_seconds() { curl -s "$URL/metrics" | awk '/^tessera_http_request_duration_seconds_(sum|count)/ { printf "%s ", $2 }'; }
sleep 1
echo "server idle: VmRSS=$(rss VmRSS) kB"
echo "== single checks, 64 connections, ${SECONDS_PER_RUN}s"
TESSERA_BODY="$DIR/check.json" wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s benches/http_load/request.lua "$URL/v1/check" | grep '^result'
echo "== batches of 1,000 checks, 4 connections, ${SECONDS_PER_RUN}s"
TESSERA_BODY="$DIR/batch.json" wrk -t1 -c4 -d"${SECONDS_PER_RUN}s" -s benches/http_load/request.lua "$URL/v1/checks" | grep '^result'
echo "== batches of 1,000 checks, 1 connection, ${SECONDS_PER_RUN}s (server time from /metrics)"
read -r SUM0 COUNT0 <<<"$(server_seconds)"
TESSERA_BODY="$DIR/batch.json" wrk -t1 -c1 -d"${SECONDS_PER_RUN}s" -s benches/http_load/request.lua "$URL/v1/checks" | grep '^result'
read -r SUM1 COUNT1 <<<"$(server_seconds)"
python3 -c "print(f'server time per batch: {($SUM1 - $SUM0) / ($COUNT1 - $COUNT0) * 1e3:.3f} ms over {$COUNT1 - $COUNT0:.0f} batches')"

# The floor: a minimal actix-web server beside the idle Tessera, loaded in turns with it —
# Tessera then the floor, at 2 and at 8 connections, three rounds — so that both see the
# same state of the machine; each round's ratio is printed and the median is the figure.
FLOOR_PORT=18182
"${CARGO_TARGET_DIR:-target}/release/http_floor" "127.0.0.1:$FLOOR_PORT" 2>"$DIR/floor.log" &
FLOOR_PID=$!
trap 'kill $PID $FLOOR_PID 2>/dev/null; wait $PID $FLOOR_PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do curl -sf -X POST "http://127.0.0.1:$FLOOR_PORT/v1/check" >/dev/null && break; sleep 0.1; done
load() { TESSERA_BODY="$DIR/check.json" wrk -t1 -c"$2" -d"${SECONDS_PER_RUN}s" -s benches/http_load/request.lua "$1/v1/check" | grep '^result'; }
: >"$DIR/pairs"
for round in 1 2 3; do
  for connections in 2 8; do
    echo "== round $round, single checks, $connections connections, ${SECONDS_PER_RUN}s each: Tessera, then the floor"
    T=$(load "$URL" "$connections"); echo "$T"
    F=$(load "http://127.0.0.1:$FLOOR_PORT" "$connections"); echo "$F"
    echo "$connections|$T|$F" >>"$DIR/pairs"
  done
done
python3 - "$DIR/pairs" <<'PY'
import statistics, sys
def parse(line):
    return dict(kv.split("=") for kv in line.split()[1:])
pairs = [line.rstrip("\n").split("|") for line in open(sys.argv[1])]
for connections in ("2", "8"):
    rounds = [(parse(t), parse(f)) for c, t, f in pairs if c == connections]
    ratios = [float(t["per_second"]) / float(f["per_second"]) for t, f in rounds]
    median = statistics.median(ratios)
    t, f = rounds[ratios.index(median)]
    print(f"tessera_over_floor[c={connections}]: {median:.2f} median of {', '.join(f'{r:.2f}' for r in ratios)} "
          f"(that round: tessera {t['per_second']}/s p99 {t['p99_us']} us; floor {f['per_second']}/s p99 {f['p99_us']} us)")
PY
echo "server peak: VmHWM=$(rss VmHWM) kB, now VmRSS=$(rss VmRSS) kB"
