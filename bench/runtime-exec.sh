#!/usr/bin/env bash
# runtime-exec.sh - `RT exec ID /bin/true` latency: berth-runtime vs crun vs runc, side by side in one run.
#
# What it measures (see README.md in this folder):
#   * wall time of `RT --root R exec ID /bin/true` into one running busybox container per runtime
#     (config from `runc spec`, terminal off, read-only root, init `/bin/sleep SLEEP_S`), N iterations,
#     interleaved berth, crun, runc, berth, crun, runc, ... so that load drift on a shared machine hits
#     all three alike. Median and p90 per runtime, ratios berth/crun, berth/runc.
#
# How each runtime is started: exactly as runtime-run.sh does. All three through
# `nsenter --mount=<ns>`, so each pays the same launcher cost; berth-runtime and runc enter the host's
# own mount namespace, crun 1.8.1 a private one (made once, held open by a `sleep`) where
# /sys/fs/cgroup/unified is unmounted, because it refuses the hybrid layout ("cgroups in hybrid mode
# not supported"). The container of each runtime is created in that runtime's namespace, and its
# exec runs there too. The host's mounts are never changed.
#
# Usage:   sudo bench/runtime-exec.sh                 (N=50 iterations)
#          N=200 sudo bench/runtime-exec.sh
#          BERTH_RUNTIME=/path/to/berth-runtime sudo bench/runtime-exec.sh
#          ORDER=rotate ... starts each iteration with the next runtime (see README.md, position bias)
#          KEEP=1 ... keeps the work dir (raw samples in samples.csv)
# Bounds:  N <= 2000; every runtime call is killed after CMD_TIMEOUT s (default 30); the timing loop
#          stops after MAX_SECONDS (default 300); each container's init exits by itself after SLEEP_S
#          (default 900) even if cleanup never ran.
# Needs:   root, bash >= 5, jq, util-linux (unshare, nsenter), coreutils timeout, busybox-static,
#          runc and crun (a missing runtime is reported and left out, the others still run).
set -euo pipefail

N=${N:-50}
WARMUP=${WARMUP:-3}
CMD_TIMEOUT=${CMD_TIMEOUT:-30}
MAX_SECONDS=${MAX_SECONDS:-300}
SLEEP_S=${SLEEP_S:-900}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BERTH=${BERTH_RUNTIME:-$REPO/artifacts/bin/berth-runtime}
TAG="bench$$"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

[[ $N =~ ^[0-9]+$ ]] && ((N >= 1 && N <= 2000)) || die "N must be 1..2000"
[[ $(id -u) == 0 ]] || die "must run as root (containers need it)"
for tool in jq nsenter unshare timeout /bin/busybox; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done
[[ -n ${EPOCHREALTIME:-} ]] || die "bash 5 or newer is needed (EPOCHREALTIME)"

WORK=$(mktemp -d /tmp/berth-bench.XXXXXX)
BUNDLE=$WORK/bundle
HOLDER_PID=""

# --- which runtimes -------------------------------------------------------------------------------
declare -A BIN NS
RUNTIMES=()
if [[ -x $BERTH ]]; then
    BIN[berth]=$BERTH; RUNTIMES+=(berth)
else
    log "berth-runtime not found at $BERTH: measuring the others only (set BERTH_RUNTIME=... to point at it)"
