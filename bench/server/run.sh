#!/usr/bin/env bash
# run.sh — load benchmark: weir's server against Node-RED 4 on the same flow,
# one after the other in the same session (bench/server/README.md).
#
#   bench/server/run.sh [--duration 10s] [--connections 64] [--threads 2]
#                       [--warmup 2s] [--only nodered|weir] [--reads] [--think MS]
#                       [--out FILE]
#
# For each target: start the server on a free loopback port, wait until it
# answers, check one response, warm up, measure with wrk (post.lua), sample
# the server's memory (VmRSS idle, VmHWM peak, VmRSS after) and CPU time,
# stop it. Prints a markdown table and the ratio weir / Node-RED of req/s;
# --reads measures weir alone on reads instead: GET of the app's run list
# (limit 1) with the same token, after the one checked webhook run;
# --think MS has each connection wait MS ms between an answer and its next
# request: latency below the maximum load (no ratio is printed then);
# writes the raw JSON to bench/server/results/latest.json (gitignored).
#
# Environment: WEIR_BIN (default build/weir), WEIR_CACHE_DIR (default
# ~/.cache/weir; Node-RED is installed there by `npm ci`, keyed by the hash
# of nodered/package-lock.json), WEIR_READY_TIMEOUT (s, default 10),
# NODERED_READY_TIMEOUT (s, default 60), WEIR_SERVE_EXTRA (more flags for
# `weir serve`), BENCH_BODY (the request body).
#
# Needs: wrk, curl, python3; node and npm for Node-RED.
# Every process it starts is stopped on exit, Ctrl-C included.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

DURATION=10s
CONNECTIONS=64
THREADS=2
WARMUP=2s
ONLY=""
READS=""
THINK_MS=0
OUT="$HERE/results/latest.json"
WEIR_BIN=${WEIR_BIN:-$ROOT/build/weir}
CACHE_DIR=${WEIR_CACHE_DIR:-$HOME/.cache/weir}
WEIR_READY_TIMEOUT=${WEIR_READY_TIMEOUT:-10}
NODERED_READY_TIMEOUT=${NODERED_READY_TIMEOUT:-60}
export BENCH_BODY=${BENCH_BODY:-'{"name":"ada","n":41}'}
# What both flows answer to the default body; checked once before measuring.
EXPECT='Hello ada, next is 42'

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION=${2:?}; shift 2 ;;
        --connections) CONNECTIONS=${2:?}; shift 2 ;;
        --threads) THREADS=${2:?}; shift 2 ;;
        --warmup) WARMUP=${2:?}; shift 2 ;;
        --only) ONLY=${2:?}; shift 2 ;;
        --reads) READS=1; shift ;;
        --think) THINK_MS=${2:?}; shift 2 ;;
        --out) OUT=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument \"$1\" (--help)" >&2; exit 2 ;;
    esac
done
case "$ONLY" in ""|nodered|weir) ;; *) echo "run.sh: --only takes nodered or weir" >&2; exit 2 ;; esac
case "$THINK_MS" in ''|*[!0-9]*) echo "run.sh: --think takes whole milliseconds" >&2; exit 2 ;; esac
if [ -n "$READS" ]; then
    [ "$ONLY" = nodered ] && { echo "run.sh: --reads measures weir only" >&2; exit 2; }
    ONLY=weir
fi
if [ -n "$ONLY" ]; then TARGETS=("$ONLY"); else TARGETS=(nodered weir); fi

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 2; }
done

# ---------------------------------------------------------------- processes
WORK=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-server.XXXXXX")
PIDS=()

