#!/usr/bin/env bash
# registry-serve.sh - registry server throughput under 32 concurrent clients on loopback:
# `berth registry serve` vs Debian's `docker-registry` (CNCF distribution 2.8), side by side in one
# run, as ratios. The issue's target: berth >= docker-registry on both measurements.
#
# The servers, both on 127.0.0.1, each on a free port and with its own storage under the work dir:
#   berth    : berth registry serve --addr 127.0.0.1:0 --root $W/berth-root
#              (as a user runs it: no flags beyond --addr/--root; it writes no access log)
#   registry : docker-registry serve $W/registry.yml, the config of /work/shared/anchors/05-pull-unpack.sh:
#              log level warn, access log disabled, filesystem storage in $W/registry-data,
#              cache: blobdescriptor: inmemory (what a real deployment has)
# The image, made fresh each run in the work dir: one layer, an uncompressed tar holding one file of
# BLOB_MB MiB from /dev/urandom (incompressible), and its config; an OCI image manifest. It is pushed
# to both with curl (monolithic uploads: POST, then PUT ?digest=; then PUT of the manifest under tag
# `latest`), and before any timing a GET of the layer and of the manifest from each server must give
# the very bytes pushed (sha256 checked).
#
# Timed, with wrk (C, epoll), 127.0.0.1 only, CONNS (32) connections on THREADS (2; 1 with CONNS=1) threads, for
# DURATION (10) s per sample, each request timing out after REQ_TIMEOUT (30) s, each wrk run killed
# after DURATION + 30 s:
#   blob     : GET /v2/bench/serve/blobs/<layer digest>          (the whole 50 MiB layer each time)
#   manifest : GET /v2/bench/serve/manifests/latest, Accept: application/vnd.oci.image.manifest.v1+json
#              (by tag, as a pull asks first)
# One untimed warm-up per server and measurement first (WARMUP, 3 s: JIT, page cache, connection
# setup), which must read bytes and get no error status. Then N (3) rounds; in each, the blob samples then the manifest
# samples, the servers alternating and the order rotating (berth registry, registry berth, ...), so
# load drift on a shared machine hits both alike. Both servers run for the whole time; the one not
# measured is idle.
# Per sample: requests/s and MB/s (MiB of response bytes read per second, partial bodies at the end
# included, as wrk counts them), latency p50/p99, socket errors and non-2xx responses (a sample with
# either counts as failed and is left out), and the server's CPU time (utime + stime of all its threads,
# /proc/PID/stat). Peak RSS: VmHWM of each server, reset after its warm-up (clear_refs 5), read at the end.
#
# Usage:   sudo bench/registry-serve.sh               (N=3 rounds, DURATION=10 s per sample)
#          N=5 DURATION=20 sudo bench/registry-serve.sh
#          BLOB_MB=50 CONNS=32 THREADS=2 REQ_TIMEOUT=30 WARMUP=3 ...   (CONNS at most 32)
#          ORDER=fixed ...    berth first in every round (default rotate)
#          BERTH_CLI=/path/to/berth ...  (default artifacts/bin/berth)
#          KEEP=1 ...   keeps the work dir (samples.csv, wrk outputs, server logs; the stores go)
# Needs:   bash >= 5, curl, jq, wrk, docker-registry, ss (iproute2), sha256sum
#          (apt-get install -y wrk docker-registry jq curl). Root is not needed.
# Exit status: non-zero only when the setup fails (tools, servers, push, byte check); failed samples
# are counted.
set -euo pipefail

