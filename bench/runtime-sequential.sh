#!/usr/bin/env bash
# runtime-sequential.sh - COUNT containers one after the other: berth-runtime vs crun vs runc, in one run.
#
# What it measures (see README.md in this folder): the total wall seconds for COUNT (100) containers
# made and removed one after the other, per runtime, in ROUNDS rounds whose runtime order rotates
# (berth crun runc, crun runc berth, runc berth crun, ...); median over rounds and ratios berth/crun,
# berth/runc. Two ways of making a container, chosen by MODE:
#   * MODE=detached (default): `RT run --detach` of `/bin/sleep SLEEP_S`, then `RT delete --force`
#     (create + start, then kill + delete of a running container): two runtime calls per container.
#   * MODE=run: `RT run` of /bin/true in the foreground (create + start + wait + delete in one call),
#     which is how /work/shared/anchors/02-oci-throughput.sh measured the anchor
#     (100 sequential `run`: crun 2.0 s, runc 4.4-5.2 s).
# Same bundle as runtime-run.sh (busybox, `runc spec`, terminal off, read-only root).
#
# How each runtime is started: exactly as runtime-run.sh does, through `nsenter --mount=<ns>`
# (crun 1.8.1 into a private mount namespace without /sys/fs/cgroup/unified, the other two into the
# host's); see that script and README.md.
#
# Usage:   sudo bench/runtime-sequential.sh                     (COUNT=100, ROUNDS=3, MODE=detached)
#          MODE=run sudo bench/runtime-sequential.sh
#          COUNT=50 ROUNDS=5 BERTH_RUNTIME=/path/to/berth-runtime sudo bench/runtime-sequential.sh
#          KEEP=1 ... keeps the work dir (raw per-round totals in rounds.csv)
# Bounds:  COUNT <= 1000, ROUNDS <= 10; every runtime call is killed after CMD_TIMEOUT s (default
#          30); one runtime's round stops after MAX_SECONDS (default 120) and is reported as
#          incomplete; a detached container's init exits by itself after SLEEP_S (default 300).
# Needs:   root, bash >= 5, jq, util-linux (unshare, nsenter), coreutils timeout, busybox-static,
#          runc and crun (a missing runtime is reported and left out, the others still run).
set -euo pipefail

COUNT=${COUNT:-100}
ROUNDS=${ROUNDS:-3}
MODE=${MODE:-detached}
CMD_TIMEOUT=${CMD_TIMEOUT:-30}
MAX_SECONDS=${MAX_SECONDS:-120}
SLEEP_S=${SLEEP_S:-300}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BERTH=${BERTH_RUNTIME:-$REPO/artifacts/bin/berth-runtime}
TAG="bench$$"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

[[ $COUNT =~ ^[0-9]+$ ]] && ((COUNT >= 1 && COUNT <= 1000)) || die "COUNT must be 1..1000"
[[ $ROUNDS =~ ^[0-9]+$ ]] && ((ROUNDS >= 1 && ROUNDS <= 10)) || die "ROUNDS must be 1..10"
[[ $MODE == detached || $MODE == run ]] || die "MODE must be detached or run"
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

# launch RT ARGS... : RT with its own --root, through nsenter into its mount namespace, bounded in time
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

# --- bundle: busybox rootfs + `runc spec`, terminal off, read-only root -----------------------------
mkdir -p "$BUNDLE/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [[ $a == busybox ]] || ln -s busybox "$BUNDLE/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$BUNDLE/rootfs/etc/passwd"
echo 'root:x:0:' > "$BUNDLE/rootfs/etc/group"
(cd "$BUNDLE" && runc spec)
if [[ $MODE == detached ]]; then ARGS=$(jq -cn --arg s "$SLEEP_S" '["/bin/sleep", $s]'); else ARGS='["/bin/true"]'; fi
jq --argjson a "$ARGS" '.process.terminal = false | .process.args = $a | .root.readonly = true' \
    "$BUNDLE/config.json" > "$BUNDLE/config.json.tmp" && mv "$BUNDLE/config.json.tmp" "$BUNDLE/config.json"

# one_container RT ID : make and remove one container (the unit that is repeated COUNT times)
one_container() {
    local rt=$1 id=$2
    if [[ $MODE == detached ]]; then
        # stdio are files, never pipes: a detached container keeps them open
        launch "$rt" run --detach --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>>"$WORK/errors-$rt.log" || return 1
        launch "$rt" delete --force "$id" </dev/null >/dev/null 2>>"$WORK/errors-$rt.log"
    else
        launch "$rt" run --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>>"$WORK/errors-$rt.log"
    fi
}

