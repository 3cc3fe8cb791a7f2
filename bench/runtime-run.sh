#!/usr/bin/env bash
# runtime-run.sh - `RT run` of /bin/true: berth-runtime vs crun vs runc, side by side in one run.
#
# What it measures (see README.md in this folder):
#   * wall time of `RT --root R run --bundle B ID` (create + start + wait + delete in one call) for
#     the same busybox bundle (config from `runc spec`, terminal off, read-only root, args /bin/true),
#     N iterations, interleaved berth, crun, runc, berth, crun, runc, ... so that load drift on a
#     shared machine hits all three alike. Median and p90 per runtime, ratios berth/crun, berth/runc.
#   * peak RSS (GNU time %M, median of RSS_RUNS runs, also interleaved): the kernel's ru_maxrss for
#     the runtime and the children it waited for, i.e. the largest single process of the runtime's
#     tree (not a sum).
#
# How each runtime is started: all three through `nsenter --mount=<ns>`, so each pays the same
# launcher cost. berth-runtime and runc enter the host's own mount namespace (the hybrid cgroup
# layout as it is). crun 1.8.1 refuses that layout ("cgroups in hybrid mode not supported"), so it
# enters a private mount namespace, made once by this script, where /sys/fs/cgroup/unified is
# unmounted (as /work/shared/anchors/lib.sh does); the host's mounts are never changed.
#
# Usage:   sudo bench/runtime-run.sh                  (N=50 iterations, RSS_RUNS=10)
#          N=200 RSS_RUNS=20 sudo bench/runtime-run.sh
#          BERTH_RUNTIME=/path/to/berth-runtime sudo bench/runtime-run.sh
#          ORDER=rotate ... starts each iteration with the next runtime (berth crun runc, crun runc
#                           berth, ...) instead of the fixed order; see README.md on position bias
#          KEEP=1 ... keeps the work dir (raw samples in samples.csv, rss.csv)
# Needs:   root, bash >= 5, jq, GNU time (/usr/bin/time), util-linux (unshare, nsenter), busybox-static,
#          runc and crun (a missing runtime is reported and left out, the others still run).
set -euo pipefail

