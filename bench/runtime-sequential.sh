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
# host's); see lib.sh and README.md.
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
MAX_SECONDS=${MAX_SECONDS:-120}
SLEEP_S=${SLEEP_S:-300}
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
limit_calls  # CMD_TIMEOUT (default 30)

check_range COUNT 1000
check_range ROUNDS 10
[[ $MODE == detached || $MODE == run ]] || die "MODE must be detached or run"
bench_setup timeout
if [[ $MODE == detached ]]; then make_bundle "$(jq -cn --arg s "$SLEEP_S" '["/bin/sleep", $s]')"; else make_bundle '["/bin/true"]'; fi

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
for rt in "${RUNTIMES[@]}"; do
    if one_container "$rt" "berth-bench-$TAG-$rt-check"; then
        ACTIVE+=("$rt")
    else
        log "$rt failed its check container, left out: $(last_errors "$rt" 3)"
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
        secs=$(elapsed "$t0" "$t1" 1)
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

echo
if [[ $MODE == detached ]]; then what="run --detach /bin/sleep + delete --force"; else what="run /bin/true (foreground, the anchor's method)"; fi
echo "== $COUNT sequential containers: $what ($(host_info), $ROUNDS rounds, rotating order) =="
printf '%-6s %-10s %11s %9s %9s %7s %9s %7s\n' runtime version "median s" "min s" "max s" rounds complete failed
for rt in "${ACTIVE[@]}"; do
    read -r med min max rounds complete failed < <(summary_of "$rt")
    MED[$rt]=$med
    ver=$(runtime_version "$rt")
    printf '%-6s %-10s %11s %9s %9s %7s %9s %7s\n' "$rt" "${ver:0:10}" "$med" "$min" "$max" "$rounds" "$complete" "$failed"
done
print_not_measured "see above"
for peer in crun runc; do
    if [[ -n ${MED[berth]:-} && -n ${MED[$peer]:-} ]]; then
        echo "ratio berth/$peer (median of round totals): $(ratio "${MED[berth]}" "${MED[$peer]}")"
    fi
done
if [[ -n ${MED[crun]:-} && -n ${MED[runc]:-} ]]; then
    echo "ratio runc/crun: $(ratio "${MED[runc]}" "${MED[crun]}") (anchors.md, MODE=run: 4.4-5.2 s / 2.0 s)"
fi
echo "totals: wall clock of the whole loop of $COUNT, timeout + nsenter per runtime call included for all three"
print_stderr_tails
true