forget_pid() {  # drop a finished PID from PIDS, so it is never signalled again
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

stop_pid() {  # TERM, up to 10 s, then KILL; only PIDs this script started
    local pid=$1 i
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    forget_pid "$pid"
    return 0
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP

# start_bg LOG CMD… — runs CMD in the background, its PID in BG_PID.
start_bg() {
    local log=$1; shift
    "$@" >"$log" 2>&1 &
    BG_PID=$!
    PIDS+=("$BG_PID")
}

err() { echo "run.sh: $*" >&2; }

log_tail() { [ -s "$1" ] && { echo "--- last lines of $(basename "$1"):" >&2; tail -n 20 "$1" >&2; }; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

now_ms() { date +%s%3N; }

# wait_ready PID TIMEOUT_S LOG CURL_ARGS… — until curl gets a 200, the
# process exits, or the time runs out.
wait_ready() {
    local pid=$1 timeout=$2 log=$3; shift 3
    local deadline=$(( $(now_ms) + timeout * 1000 )) code
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null; local rc=$?
            forget_pid "$pid"
            err "$TARGET: the server exited (status $rc) before it was ready"
            log_tail "$log"
            return 1
        fi
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$@" 2>/dev/null)
        [ "$code" = 200 ] && return 0
        if [ "$(now_ms)" -ge "$deadline" ]; then
            err "$TARGET: the server did not get ready within ${timeout} s (last answer: ${code:-none})"
            log_tail "$log"
            return 1
        fi
        sleep 0.1
    done
}

# ---------------------------------------------------------------- Node-RED
NODERED_DIR=""

nodered_install() {
    command -v node >/dev/null && command -v npm >/dev/null || { err "nodered: node and npm are needed"; return 1; }
    local hash
    hash=$(sha256sum "$HERE/nodered/package-lock.json" | cut -c1-16)
    NODERED_DIR="$CACHE_DIR/node-red-$hash"
    [ -f "$NODERED_DIR/.installed" ] && return 0
    echo "run.sh: installing Node-RED into $NODERED_DIR (npm ci, once)" >&2
    mkdir -p "$NODERED_DIR" || return 1
    cp "$HERE/nodered/package.json" "$HERE/nodered/package-lock.json" "$NODERED_DIR/" || return 1
    npm ci --prefix "$NODERED_DIR" --omit=dev --no-audit --no-fund --loglevel=error >&2 \
        || { err "nodered: npm ci failed"; return 1; }
    touch "$NODERED_DIR/.installed"
}

# Out: SERVER_PID, SERVER_LOG, HOOK_URL, HOOK_AUTH, VERSION.
nodered_start() {
    nodered_install || return 1
    local port user
    port=$(free_port) || return 1
    user="$WORK/nodered-user"
    mkdir -p "$user" && cp "$HERE/nodered/flow.json" "$user/flow.json" || return 1
    SERVER_LOG="$WORK/nodered.log"
    # node itself is the child (no wrapper script), so its /proc is the server's.
    start_bg "$SERVER_LOG" env WEIR_BENCH_FLOW_FILE="$user/flow.json" NODE_RED_DISABLE_TELEMETRY=1 \
        NODE_ENV=production \
        node "$NODERED_DIR/node_modules/node-red/red.js" \
        --settings "$HERE/nodered/settings.js" --userDir "$user" --port "$port"
    SERVER_PID=$BG_PID
    HOOK_URL="http://127.0.0.1:$port/hook"
    HOOK_AUTH=""
    VERSION="node-red $(node -p "require('$NODERED_DIR/node_modules/node-red/package.json').version"), node $(node --version)"
    # Ready when the flow's route answers (the HTTP port opens before flows start).
    wait_ready "$SERVER_PID" "$NODERED_READY_TIMEOUT" "$SERVER_LOG" \
        -X POST -H 'Content-Type: application/json' --data "$BENCH_BODY" "$HOOK_URL"
}

# ---------------------------------------------------------------- weir
# The one place that knows weir's server: start it, set up an admin, a token,
# an app, the board and a waiting webhook through the CLI and the REST API.
# In: WEIR_BIN, WEIR_READY_TIMEOUT, WORK. Out: SERVER_PID, SERVER_LOG,
# HOOK_URL, HOOK_AUTH (the whole Authorization value), VERSION.
weir_start() {
    [ -x "$WEIR_BIN" ] || { err "weir: WEIR_BIN=$WEIR_BIN is not an executable (ninja -C build, or set WEIR_BIN)"; return 1; }
    local port data base token app board code
    port=$(free_port) || return 1
    data="$WORK/weir-data"
    mkdir -p "$data" || return 1
    base="http://127.0.0.1:$port"
    SERVER_LOG="$WORK/weir.log"
    # Log at warn like Node-RED; the per-address and per-credential rate
    # limits (default 2,000 and 1,000 requests/s) are lifted, or they would be
    # what is measured. Everything else is weir serve's default.
    # shellcheck disable=SC2086
    start_bg "$SERVER_LOG" "$WEIR_BIN" serve --listen "127.0.0.1:$port" --data-dir "$data" \
        --log-level warn \
        --rate-ip-per-s 10000000 --rate-ip-burst 10000000 \
        --rate-cred-per-s 10000000 --rate-cred-burst 10000000 \
        --max-connections-per-ip 1000000 \
        ${WEIR_SERVE_EXTRA:-}
    SERVER_PID=$BG_PID
    VERSION="weir $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    wait_ready "$SERVER_PID" "$WEIR_READY_TIMEOUT" "$SERVER_LOG" "$base/readyz" || return 1

    printf 'bench-password-123\n' | timeout 30 "$WEIR_BIN" user add admin@bench.local --admin \
        --password-stdin --data-dir "$data" >>"$WORK/weir-cli.log" 2>&1 \
        || { err "weir: 'weir user add' failed"; log_tail "$WORK/weir-cli.log"; return 1; }
    token=$(timeout 30 "$WEIR_BIN" token create --user admin@bench.local --name bench --expires-in 1d \
        --data-dir "$data" 2>>"$WORK/weir-cli.log" | tail -n 1)
    case "$token" in
        weirp_*) ;;
        *) err "weir: 'weir token create' printed no weirp_ token (last line: \"$token\")"; log_tail "$WORK/weir-cli.log"; return 1 ;;
    esac
    HOOK_AUTH="Bearer $token"

    # api METHOD PATH BODY EXPECTED_STATUS — the answer's body in $WORK/api.out
    api() {
        code=$(curl -s -o "$WORK/api.out" -w '%{http_code}' --max-time 10 -X "$1" \
            -H "Authorization: $HOOK_AUTH" -H 'Content-Type: application/json' --data-binary "$3" "$base$2")
        [ "$code" = "$4" ] && return 0
        err "weir: $1 $2 answered ${code:-nothing} (expected $4): $(head -c 500 "$WORK/api.out" 2>/dev/null)"
        return 1
    }
    json_id() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/api.out"; }

    api POST /api/v1/apps '{"name":"bench"}' 201 || return 1
    app=$(json_id) || { err "weir: no id in the app's answer"; return 1; }
    api POST "/api/v1/apps/$app/boards" \
        "$(python3 -c 'import json,sys; print(json.dumps({"name":"hook","board":json.load(open(sys.argv[1]))}))' "$HERE/hook.board.json")" \
        201 || return 1
    board=$(json_id) || { err "weir: no id in the board's answer"; return 1; }
    api POST "/api/v1/apps/$app/events" \
        "{\"name\":\"hook\",\"kind\":\"webhook\",\"board_id\":\"$board\",\"config\":{\"wait\":true}}" \
        201 || return 1
    HOOK_URL="$base/hooks/$app/hook"
    LIST_URL="$base/api/v1/apps/$app/runs?limit=1"
}

# ---------------------------------------------------------------- measuring
proc_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }  # kB
proc_cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }  # utime+stime
CLK_TCK=$(getconf CLK_TCK)

