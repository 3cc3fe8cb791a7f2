#!/usr/bin/env bash
# runtime-exec.sh - `RT exec ID /bin/true` latency: berth-runtime vs crun vs runc, side by side in one run.
#
# What it measures (see README.md in this folder):
#   * wall time of `RT --root R exec ID /bin/true` into one running busybox container per runtime
#     (config from `runc spec`, terminal off, read-only root, init `/bin/sleep SLEEP_S`), N iterations,
#     interleaved berth, crun, runc, berth, crun, runc, ... so that load drift on a shared machine hits
#     all three alike. Median and p90 per runtime, ratios berth/crun, berth/runc.
#
# How each runtime is started: exactly as runtime-run.sh does (lib.sh). The container of each runtime
# is created in that runtime's mount namespace, and its exec runs there too.
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
MAX_SECONDS=${MAX_SECONDS:-300}
SLEEP_S=${SLEEP_S:-900}
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
limit_calls  # CMD_TIMEOUT (default 30)

check_range N 2000
bench_setup timeout
# init: a bounded sleep
make_bundle "$(jq -cn --arg s "$SLEEP_S" '["/bin/sleep", $s]')"

id_for() { echo "berth-bench-$TAG-$1"; }

# one_exec RT : the measured command
one_exec() { launch "$1" exec "$(id_for "$1")" /bin/true </dev/null >/dev/null 2>>"$WORK/errors-$1.log"; }

# --- one running container per runtime, then warm-up ------------------------------------------------
for rt in "${RUNTIMES[@]}"; do
    # stdio are files, never pipes: a detached container keeps them open
    if ! launch "$rt" run --detach --bundle "$BUNDLE" "$(id_for "$rt")" </dev/null >/dev/null 2>>"$WORK/errors-$rt.log"; then
        log "$rt run --detach failed, left out: $(last_errors "$rt" 3)"
        launch "$rt" delete --force "$(id_for "$rt")" >/dev/null 2>&1 || true
        continue
    fi
    ok=1
    for _ in $(seq "$WARMUP"); do one_exec "$rt" || { ok=0; break; }; done
    if ((ok)); then
        ACTIVE+=("$rt")
    else
        log "$rt exec failed during warm-up, left out: $(last_errors "$rt" 3)"
    fi
done
((${#ACTIVE[@]} > 0)) || die "no runtime could exec into its container"

# --- timing: interleaved ----------------------------------------------------------------------------
log "timing ${ACTIVE[*]}: $N interleaved iterations of \`exec ID /bin/true\` (stops after ${MAX_SECONDS}s)"
echo "runtime,iteration,ms,exit" > "$WORK/samples.csv"
START=$SECONDS
DONE=0
for i in $(seq "$N"); do
    if ((SECONDS - START > MAX_SECONDS)); then log "MAX_SECONDS=$MAX_SECONDS reached after $DONE iterations"; break; fi
    for rt in $(order_for "$i"); do
        sample "$rt" "$i" one_exec "$rt" || true
    done
    DONE=$i
done

# --- summary ----------------------------------------------------------------------------------------
echo
echo "== runtime exec ID /bin/true ($(host_info), N=$DONE interleaved (${ORDER:-fixed} order)) =="
printf '%-6s %-10s %9s %9s %9s %9s %5s %7s\n' runtime version "median ms" "p90 ms" "min ms" "max ms" n failed
for rt in "${ACTIVE[@]}"; do
    read -r med p90 min max n < <(stat_of "$rt" "$WORK/samples.csv" 3 1)
    MED[$rt]=$med; P90[$rt]=$p90
    ver=$(runtime_version "$rt")
    printf '%-6s %-10s %9s %9s %9s %9s %5s %7s\n' "$rt" "${ver:0:10}" "$med" "$p90" "$min" "$max" "$n" "${FAILS[$rt]:-0}"
done
print_not_measured "see above"
print_ratios
echo "times: wall clock of the whole command, timeout + nsenter included for all three (the same launcher cost)"
print_stderr_tails
true