N=${N:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
THREADS=${THREADS:-$((CONNS < 2 ? 1 : 2))}
BLOB_MB=${BLOB_MB:-50}
REQ_TIMEOUT=${REQ_TIMEOUT:-30}
WARMUP=${WARMUP:-3}
ORDER=${ORDER:-rotate}
REPO_NAME=bench/serve
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # log die check_range ratio host_info order_for stat_of
BERTH_CLI=${BERTH_CLI:-$REPO/artifacts/bin/berth}

check_range N 20
check_range DURATION 120
check_range CONNS 32
check_range THREADS 8
check_range BLOB_MB 1024
check_range REQ_TIMEOUT 600
check_range WARMUP 60
((THREADS <= CONNS)) || die "THREADS must not exceed CONNS"
[[ -n ${EPOCHREALTIME:-} ]] || die "bash 5 or newer is needed (EPOCHREALTIME)"
for tool in curl jq wrk docker-registry ss sha256sum timeout; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done
[[ -x $BERTH_CLI ]] || die "berth not found at $BERTH_CLI (./build.sh, or BERTH_CLI=...)"
CLK_TCK=$(getconf CLK_TCK)

# --- work dir and cleanup: only what this script made ------------------------------------------------
WORK=$(mktemp -d /tmp/berth-bench-serve.XXXXXX)
declare -A PID PORT URL
# stop_server S : SIGTERM to the server this script started (by pid), SIGKILL after 5 s
stop_server() {
    local p=${PID[$1]:-}
    [[ -n $p ]] || return 0
    if kill -0 "$p" 2>/dev/null; then
        kill "$p" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    fi
    wait "$p" 2>/dev/null
    PID[$1]=""
}
cleanup() {
    set +e
    stop_server berth
    stop_server registry
    if [[ ${KEEP:-0} == 1 ]]; then
        rm -rf "$WORK/berth-root" "$WORK/registry-data" "$WORK/image"
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cget ARGS... : curl to 127.0.0.1 only, never through a proxy, failing on HTTP errors
cget() { curl --noproxy '*' -sS --fail --max-time 120 "$@"; }

# --- 1. the image: one uncompressed tar layer of random bytes, its config, an OCI manifest ------------
IMG=$WORK/image
mkdir -p "$IMG/src"
head -c "$((BLOB_MB * 1024 * 1024))" /dev/urandom > "$IMG/src/random.bin"
tar -C "$IMG/src" --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$IMG/layer.tar" random.bin
rm -rf "$IMG/src"
LAYER_SIZE=$(stat -c %s "$IMG/layer.tar")
LAYER_DIGEST=sha256:$(sha256sum "$IMG/layer.tar" | cut -d' ' -f1)
jq -cn --arg d "$LAYER_DIGEST" '{architecture: "amd64", os: "linux", config: {}, rootfs: {type: "layers", diff_ids: [$d]}}' > "$IMG/config.json"
CONFIG_SIZE=$(stat -c %s "$IMG/config.json")
CONFIG_DIGEST=sha256:$(sha256sum "$IMG/config.json" | cut -d' ' -f1)
jq -cn --arg mt "$OCI_MANIFEST" --arg cd "$CONFIG_DIGEST" --argjson cs "$CONFIG_SIZE" --arg ld "$LAYER_DIGEST" --argjson ls "$LAYER_SIZE" \
    '{schemaVersion: 2, mediaType: $mt,
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $ld, size: $ls}]}' | tr -d '\n' > "$IMG/manifest.json"
MANIFEST_SIZE=$(stat -c %s "$IMG/manifest.json")
MANIFEST_DIGEST=sha256:$(sha256sum "$IMG/manifest.json" | cut -d' ' -f1)
log "image: layer $LAYER_DIGEST ($LAYER_SIZE bytes), manifest $MANIFEST_DIGEST ($MANIFEST_SIZE bytes)"

# --- 2. the servers --------------------------------------------------------------------------------------
# listener_pid PORT : the pid that listens on 127.0.0.1:PORT, if ss can tell
listener_pid() { ss -Htlnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }

mkdir -p "$WORK/berth-root" "$WORK/registry-data"
log "starting berth registry serve"
"$BERTH_CLI" registry serve --addr 127.0.0.1:0 --root "$WORK/berth-root" > "$WORK/server-berth.log" 2>&1 &
PID[berth]=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$WORK/server-berth.log" && break
    kill -0 "${PID[berth]}" 2>/dev/null || die "berth registry serve exited: $(tail -5 "$WORK/server-berth.log" | tr '\n' ' ')"
    sleep 0.1
done
PORT[berth]=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/server-berth.log" | head -1)
[[ -n ${PORT[berth]} ]] || die "berth registry serve did not say where it listens: $(tail -5 "$WORK/server-berth.log" | tr '\n' ' ')"