# run_wrk DURATION OUTFILE — post.lua against MEASURE_URL with HOOK_AUTH
run_wrk() {
    BENCH_AUTHORIZATION="$HOOK_AUTH" BENCH_METHOD="$METHOD" BENCH_THINK_MS="$THINK_MS" wrk --threads "$THREADS" --connections "$CONNECTIONS" \
        --duration "$1" --script "$HERE/post.lua" "$MEASURE_URL" >"$2" 2>&1 &
    local pid=$! rc
    PIDS+=("$pid")
    wait "$pid"; rc=$?
    forget_pid "$pid"
    return $rc
}

# bench TARGET — start, check, warm up, measure, stop; $WORK/TARGET.json
bench() {
    TARGET=$1
    SERVER_PID="" HOOK_URL="" HOOK_AUTH="" VERSION="" LIST_URL=""
    local load
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "run.sh: $TARGET: starting (load average $load)" >&2
    "${TARGET}_start" || return 1

    local code
    code=$(curl -s -o "$WORK/check.out" -w '%{http_code}' --max-time 10 -X POST \
        -H 'Content-Type: application/json' ${HOOK_AUTH:+-H "Authorization: $HOOK_AUTH"} \
        --data-binary "$BENCH_BODY" "$HOOK_URL")
    if [ "$code" != 200 ]; then
        err "$TARGET: POST $HOOK_URL answered ${code:-nothing}: $(head -c 500 "$WORK/check.out")"; return 1
    fi
    if [ "$BENCH_BODY" = '{"name":"ada","n":41}' ] && ! grep -qF "$EXPECT" "$WORK/check.out"; then
        err "$TARGET: unexpected answer: $(head -c 500 "$WORK/check.out")"; return 1
    fi
    MEASURE_URL=$HOOK_URL METHOD=POST
    [ -n "$READS" ] && MEASURE_URL=$LIST_URL METHOD=GET
    local rss_idle
    rss_idle=$(proc_field "$SERVER_PID" VmRSS)

    echo "run.sh: $TARGET: warming up $WARMUP, then measuring $DURATION ($CONNECTIONS connections, $THREADS wrk threads)" >&2
    run_wrk "$WARMUP" "$WORK/$TARGET-warmup.txt" || { err "$TARGET: wrk (warm-up) failed"; cat "$WORK/$TARGET-warmup.txt" >&2; return 1; }
    local cpu0 cpu1
    cpu0=$(proc_cpu_ticks "$SERVER_PID")
    run_wrk "$DURATION" "$WORK/$TARGET-wrk.txt" || { err "$TARGET: wrk failed"; cat "$WORK/$TARGET-wrk.txt" >&2; return 1; }
    cpu1=$(proc_cpu_ticks "$SERVER_PID")
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        err "$TARGET: the server died during the run"; log_tail "$SERVER_LOG"; return 1
    fi
    local hwm rss_after
    hwm=$(proc_field "$SERVER_PID" VmHWM)
    rss_after=$(proc_field "$SERVER_PID" VmRSS)
    stop_pid "$SERVER_PID"

    python3 - "$WORK/$TARGET-wrk.txt" "$WORK/$TARGET.json" "$TARGET" "$VERSION" "$MEASURE_URL" "$load" \
        "$WORK/check.out" "$cpu0" "$cpu1" "$CLK_TCK" "${rss_idle:-0}" "${hwm:-0}" "${rss_after:-0}" "$METHOD" <<'EOF' \
        || { err "$TARGET: no JSON from post.lua"; cat "$WORK/$TARGET-wrk.txt" >&2; return 1; }
import json, sys
(wrk_txt, out, target, version, url, load, check, cpu0, cpu1, tck,
 rss_idle, hwm, rss_after, method) = sys.argv[1:]
wrk = None
for line in open(wrk_txt):
    if line.startswith("{"):
        wrk = json.loads(line)
if wrk is None:
    sys.exit(1)
cpu_s = (int(cpu1) - int(cpu0)) / int(tck)
json.dump({
    "target": target, "version": version, "method": method, "url": url,
    "load_average_before": load,
    "check_answer": open(check, errors="replace").read(500),
    "wrk": wrk,
    "server_cpu_s": round(cpu_s, 2),
    "requests_per_cpu_s": round(wrk["requests"] / cpu_s, 1) if cpu_s > 0 else None,
    "rss_kib": {"idle": int(rss_idle), "peak_vmhwm": int(hwm), "after": int(rss_after)},
}, open(out, "w"))
EOF
}

