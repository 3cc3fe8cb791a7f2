# shellcheck shell=bash
# bench/lib.sh - the parts the runtime benchmarks share; sourced by runtime-run.sh, runtime-exec.sh and
# runtime-sequential.sh, never run on its own. Each script keeps its knobs, its bounds, its measured
# loop and its summary table; this file holds the rest:
#
#   bench_setup TOOL...   root, bash >= 5 and tool checks, the work dir and the cleanup trap, which
#                         runtimes exist (BIN, RUNTIMES), and the mount namespace of each one (NS)
#   make_bundle ARGS_JSON the busybox bundle: rootfs + `runc spec`, terminal off, read-only root,
#                         process.args = ARGS_JSON
#   limit_calls           every runtime call under `timeout --foreground -k 5 $CMD_TIMEOUT` (default 30)
#   launch RT ARGS...     RT with its own --root, started through nsenter into its mount namespace,
#                         prefixed by LAUNCH_PREFIX (empty, or `timeout ...` after limit_calls)
#   check_range, log, die, order_for, sample, elapsed, stat_of, ratio, host_info, runtime_version,
#   last_errors, print_not_measured, print_ratios, print_stderr_tails: bounds, messages, the
#   interleaving, the samples and the summary lines
#
# How each runtime is started: all three through `nsenter --mount=<ns>`, so each pays the same
# launcher cost. berth-runtime and runc enter the host's own mount namespace (the hybrid cgroup
# layout as it is). crun 1.8.1 refuses that layout ("cgroups in hybrid mode not supported"), so it
# enters a private mount namespace, made once per run, where /sys/fs/cgroup/unified is unmounted (as
# /work/shared/anchors/lib.sh does), held open by a `sleep` (the "holder"); the host's mounts are
# never changed. nsenter execs the runtime, so the process that is timed is the runtime itself.
#
# Cleanup (on exit, including Ctrl-C): force-delete every container left in the runtimes' roots, stop
# the holder (by pid), remove stray berth-bench-<tag>-* cgroups, detach mounts under the work dir,
# remove the work dir unless KEEP=1.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BERTH=${BERTH_RUNTIME:-$REPO/artifacts/bin/berth-runtime}
TAG="bench$$"
WORK=""
BUNDLE=""
HOLDER_PID=""
LAUNCH_PREFIX=()  # set by limit_calls
RUNTIMES=()       # the runtimes found: berth, crun, runc (in this order)
ACTIVE=()         # those that passed the script's check or warm-up
declare -A BIN NS MED P90 FAILS

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# check_range NAME MAX : the variable NAME must hold an integer in 1..MAX
check_range() {
    local name=$1 max=$2 v=${!1}
    if ! [[ $v =~ ^[0-9]+$ ]] || ! ((v >= 1 && v <= max)); then die "$name must be 1..$max"; fi
}

# launch RT ARGS... : RT with its own --root, started through nsenter into its mount namespace
# (with LAUNCH_PREFIX=(timeout --foreground ...), the runtime stays in our process group, as without)
launch() {
    local rt=$1; shift
    "${LAUNCH_PREFIX[@]}" nsenter --mount="${NS[$rt]}" -- "${BIN[$rt]}" --root "$WORK/root-$rt" "$@"
}

# limit_calls : from here on every runtime call is killed after CMD_TIMEOUT s (default 30)
limit_calls() {
    CMD_TIMEOUT=${CMD_TIMEOUT:-30}
    LAUNCH_PREFIX=(timeout --foreground -k 5 "$CMD_TIMEOUT")
}