N=${N:-50}
RSS_RUNS=${RSS_RUNS:-10}
WARMUP=${WARMUP:-3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BERTH=${BERTH_RUNTIME:-$REPO/artifacts/bin/berth-runtime}
TAG="bench$$"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root (containers need it)"
for tool in jq nsenter unshare /usr/bin/time /bin/busybox; do
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

# --- cleanup: only what this script made -----------------------------------------------------------
cleanup() {
    local rt id m
    set +e
    for rt in "${RUNTIMES[@]}"; do
        [[ -d $WORK/root-$rt ]] || continue
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

# --- mount namespaces ------------------------------------------------------------------------------
# host: our own mount namespace. crun: a private one without the cgroup2 mount, held open by a
# sleeping process for the length of the run.
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

# launch RT ARGS... : RT with its own --root, started through nsenter into its mount namespace
launch() {
    local rt=$1; shift
    nsenter --mount="${NS[$rt]}" -- "${BIN[$rt]}" --root "$WORK/root-$rt" "$@"
}

# --- bundle: busybox rootfs + `runc spec`, terminal off, read-only root, /bin/true ------------------
mkdir -p "$BUNDLE/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [[ $a == busybox ]] || ln -s busybox "$BUNDLE/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$BUNDLE/rootfs/etc/passwd"
echo 'root:x:0:' > "$BUNDLE/rootfs/etc/group"
(cd "$BUNDLE" && runc spec)
jq '.process.terminal = false | .process.args = ["/bin/true"] | .root.readonly = true' \
    "$BUNDLE/config.json" > "$BUNDLE/config.json.tmp" && mv "$BUNDLE/config.json.tmp" "$BUNDLE/config.json"

# one_run RT ID : the measured command (exit status is the container's, 0 for /bin/true)
one_run() { launch "$1" run --bundle "$BUNDLE" "$2" </dev/null >/dev/null 2>>"$WORK/errors-$1.log"; }

# id RT I : unique per runtime and iteration; the default cgroup path is derived from it
id_for() { echo "berth-bench-$TAG-$1-$2"; }

# --- check and warm up ------------------------------------------------------------------------------
ACTIVE=()
for rt in "${RUNTIMES[@]}"; do
    ok=1
    for w in $(seq "$WARMUP"); do
        if ! one_run "$rt" "$(id_for "$rt" "w$w")"; then ok=0; break; fi
    done
    if ((ok)); then
        ACTIVE+=("$rt")
    else
        log "$rt run failed during warm-up, left out: $(tail -3 "$WORK/errors-$rt.log" | tr '\n' ' ')"
        launch "$rt" delete --force "$(id_for "$rt" "w$w")" >/dev/null 2>&1 || true
    fi
done
((${#ACTIVE[@]} > 0)) || die "no runtime could run the bundle"

# --- timing: interleaved ----------------------------------------------------------------------------
log "timing ${ACTIVE[*]}: $N interleaved iterations of \`run\` /bin/true"
declare -A FAILS
echo "runtime,iteration,ms,exit" > "$WORK/samples.csv"
# order_for I : the runtimes in the order iteration I runs them
order_for() {
    local n=${#ACTIVE[@]} k=0 j
    [[ ${ORDER:-fixed} == rotate ]] && k=$(($1 % n))
    for ((j = 0; j < n; j++)); do printf '%s ' "${ACTIVE[$(((j + k) % n))]}"; done
}

for i in $(seq "$N"); do
    for rt in $(order_for "$i"); do
        id=$(id_for "$rt" "$i")
        t0=$EPOCHREALTIME
        if one_run "$rt" "$id"; then rc=0; else rc=$?; fi
        t1=$EPOCHREALTIME
        if ((rc != 0)); then
            FAILS[$rt]=$((${FAILS[$rt]:-0} + 1))
            launch "$rt" delete --force "$id" >/dev/null 2>&1 || true
        fi
        # EPOCHREALTIME is "seconds.microseconds"
        echo "$rt,$i,$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }'),$rc" >> "$WORK/samples.csv"
    done
done

# --- peak RSS: interleaved --------------------------------------------------------------------------
log "peak RSS: $RSS_RUNS interleaved runs each under /usr/bin/time -f %M"
echo "runtime,iteration,maxrss_kib" > "$WORK/rss.csv"
for i in $(seq "$RSS_RUNS"); do
    for rt in $(order_for "$i"); do
        id=$(id_for "$rt" "rss$i")
        # nsenter execs the runtime, so %M is the runtime's own tree, not nsenter's
        /usr/bin/time -f '%M' -o "$WORK/.maxrss" \
            nsenter --mount="${NS[$rt]}" -- "${BIN[$rt]}" --root "$WORK/root-$rt" run --bundle "$BUNDLE" "$id" \
            </dev/null >/dev/null 2>>"$WORK/errors-$rt.log" || launch "$rt" delete --force "$id" >/dev/null 2>&1 || true
        echo "$rt,$i,$(tail -1 "$WORK/.maxrss")" >> "$WORK/rss.csv"
    done
done

# --- summary ----------------------------------------------------------------------------------------
# stat_of RT FILE COLUMN [OK_ONLY] : "median p90 min max n" of column COLUMN over the rows of RT
# (with OK_ONLY=1 only rows whose 4th column, the exit status, is 0); p90 by nearest rank
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
echo "== runtime run /bin/true ($(date -u +%F) on $(nproc) cores, kernel $(uname -r), N=$N interleaved (${ORDER:-fixed} order), RSS_RUNS=$RSS_RUNS) =="
printf '%-6s %-10s %9s %9s %9s %9s %5s %7s %14s\n' runtime version "median ms" "p90 ms" "min ms" "max ms" n failed "peak RSS KiB"
for rt in "${ACTIVE[@]}"; do
    read -r med p90 min max n < <(stat_of "$rt" "$WORK/samples.csv" 3 1)
    read -r rss _ < <(stat_of "$rt" "$WORK/rss.csv" 3)
    MED[$rt]=$med; P90[$rt]=$p90
    ver=$("${BIN[$rt]}" --version 2>/dev/null | head -1 | awk '{print $NF}')
    printf '%-6s %-10s %9s %9s %9s %9s %5s %7s %14.0f\n' "$rt" "${ver:0:10}" "$med" "$p90" "$min" "$max" "$n" "${FAILS[$rt]:-0}" "$rss"
done
for rt in "${RUNTIMES[@]}"; do
    [[ " ${ACTIVE[*]} " == *" $rt "* ]] || echo "$rt: not measured (failed its warm-up runs; see above)"
done
[[ -n ${BIN[berth]:-} ]] || echo "berth: not measured (no berth-runtime at $BERTH)"
for peer in crun runc; do
    if [[ -n ${MED[berth]:-} && -n ${MED[$peer]:-} ]]; then
        echo "ratio berth/$peer: median $(awk -v a="${MED[berth]}" -v b="${MED[$peer]}" 'BEGIN { printf "%.2f", a / b }'), p90 $(awk -v a="${P90[berth]}" -v b="${P90[$peer]}" 'BEGIN { printf "%.2f", a / b }')"
    fi
done
echo "times: wall clock of the whole command, nsenter included for all three (the same launcher cost);"
echo "peak RSS: median of GNU time %M = ru_maxrss, the largest single process among the runtime and its waited-for children"
for rt in "${ACTIVE[@]}"; do
    [[ -s $WORK/errors-$rt.log ]] && echo "$rt wrote to stderr (last lines): $(tail -2 "$WORK/errors-$rt.log" | tr '\n' ' ')"
done
true
