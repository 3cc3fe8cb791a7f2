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
# How each runtime is started (all three through `nsenter --mount=<ns>`, crun into a private mount
# namespace without /sys/fs/cgroup/unified) and what is cleaned up on exit: see lib.sh and README.md.
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
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_setup /usr/bin/time
make_bundle '["/bin/true"]'

# one_run RT ID : the measured command (exit status is the container's, 0 for /bin/true)
one_run() { launch "$1" run --bundle "$BUNDLE" "$2" </dev/null >/dev/null 2>>"$WORK/errors-$1.log"; }

# id RT I : unique per runtime and iteration; the default cgroup path is derived from it
id_for() { echo "berth-bench-$TAG-$1-$2"; }

# --- check and warm up ------------------------------------------------------------------------------
for rt in "${RUNTIMES[@]}"; do
    ok=1
    for w in $(seq "$WARMUP"); do
        if ! one_run "$rt" "$(id_for "$rt" "w$w")"; then ok=0; break; fi
    done
    if ((ok)); then
        ACTIVE+=("$rt")
    else
        log "$rt run failed during warm-up, left out: $(last_errors "$rt" 3)"
        launch "$rt" delete --force "$(id_for "$rt" "w$w")" >/dev/null 2>&1 || true
    fi
done
((${#ACTIVE[@]} > 0)) || die "no runtime could run the bundle"

# --- timing: interleaved ----------------------------------------------------------------------------
log "timing ${ACTIVE[*]}: $N interleaved iterations of \`run\` /bin/true"
echo "runtime,iteration,ms,exit" > "$WORK/samples.csv"
for i in $(seq "$N"); do
    for rt in $(order_for "$i"); do
        id=$(id_for "$rt" "$i")
        sample "$rt" "$i" one_run "$rt" "$id" || launch "$rt" delete --force "$id" >/dev/null 2>&1 || true
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
echo
echo "== runtime run /bin/true ($(host_info), N=$N interleaved (${ORDER:-fixed} order), RSS_RUNS=$RSS_RUNS) =="
printf '%-6s %-10s %9s %9s %9s %9s %5s %7s %14s\n' runtime version "median ms" "p90 ms" "min ms" "max ms" n failed "peak RSS KiB"
for rt in "${ACTIVE[@]}"; do
    read -r med p90 min max n < <(stat_of "$rt" "$WORK/samples.csv" 3 1)
    read -r rss _ < <(stat_of "$rt" "$WORK/rss.csv" 3)
    MED[$rt]=$med; P90[$rt]=$p90
    ver=$(runtime_version "$rt")
    printf '%-6s %-10s %9s %9s %9s %9s %5s %7s %14.0f\n' "$rt" "${ver:0:10}" "$med" "$p90" "$min" "$max" "$n" "${FAILS[$rt]:-0}" "$rss"
done
print_not_measured "failed its warm-up runs; see above"
print_ratios
echo "times: wall clock of the whole command, nsenter included for all three (the same launcher cost);"
echo "peak RSS: median of GNU time %M = ru_maxrss, the largest single process among the runtime and its waited-for children"
print_stderr_tails
true