# --- cleanup: only what this script made -----------------------------------------------------------
cleanup() {
    local rt d m
    set +e
    for rt in "${RUNTIMES[@]}"; do
        [[ -d $WORK/root-$rt && -n ${NS[$rt]:-} ]] || continue
        for d in "$WORK/root-$rt"/*; do
            [[ -e $d ]] && launch "$rt" delete --force "${d##*/}" >/dev/null 2>&1
        done
    done
    if [[ -n $HOLDER_PID ]] && kill -0 "$HOLDER_PID" 2>/dev/null; then
        kill "$HOLDER_PID"; wait "$HOLDER_PID" 2>/dev/null
    fi
    rmdir /sys/fs/cgroup/*/"berth-bench-$TAG"-* 2>/dev/null
    while read -r m; do umount -l "$m"; done < <(awk -v d="$WORK" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    if [[ ${KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}

# bench_setup TOOL... : checks (root, jq nsenter unshare TOOL... /bin/busybox, bash 5), the work dir
# with its cleanup trap, the runtimes to measure and their mount namespaces
bench_setup() {
    local tool
    [[ $(id -u) == 0 ]] || die "must run as root (containers need it)"
    for tool in jq nsenter unshare "$@" /bin/busybox; do
        command -v "$tool" >/dev/null || die "missing tool: $tool"
    done
    [[ -n ${EPOCHREALTIME:-} ]] || die "bash 5 or newer is needed (EPOCHREALTIME)"

    WORK=$(mktemp -d /tmp/berth-bench.XXXXXX)
    BUNDLE=$WORK/bundle
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    # --- which runtimes ---
    if [[ -x $BERTH ]]; then
        BIN[berth]=$BERTH; RUNTIMES+=(berth)
    else
        log "berth-runtime not found at $BERTH: measuring the others only (set BERTH_RUNTIME=... to point at it)"
    fi
    if command -v crun >/dev/null; then BIN[crun]=$(command -v crun); RUNTIMES+=(crun); else log "crun not installed: left out"; fi
    if command -v runc >/dev/null; then BIN[runc]=$(command -v runc); RUNTIMES+=(runc); else log "runc not installed: left out"; fi
    ((${#RUNTIMES[@]} > 0)) || die "no runtime to measure"
    command -v runc >/dev/null || die "runc is needed for \`runc spec\` (the bundle's config)"

    # --- mount namespaces ---
    # host: our own mount namespace. crun: a private one without the cgroup2 mount, held open by a
    # sleeping process for the length of the run.
    NS[berth]=/proc/$$/ns/mnt
    NS[runc]=/proc/$$/ns/mnt
    if [[ -n ${BIN[crun]:-} ]]; then
        # shellcheck disable=SC2016 # expanded by the inner sh, in the new namespace
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
}

# make_bundle ARGS_JSON : busybox rootfs + `runc spec`, terminal off, read-only root, process.args
make_bundle() {
    local a
    mkdir -p "$BUNDLE/rootfs"/{bin,proc,sys,dev,tmp,etc}
    cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
    for a in $(/bin/busybox --list); do [[ $a == busybox ]] || ln -s busybox "$BUNDLE/rootfs/bin/$a"; done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$BUNDLE/rootfs/etc/passwd"
    echo 'root:x:0:' > "$BUNDLE/rootfs/etc/group"
    (cd "$BUNDLE" && runc spec)
    jq --argjson a "$1" '.process.terminal = false | .process.args = $a | .root.readonly = true' \
        "$BUNDLE/config.json" > "$BUNDLE/config.json.tmp" && mv "$BUNDLE/config.json.tmp" "$BUNDLE/config.json"
}

# --- interleaving and samples -----------------------------------------------------------------------
# order_for I : the runtimes in the order iteration I runs them (ORDER=rotate starts with the next one)
order_for() {
    local n=${#ACTIVE[@]} k=0 j
    [[ ${ORDER:-fixed} == rotate ]] && k=$(($1 % n))
    for ((j = 0; j < n; j++)); do printf '%s ' "${ACTIVE[$(((j + k) % n))]}"; done
}

# elapsed T0 T1 [SCALE] : (T1 - T0) * SCALE with 3 decimals; T0, T1 from EPOCHREALTIME
# ("seconds.microseconds"), SCALE 1000 (ms) by default
elapsed() { awk -v a="$1" -v b="$2" -v s="${3:-1000}" 'BEGIN { printf "%.3f", (b - a) * s }'; }

# sample RT I CMD... : time CMD (the measured command), append "RT,I,ms,exit" to samples.csv and count
# a failure in FAILS; returns CMD's exit status
sample() {
    local rt=$1 i=$2 t0 t1 rc
    shift 2
    t0=$EPOCHREALTIME
    if "$@"; then rc=0; else rc=$?; fi
    t1=$EPOCHREALTIME
    ((rc == 0)) || FAILS[$rt]=$((${FAILS[$rt]:-0} + 1))
    echo "$rt,$i,$(elapsed "$t0" "$t1"),$rc" >> "$WORK/samples.csv"
    return "$rc"
}

# --- registries -------------------------------------------------------------------------------------
# free_port : a TCP port no socket uses, below the ephemeral range (a port a client connection holds,
# even in TIME_WAIT, cannot be bound: listeners alone are not enough to check)
free_port() {
    local p low
    read -r low _ < /proc/sys/net/ipv4/ip_local_port_range
    for _ in $(seq 50); do
        p=$((10000 + RANDOM % (low - 10000)))
        [[ -z $(ss -Htan "sport = :$p") ]] && { echo "$p"; return 0; }
    done
    die "no free port found"
}

# distribution_config DATA_DIR ADDR : a docker-registry (distribution 2.8) config as the anchors run it:
# log level warn, access log off, filesystem storage in DATA_DIR, deletes on, in-memory blob descriptor cache
distribution_config() {
    cat <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $1
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $2
EOF
}

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

# ratio A B : A / B with 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# host_info : "date on N cores, kernel K" for the summary's title
host_info() { echo "$(date -u +%F) on $(nproc) cores, kernel $(uname -r)"; }

# runtime_version RT : the last word of `RT --version`'s first line
runtime_version() { "${BIN[$1]}" --version 2>/dev/null | head -1 | awk '{print $NF}'; }

# last_errors RT N : the last N lines of RT's stderr log, on one line
last_errors() { tail -"$2" "$WORK/errors-$1.log" | tr '\n' ' '; }

# print_not_measured WHY : a line for each runtime found but not in ACTIVE, and for a missing berth
print_not_measured() {
    local rt
    for rt in "${RUNTIMES[@]}"; do
        [[ " ${ACTIVE[*]} " == *" $rt "* ]] || echo "$rt: not measured ($1)"
    done
    [[ -n ${BIN[berth]:-} ]] || echo "berth: not measured (no berth-runtime at $BERTH)"
}

# print_ratios : berth/crun and berth/runc of the medians (MED) and p90s (P90)
print_ratios() {
    local peer
    for peer in crun runc; do
        if [[ -n ${MED[berth]:-} && -n ${MED[$peer]:-} ]]; then
            echo "ratio berth/$peer: median $(ratio "${MED[berth]}" "${MED[$peer]}"), p90 $(ratio "${P90[berth]}" "${P90[$peer]}")"
        fi
    done
}

# print_stderr_tails : the last lines of what each measured runtime wrote to stderr, if anything
print_stderr_tails() {
    local rt
    for rt in "${ACTIVE[@]}"; do
        if [[ -s $WORK/errors-$rt.log ]]; then echo "$rt wrote to stderr (last lines): $(last_errors "$rt" 2)"; fi
    done
}