# ---------------------------------------------------------------- main
failed=()
for t in "${TARGETS[@]}"; do
    if ! bench "$t"; then
        failed+=("$t")
        [ -n "${SERVER_PID:-}" ] && stop_pid "$SERVER_PID"
    fi
done

if [ ! -s "$WORK/nodered.json" ] && [ ! -s "$WORK/weir.json" ]; then
    err "nothing measured; $OUT left as it was"
    exit 1
fi
mkdir -p "$(dirname "$OUT")"
python3 - "$WORK" "$OUT" "${failed[*]:-}" "$DURATION" "$WARMUP" "$CONNECTIONS" "$THREADS" "$THINK_MS" <<'EOF'
import json, os, subprocess, sys, datetime
work, out, failed, duration, warmup, connections, threads, think_ms = sys.argv[1:]
failed = failed.split()
def ver(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except Exception:
        return None
targets = {}
for t in ("nodered", "weir"):
    p = os.path.join(work, t + ".json")
    if os.path.exists(p):
        targets[t] = json.load(open(p))
res = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cores": os.cpu_count(), "kernel": os.uname().release},
    "wrk_version": ver(["wrk", "-v"]),
    "params": {"duration": duration, "warmup": warmup, "connections": int(connections),
               "threads": int(threads), "think_ms": int(think_ms), "body": os.environ["BENCH_BODY"]},
    "targets": targets,
    "failed": failed,
}
if "weir" in targets and "nodered" in targets and not int(think_ms):
    n = targets["nodered"]["wrk"]["requests_per_s"]
    res["ratio_weir_over_nodered_requests_per_s"] = round(targets["weir"]["wrk"]["requests_per_s"] / n, 3) if n else None
