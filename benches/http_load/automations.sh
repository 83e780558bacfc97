#!/usr/bin/env bash
# The automations fan-out through the release server on SQLite, over HTTP: 100 users who each
# set a mailbox and activate one shared automation (an e-mail step), then 10,000 events in
# batches of 1,000 through `POST /v1/events` — 1,000,000 runs written. Prints the rate and
# the server's resident memory idle and at its peak during the fan-out (/proc/<pid>/status
# VmRSS, VmHWM). The runner is held back (a lease of a day and no start of its own work is
# possible to stop, so the outbox grows; the figure is the fan-out alone).
# Usage: benches/http_load/automations.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p tessera-server
BIN="${CARGO_TARGET_DIR:-target}/release/tessera-server"
DIR=$(mktemp -d /tmp/tessera-fanout.XXXXXX)
PORT=18183
URL="http://127.0.0.1:$PORT"
TESSERA_BIND="127.0.0.1:$PORT" TESSERA_DATA_DIR="$DIR/data" TESSERA_DATABASE_URL="sqlite://$DIR/data/tessera.db" \
  TESSERA_BOOTSTRAP_ADMIN_EMAIL=admin@example.com TESSERA_BOOTSTRAP_ADMIN_PASSWORD=initial-password-1 \
  RUST_LOG=warn "$BIN" 2>"$DIR/server.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.1; done
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }
python3 - "$URL" "$PID" <<'PY'
import json, sys, time, urllib.request
url, pid = sys.argv[1], sys.argv[2]
def client():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
def call(opener, method, path, body=None):
    req = urllib.request.Request(url + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with opener.open(req) as response:
        text = response.read()
        return json.loads(text) if text else None
def rss(key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) // 1024
admin = client()
call(admin, "POST", "/v1/session", {"email": "admin@example.com", "password": "initial-password-1"})
call(admin, "POST", "/v1/session/password", {"current_password": "initial-password-1", "new_password": "fanout-password-1"})
call(admin, "PUT", "/v1/automation-settings", {"plan": "advanced", "beta": True})
call(admin, "PUT", "/v1/event-types/deal.won", {"fields": {"title": "text", "client": "text"}})
automation = call(admin, "POST", "/v1/automations", {
    "name": "Thank the client", "mode": "selected_users",
    "trigger": {"event_type": "deal.won", "conditions": []},
    "steps": [{"type": "send_email", "to": "{{event.client}}", "subject": "Thanks for {{event.title}}", "body": "Dear client"}]})["id"]
roles = call(admin, "GET", "/v1/roles")
moderator = next(r["id"] for r in roles if r["name"] == "Content Moderator")
users = []
for n in range(100):
    user = call(admin, "POST", "/v1/users", {"email": f"user{n}@example.com", "role_id": moderator, "initial_password": "initial-password-x"})["user"]["id"]
    users.append(user)
call(admin, "POST", f"/v1/automations/{automation}/access", {"users": users})
for n in range(100):
    me = client()
    call(me, "POST", "/v1/session", {"email": f"user{n}@example.com", "password": "initial-password-x"})
    call(me, "POST", "/v1/session/password", {"current_password": "initial-password-x", "new_password": "user-password-x1"})
    call(me, "PUT", "/v1/me/mailbox", {"address": f"user{n}@example.com", "display_name": f"User {n}", "signature": "Sales"})
    call(me, "POST", f"/v1/automations/{automation}/activate", {})
print(f"fixture: 100 users activated; server idle VmRSS={rss('VmRSS')} MB")
started = time.time()
runs = 0
for batch in range(10):
    events = [{"type": "deal.won", "fields": {"title": f"deal {batch}-{n}", "client": f"client{n}@customer.example"}} for n in range(1000)]
    runs += call(admin, "POST", "/v1/events", {"events": events})["runs"]
seconds = time.time() - started
print(f"fan-out over HTTP: {runs} runs written in {seconds:.1f} s = {runs / seconds:.0f} runs/s")
print(f"server during the fan-out: VmHWM={rss('VmHWM')} MB (peak), VmRSS={rss('VmRSS')} MB now")
PY