fi
if command -v crun >/dev/null; then BIN[crun]=$(command -v crun); RUNTIMES+=(crun); else log "crun not installed: left out"; fi
if command -v runc >/dev/null; then BIN[runc]=$(command -v runc); RUNTIMES+=(runc); else log "runc not installed: left out"; fi
((${#RUNTIMES[@]} > 0)) || die "no runtime to measure"
command -v runc >/dev/null || die "runc is needed for \`runc spec\` (the bundle's config)"

# launch RT ARGS... : RT with its own --root, started through nsenter into its mount namespace,
# killed after CMD_TIMEOUT s (--foreground: the runtime stays in our process group, as without timeout)
launch() {
    local rt=$1; shift
    timeout --foreground -k 5 "$CMD_TIMEOUT" nsenter --mount="${NS[$rt]}" -- "${BIN[$rt]}" --root "$WORK/root-$rt" "$@"
}

# --- cleanup: only what this script made -----------------------------------------------------------
cleanup() {
    local rt id m
    set +e
    for rt in "${RUNTIMES[@]}"; do
        [[ -d $WORK/root-$rt && -n ${NS[$rt]:-} ]] || continue
        for id in $(ls "$WORK/root-$rt" 2>/dev/null); do
            launch "$rt" delete --force "$id" >/dev/null 2>&1
        done
    done
    if [[ -n $HOLDER_PID ]] && kill -0 "$HOLDER_PID" 2>/dev/null; then
        kill "$HOLDER_PID"; wait "$HOLDER_PID" 2>/dev/null
    fi
    rmdir /sys/fs/cgroup/*/"berth-bench-$TAG"-* 2>/dev/null
    for m in $(awk -v d="$WORK" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
    if [[ ${KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- mount namespaces (as runtime-run.sh) -----------------------------------------------------------
NS[berth]=/proc/$$/ns/mnt
NS[runc]=/proc/$$/ns/mnt
if [[ -n ${BIN[crun]:-} ]]; then
    unshare --mount --propagation private /bin/sh -c \
        'if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then umount /sys/fs/cgroup/unified || exit 1; fi; exec sleep 86400' &
    HOLDER_PID=$!
    for _ in $(seq 100); do
        [[ $(readlink "/proc/$HOLDER_PID/ns/mnt" 2>/dev/null) != "$(readlink /proc/$$/ns/mnt)" ]] &&
            [[ $(readlink "/proc/$HOLDER_PID/exe" 2>/dev/null) == */sleep ]] && break
        sleep 0.02
    done
    kill -0 "$HOLDER_PID" 2>/dev/null || die "could not make the private mount namespace for crun"
    NS[crun]=/proc/$HOLDER_PID/ns/mnt
fi

# --- bundle: busybox rootfs + `runc spec`, terminal off, read-only root, a bounded sleep -----------
mkdir -p "$BUNDLE/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [[ $a == busybox ]] || ln -s busybox "$BUNDLE/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$BUNDLE/rootfs/etc/passwd"
echo 'root:x:0:' > "$BUNDLE/rootfs/etc/group"
(cd "$BUNDLE" && runc spec)
jq --arg s "$SLEEP_S" '.process.terminal = false | .process.args = ["/bin/sleep", $s] | .root.readonly = true' \
    "$BUNDLE/config.json" > "$BUNDLE/config.json.tmp" && mv "$BUNDLE/config.json.tmp" "$BUNDLE/config.json"

id_for() { echo "berth-bench-$TAG-$1"; }

# one_exec RT : the measured command
one_exec() { launch "$1" exec "$(id_for "$1")" /bin/true </dev/null >/dev/null 2>>"$WORK/errors-$1.log"; }

# --- one running container per runtime, then warm-up ------------------------------------------------
ACTIVE=()
for rt in "${RUNTIMES[@]}"; do
    # stdio are files, never pipes: a detached container keeps them open
    if ! launch "$rt" run --detach --bundle "$BUNDLE" "$(id_for "$rt")" </dev/null >/dev/null 2>>"$WORK/errors-$rt.log"; then
        log "$rt run --detach failed, left out: $(tail -3 "$WORK/errors-$rt.log" | tr '\n' ' ')"
        launch "$rt" delete --force "$(id_for "$rt")" >/dev/null 2>&1 || true
        continue
    fi
    ok=1
    for _ in $(seq "$WARMUP"); do one_exec "$rt" || { ok=0; break; }; done
    if ((ok)); then
        ACTIVE+=("$rt")
    else
        log "$rt exec failed during warm-up, left out: $(tail -3 "$WORK/errors-$rt.log" | tr '\n' ' ')"
    fi
done
((${#ACTIVE[@]} > 0)) || die "no runtime could exec into its container"

# --- timing: interleaved ----------------------------------------------------------------------------
log "timing ${ACTIVE[*]}: $N interleaved iterations of \`exec ID /bin/true\` (stops after ${MAX_SECONDS}s)"
declare -A FAILS
echo "runtime,iteration,ms,exit" > "$WORK/samples.csv"
order_for() {
    local n=${#ACTIVE[@]} k=0 j
    [[ ${ORDER:-fixed} == rotate ]] && k=$(($1 % n))
    for ((j = 0; j < n; j++)); do printf '%s ' "${ACTIVE[$(((j + k) % n))]}"; done
}

START=$SECONDS
DONE=0
for i in $(seq "$N"); do
    if ((SECONDS - START > MAX_SECONDS)); then log "MAX_SECONDS=$MAX_SECONDS reached after $DONE iterations"; break; fi
    for rt in $(order_for "$i"); do
        t0=$EPOCHREALTIME
        if one_exec "$rt"; then rc=0; else rc=$?; fi
        t1=$EPOCHREALTIME
        ((rc == 0)) || FAILS[$rt]=$((${FAILS[$rt]:-0} + 1))
        echo "$rt,$i,$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }'),$rc" >> "$WORK/samples.csv"
    done
    DONE=$i
done

# --- summary ----------------------------------------------------------------------------------------
stat_of() {
    awk -F, -v rt="$1" -v col="$3" -v ok="${4:-0}" 'NR > 1 && $1 == rt && $col != "" && (ok == 0 || $4 == 0) {print $col}' "$2" | sort -g |
        awk '{ a[NR] = $1 } END {
            if (NR == 0) { print "nan nan nan nan 0"; exit }
            med = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            r = int(0.9 * NR); if (r < 0.9 * NR) r++; if (r < 1) r = 1
            printf "%.2f %.2f %.2f %.2f %d\n", med, a[r], a[1], a[NR], NR }'
}

declare -A MED P90
echo
echo "== runtime exec ID /bin/true ($(date -u +%F) on $(nproc) cores, kernel $(uname -r), N=$DONE interleaved (${ORDER:-fixed} order)) =="
printf '%-6s %-10s %9s %9s %9s %9s %5s %7s\n' runtime version "median ms" "p90 ms" "min ms" "max ms" n failed
for rt in "${ACTIVE[@]}"; do
    read -r med p90 min max n < <(stat_of "$rt" "$WORK/samples.csv" 3 1)
    MED[$rt]=$med; P90[$rt]=$p90
    ver=$("${BIN[$rt]}" --version 2>/dev/null | head -1 | awk '{print $NF}')
    printf '%-6s %-10s %9s %9s %9s %9s %5s %7s\n' "$rt" "${ver:0:10}" "$med" "$p90" "$min" "$max" "$n" "${FAILS[$rt]:-0}"
done
for rt in "${RUNTIMES[@]}"; do
    [[ " ${ACTIVE[*]} " == *" $rt "* ]] || echo "$rt: not measured (see above)"
done
[[ -n ${BIN[berth]:-} ]] || echo "berth: not measured (no berth-runtime at $BERTH)"
for peer in crun runc; do
    if [[ -n ${MED[berth]:-} && -n ${MED[$peer]:-} ]]; then
        echo "ratio berth/$peer: median $(awk -v a="${MED[berth]}" -v b="${MED[$peer]}" 'BEGIN { printf "%.2f", a / b }'), p90 $(awk -v a="${P90[berth]}" -v b="${P90[$peer]}" 'BEGIN { printf "%.2f", a / b }')"
    fi
done
echo "times: wall clock of the whole command, timeout + nsenter included for all three (the same launcher cost)"
for rt in "${ACTIVE[@]}"; do
    [[ -s $WORK/errors-$rt.log ]] && echo "$rt wrote to stderr (last lines): $(tail -2 "$WORK/errors-$rt.log" | tr '\n' ' ')"
done
true