json.dump(res, open(out, "w"), indent=2)

mib = lambda k: "%.1f" % (k / 1024)
ms = lambda us: "%.2f" % (us / 1000)
print()
print("| target | version | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx/3xx | socket errors | server CPU s | req per CPU s | RSS idle MiB | peak (VmHWM) MiB | RSS after MiB |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for t, r in targets.items():
    w, l, m = r["wrk"], r["wrk"]["latency_us"], r["rss_kib"]
    se = sum(w["socket_errors"].values())
    label = t if r.get("method", "POST") == "POST" else f"{t} ({r['method']} run list)"
    print(f"| {label} | {r['version']} | {w['requests_per_s']:.0f} | {ms(l['p50'])} | {ms(l['p90'])} | {ms(l['p99'])} | {ms(l['max'])} "
          f"| {w['non_2xx_3xx']} | {se} | {r['server_cpu_s']} | {r['requests_per_cpu_s']} | {mib(m['idle'])} | {mib(m['peak_vmhwm'])} | {mib(m['after'])} |")
if "ratio_weir_over_nodered_requests_per_s" in res:
    print()
    print(f"weir / Node-RED, req/s: {res['ratio_weir_over_nodered_requests_per_s']}")
print()
think = f", {think_ms} ms think time per connection" if int(think_ms) else ""
print(f"{res['params']['connections']} connections, {res['params']['threads']} wrk threads{think}, {res['params']['duration']} after {res['params']['warmup']} warm-up; raw JSON: {out}")
EOF

if [ ${#failed[@]} -gt 0 ]; then
    err "failed: ${failed[*]}"
    exit 1
fi