PORT[registry]=$(free_port)
distribution_config "$WORK/registry-data" "127.0.0.1:${PORT[registry]}" > "$WORK/registry.yml"
log "starting docker-registry serve on 127.0.0.1:${PORT[registry]}"
docker-registry serve "$WORK/registry.yml" > "$WORK/server-registry.log" 2>&1 &
PID[registry]=$!
for s in berth registry; do
    URL[$s]=http://127.0.0.1:${PORT[$s]}
    for _ in $(seq 100); do
        cget -o /dev/null "${URL[$s]}/v2/" 2>/dev/null && break
        kill -0 "${PID[$s]}" 2>/dev/null || die "$s exited: $(tail -5 "$WORK/server-$s.log" | tr '\n' ' ')"
        sleep 0.1
    done
    cget -o /dev/null "${URL[$s]}/v2/" || die "$s does not answer on ${URL[$s]}/v2/"
    # the port must be held by the process this script started, not by someone else's server
    lp=$(listener_pid "${PORT[$s]}")
    [[ -z $lp || $lp == "${PID[$s]}" ]] || die "127.0.0.1:${PORT[$s]} is held by pid $lp, not by our $s (${PID[$s]})"
done
if [[ $BERTH_CLI == "$REPO/artifacts/bin/berth" ]]; then VER_BERTH=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "?"); else VER_BERTH=$BERTH_CLI; fi
VER_REGISTRY=$(docker-registry --version 2>/dev/null | awk '{print $3}')

# --- 3. push: monolithic uploads with curl, then the manifest ---------------------------------------------
# push_blob S FILE DIGEST : POST an upload session, PUT the whole blob to its Location with ?digest=
push_blob() {
    local s=$1 file=$2 digest=$3 loc sep
    loc=$(cget -X POST -H 'Content-Length: 0' -D - -o /dev/null "${URL[$s]}/v2/$REPO_NAME/blobs/uploads/" |
        tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
    [[ -n $loc ]] || die "$s: POST blobs/uploads/ gave no Location"
    [[ $loc == http* ]] || loc=${URL[$s]}$loc
    [[ $loc == "${URL[$s]}/"* ]] || die "$s: upload Location $loc is not on ${URL[$s]}"
    sep='?'; [[ $loc == *\?* ]] && sep='&'
    cget -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$file" -o /dev/null "$loc${sep}digest=$digest" ||
        die "$s: PUT of blob $digest failed"
}
for s in berth registry; do
    log "pushing to $s (${URL[$s]})"
    push_blob "$s" "$IMG/config.json" "$CONFIG_DIGEST"
    push_blob "$s" "$IMG/layer.tar" "$LAYER_DIGEST"
    cget -X PUT -H "Content-Type: $OCI_MANIFEST" --data-binary "@$IMG/manifest.json" -o /dev/null \
        "${URL[$s]}/v2/$REPO_NAME/manifests/latest" || die "$s: PUT of the manifest failed"
done

# --- 4. checks: both serve the very bytes pushed ------------------------------------------------------------
BLOB_PATH=/v2/$REPO_NAME/blobs/$LAYER_DIGEST
MANIFEST_PATH=/v2/$REPO_NAME/manifests/latest
for s in berth registry; do
    got=sha256:$(cget "${URL[$s]}$BLOB_PATH" | sha256sum | cut -d' ' -f1)
    [[ $got == "$LAYER_DIGEST" ]] || die "$s: GET of the layer gave $got, not $LAYER_DIGEST"
    got=sha256:$(cget -H "Accept: $OCI_MANIFEST" "${URL[$s]}$MANIFEST_PATH" | sha256sum | cut -d' ' -f1)
    [[ $got == "$MANIFEST_DIGEST" ]] || die "$s: GET of the manifest gave $got, not $MANIFEST_DIGEST"
    log "  $s serves the layer and the manifest byte for byte"
done

# --- 5. load: wrk, its Lua `done` hook printing exact counts ------------------------------------------------
cat > "$WORK/report.lua" <<'EOF'
-- one line for the script: requests, bytes, duration in us, socket errors, non-2xx/3xx, p50 and p99 in us
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\n", summary.requests, summary.bytes, summary.duration,
    e.connect, e.read, e.write, e.timeout, e.status))
  io.write(string.format("LATENCY %d %d\n", latency:percentile(50), latency:percentile(99)))
end
EOF
# cpu_ticks S : utime + stime of the server's whole thread group, in clock ticks
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/${PID[$1]}/stat"; }