# --- check: one container each ----------------------------------------------------------------------
ACTIVE=()
for rt in "${RUNTIMES[@]}"; do
    if one_container "$rt" "berth-bench-$TAG-$rt-check"; then
        ACTIVE+=("$rt")
    else
        log "$rt failed its check container, left out: $(tail -3 "$WORK/errors-$rt.log" | tr '\n' ' ')"
        launch "$rt" delete --force "berth-bench-$TAG-$rt-check" >/dev/null 2>&1 || true
    fi
done
((${#ACTIVE[@]} > 0)) || die "no runtime could make a container"

# --- rounds: each runtime does COUNT containers in a row; the order rotates per round -------------
log "$ROUNDS rounds of $COUNT sequential containers (MODE=$MODE) for ${ACTIVE[*]}"
echo "runtime,round,seconds,done,failed" > "$WORK/rounds.csv"
for r in $(seq "$ROUNDS"); do
    n=${#ACTIVE[@]}
    for ((j = 0; j < n; j++)); do
        rt=${ACTIVE[$(((j + r - 1) % n))]}
        ok=0; bad=0; start=$SECONDS
        t0=$EPOCHREALTIME
        for i in $(seq "$COUNT"); do
            if ((SECONDS - start > MAX_SECONDS)); then log "$rt round $r: MAX_SECONDS=$MAX_SECONDS reached after $((ok + bad))"; break; fi
            id="berth-bench-$TAG-$rt-$r-$i"
            if one_container "$rt" "$id"; then
                ok=$((ok + 1))
            else
                bad=$((bad + 1))
                launch "$rt" delete --force "$id" >/dev/null 2>&1 || true
            fi
        done
        t1=$EPOCHREALTIME
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        echo "$rt,$r,$secs,$ok,$bad" >> "$WORK/rounds.csv"
        log "round $r $rt: ${secs}s for $ok containers ($bad failed)"
    done
done

# --- summary ----------------------------------------------------------------------------------------
# summary_of RT : "median min max rounds complete_rounds failures" of the per-round totals
summary_of() {
    awk -F, -v rt="$1" -v count="$COUNT" 'NR > 1 && $1 == rt { print $3, ($4 + $5 == count && $5 == 0), $5 }' "$WORK/rounds.csv" | sort -g |
        awk '{ a[NR] = $1; c += $2; f += $3 } END {
            if (NR == 0) { print "nan nan nan 0 0 0"; exit }
            med = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf "%.2f %.2f %.2f %d %d %d\n", med, a[1], a[NR], NR, c, f }'
}

declare -A MED
echo
if [[ $MODE == detached ]]; then what="run --detach /bin/sleep + delete --force"; else what="run /bin/true (foreground, the anchor's method)"; fi
echo "== $COUNT sequential containers: $what ($(date -u +%F) on $(nproc) cores, kernel $(uname -r), $ROUNDS rounds, rotating order) =="
printf '%-6s %-10s %11s %9s %9s %7s %9s %7s\n' runtime version "median s" "min s" "max s" rounds complete failed
for rt in "${ACTIVE[@]}"; do
    read -r med min max rounds complete failed < <(summary_of "$rt")
    MED[$rt]=$med
    ver=$("${BIN[$rt]}" --version 2>/dev/null | head -1 | awk '{print $NF}')
    printf '%-6s %-10s %11s %9s %9s %7s %9s %7s\n' "$rt" "${ver:0:10}" "$med" "$min" "$max" "$rounds" "$complete" "$failed"
done
for rt in "${RUNTIMES[@]}"; do
    [[ " ${ACTIVE[*]} " == *" $rt "* ]] || echo "$rt: not measured (see above)"
done
[[ -n ${BIN[berth]:-} ]] || echo "berth: not measured (no berth-runtime at $BERTH)"
for peer in crun runc; do
    if [[ -n ${MED[berth]:-} && -n ${MED[$peer]:-} ]]; then
        echo "ratio berth/$peer (median of round totals): $(awk -v a="${MED[berth]}" -v b="${MED[$peer]}" 'BEGIN { printf "%.2f", a / b }')"
    fi
done
if [[ -n ${MED[crun]:-} && -n ${MED[runc]:-} ]]; then
    echo "ratio runc/crun: $(awk -v a="${MED[runc]}" -v b="${MED[crun]}" 'BEGIN { printf "%.2f", a / b }') (anchors.md, MODE=run: 4.4-5.2 s / 2.0 s)"
fi
echo "totals: wall clock of the whole loop of $COUNT, timeout + nsenter per runtime call included for all three"
for rt in "${ACTIVE[@]}"; do
    [[ -s $WORK/errors-$rt.log ]] && echo "$rt wrote to stderr (last lines): $(tail -2 "$WORK/errors-$rt.log" | tr '\n' ' ')"
done
true