# load S KIND SECONDS OUT : wrk against server S for SECONDS, its output in OUT
load() {
    local s=$1 kind=$2 secs=$3 out=$4 url hdr=()
    case $kind in
        blob) url=${URL[$s]}$BLOB_PATH ;;
        manifest) url=${URL[$s]}$MANIFEST_PATH; hdr=(-H "Accept: $OCI_MANIFEST") ;;
    esac
    timeout -k 5 "$((secs + 30))" wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout "${REQ_TIMEOUT}s" \
        "${hdr[@]}" -s "$WORK/report.lua" "$url" > "$out" 2>&1
}

# measure S KIND ROUND : one timed sample, appended to samples.csv
#   server,kind,round,req_s,mib_s,p50_ms,p99_ms,errors,non2xx,cpu_s,ok
measure() {
    local s=$1 kind=$2 i=$3 out=$WORK/wrk-$2-$1-r$3.txt c0 c1 rc=0 line lat ok
    c0=$(cpu_ticks "$s")
    load "$s" "$kind" "$DURATION" "$out" || rc=$?
    c1=$(cpu_ticks "$s")
    line=$(grep '^RESULT ' "$out" || true)
    lat=$(grep '^LATENCY ' "$out" || true)
    if ((rc != 0)) || [[ -z $line ]]; then
        echo "$s,$kind,$i,,,,,,,,0" >> "$WORK/samples.csv"
        log "  round $i: $s $kind FAILED (wrk exit $rc): $(tail -3 "$out" | tr '\n' ' ')"
        return 0
    fi
    read -r _ reqs bytes us ec er ew et es <<<"$line"
    read -r _ p50 p99 <<<"$lat"
    ok=1; ((ec + er + ew + et + es == 0)) || ok=0
    awk -v s="$s" -v k="$kind" -v i="$i" -v r="$reqs" -v b="$bytes" -v us="$us" -v e=$((ec + er + ew + et)) -v x="$es" \
        -v p50="$p50" -v p99="$p99" -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v ok="$ok" \
        'BEGIN { printf "%s,%s,%d,%.1f,%.1f,%.2f,%.2f,%d,%d,%.2f,%d\n", s, k, i, r / (us / 1e6), b / 1048576 / (us / 1e6), p50 / 1000, p99 / 1000, e, x, c / hz, ok }' \
        >> "$WORK/samples.csv"
    ((ok == 1)) || log "  round $i: $s $kind had errors: socket $((ec + er + ew + et)) (connect $ec read $er write $ew timeout $et), non-2xx $es"
}

ACTIVE=(berth registry)
for s in "${ACTIVE[@]}"; do
    for kind in blob manifest; do
        load "$s" "$kind" "$WARMUP" "$WORK/wrk-$kind-$s-warmup.txt" || die "$s: warm-up wrk on $kind failed: $(tail -3 "$WORK/wrk-$kind-$s-warmup.txt" | tr '\n' ' ')"
        read -r _ reqs bytes _ ec er ew et es < <(grep '^RESULT ' "$WORK/wrk-$kind-$s-warmup.txt")
        ((bytes > 0 && es == 0)) || die "$s: warm-up on $kind: $reqs requests, $bytes bytes, $es non-2xx responses"
        ((ec + er + ew + et == 0)) || log "  $s warm-up on $kind: socket errors (connect $ec read $er write $ew timeout $et)"
    done
    # peak RSS from here on: the push, the byte check and the warm-up are not part of it (proc(5), clear_refs 5)
    { echo 5 > "/proc/${PID[$s]}/clear_refs"; } 2>/dev/null || log "  could not reset $s's peak RSS (clear_refs): it includes the push"
done

log "timing ${ACTIVE[*]}: $N rounds, $ORDER order, ${DURATION}s per sample, $CONNS connections on $THREADS threads; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server,kind,round,req_s,mib_s,p50_ms,p99_ms,errors,non2xx,cpu_s,ok" > "$WORK/samples.csv"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$N"); do
    for kind in blob manifest; do
        for s in $(order_for "$i"); do
            kill -0 "${PID[$s]}" 2>/dev/null || die "$s exited during the run: $(tail -5 "$WORK/server-$s.log" | tr '\n' ' ')"
            measure "$s" "$kind" "$i"
        done
    done
    log "  round $i: $(awk -F, -v i="$i" '$3 == i { if ($11 == 1) printf "%s %s %s req/s %s MiB/s  ", $1, $2, $4, $5; else printf "%s %s failed  ", $1, $2 }' "$WORK/samples.csv")"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A HWM
for s in "${ACTIVE[@]}"; do HWM[$s]=$(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/${PID[$s]}/status"); done

# --- 6. summary -------------------------------------------------------------------------------------------
# col KIND S COLUMN : "median min max n" of COLUMN over the successful samples of S on KIND
col() {
    awk -F, -v k="$1" -v s="$2" -v c="$3" 'NR > 1 && $1 == s && $2 == k && $11 == 1 {print $c}' "$WORK/samples.csv" | sort -g |
        awk '{ a[NR] = $1 } END {
            if (NR == 0) { print "nan nan nan 0"; exit }
            printf "%.1f %.1f %.1f %d\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, a[1], a[NR], NR }'
}
fails() { awk -F, -v k="$1" -v s="$2" 'NR > 1 && $1 == s && $2 == k && $11 != 1' "$WORK/samples.csv" | wc -l; }
declare -A MED
echo
echo "== registry server throughput, $CONNS connections on loopback ($(host_info), N=$N rounds, ${DURATION}s per sample, $ORDER order) =="
echo "image: one layer, uncompressed tar of $BLOB_MB MiB from /dev/urandom ($LAYER_SIZE bytes), OCI manifest $MANIFEST_SIZE bytes; pushed to both, bytes checked"
echo "servers: berth $VER_BERTH (registry serve, no access log) on ${URL[berth]}; docker-registry $VER_REGISTRY (log warn, access log off, filesystem, blobdescriptor cache inmemory) on ${URL[registry]}"
echo "load: wrk -t$THREADS -c$CONNS -d${DURATION}s --timeout ${REQ_TIMEOUT}s; load average before $LOAD_BEFORE, after $LOAD_AFTER ($(nproc) cores)"
printf '%-9s %-9s %10s %18s %10s %18s %8s %8s %8s %4s %6s\n' kind server "req/s" "(min-max)" "MiB/s" "(min-max)" "p50 ms" "p99 ms" "CPU %" n failed
for kind in blob manifest; do
    for s in "${ACTIVE[@]}"; do
        read -r rq rqmin rqmax n < <(col "$kind" "$s" 4)
        read -r mb mbmin mbmax _ < <(col "$kind" "$s" 5)
        read -r p50 _ < <(col "$kind" "$s" 6)
        read -r p99 _ < <(col "$kind" "$s" 7)
        read -r cpu _ < <(col "$kind" "$s" 10)
        MED[$kind-$s]=$rq
        MED[$kind-$s-mb]=$mb
        printf '%-9s %-9s %10s %18s %10s %18s %8s %8s %8s %4s %6s\n' "$kind" "$s" "$rq" "($rqmin-$rqmax)" "$mb" "($mbmin-$mbmax)" "$p50" "$p99" \
            "$(awk -v c="$cpu" -v d="$DURATION" 'BEGIN { if (c == "nan") print "-"; else printf "%.0f", c / d * 100 }')" "$n" "$(fails "$kind" "$s")"
    done
done
echo "peak RSS (VmHWM from the end of the warm-up through the timed rounds): berth ${HWM[berth]} MiB, docker-registry ${HWM[registry]} MiB"
met() { awk -v r="$1" 'BEGIN { print (r + 0 >= 1 ? "met" : "NOT met") }'; }
for kind in blob manifest; do
    if [[ ${MED[$kind-berth]} != nan && ${MED[$kind-registry]} != nan ]]; then
        r=$(ratio "${MED[$kind-berth]}" "${MED[$kind-registry]}")
        line="ratio berth/docker-registry, $kind GETs (median req/s): $r"
        [[ $kind == blob ]] && line+=", (median MiB/s): $(ratio "${MED[$kind-berth-mb]}" "${MED[$kind-registry-mb]}")"
        echo "$line  -> target >= 1: $(met "$r")"
    fi
done
echo "MiB/s: response bytes read by wrk per second (headers and the partial bodies at the end of a sample included);"
echo "CPU %: the server's CPU time during the sample over its duration (200 % = both cores); wrk ran on the same $(nproc) cores"
for s in "${ACTIVE[@]}"; do
    if [[ -s $WORK/server-$s.log ]] && grep -qv '^listening on ' "$WORK/server-$s.log"; then
        echo "$s wrote (last lines): $(grep -v '^listening on ' "$WORK/server-$s.log" | tail -2 | tr '\n' ' ')"
    fi
done
true
