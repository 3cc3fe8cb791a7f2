#!/usr/bin/env bash
# image-pull.sh - pull (fetch + verify + unpack) of the ~200 MB, 3-layer Debian image from a local
# `docker-registry` into an EMPTY store: `berth pull` vs `docker pull` vs `podman pull` vs
# `skopeo copy` + `umoci unpack`, side by side in one run, as ratios. Then push of the same image by
# `berth push` (and, for reference, `skopeo copy`) to a fresh `berth registry serve` and a fresh
# `docker-registry`.
#
# The image: the one image-load.sh measures (image-lib.sh builds it once into $CACHE with debootstrap
# and umoci; the same split as /work/shared/anchors/05-pull-unpack.sh), copied with skopeo into a
# docker-registry (distribution 2.8, Debian's) on 127.0.0.1 at a free port, storage in the work dir,
# configured as the anchors do (inmemory blob descriptor cache, access log off).
#
# Pull, timed per round, each tool into a fresh empty dir on a file system of its own (wall clock of
# the whole command; see image-load.sh for why FRESH_FS=1 is the default):
#   berth  : berth --root $d/store pull -q REF   (manifest, config, layers fetched 3 at a time and
#            each extracted into an overlay snapshot while it downloads, digests verified, named)
#   docker : docker pull -q REF against a dockerd 20.10 started for this sample (untimed) with its
#            data-root in the fresh dir (overlay2, no networking of its own); stopped afterwards
#   podman : podman --root $d/proot ... pull -q --tls-verify=false REF   (overlay)
#   skopeo+umoci : skopeo copy docker://REF oci:$d/oci:bookworm && umoci unpack --image
#            $d/oci:bookworm $d/bundle   (the two halves are also reported apart)
# One untimed warm-up per tool (checks it works; a tool whose warm-up fails is left out with its
# error), then N rounds in rotating order; between commands, untimed: unmount, remove, sync.
#
# Push, timed per round: from a store that holds the image (pulled once, untimed) to a registry
# started for the sample (untimed) with empty storage on a fresh file system:
#   berth push -> berth registry serve     berth push -> docker-registry
#   skopeo copy oci:LAYOUT -> berth registry serve     skopeo copy oci:LAYOUT -> docker-registry
#
# Usage:   sudo bench/image-pull.sh                 (N=5 rounds)
#          N=3 PUSH=0 sudo bench/image-pull.sh      (no push part)
#          CACHE=/some/dir ...   where the image is built and kept (default /var/cache/berth-bench)
#          KEEP=1 ...   keeps the work dir (raw samples, stderr logs)
#          BERTH_CLI=/path/to/berth ...  (default artifacts/bin/berth)
#          CMD_TIMEOUT=300 ...  each measured command is killed after this many seconds (a failure)
#          FRESH_FS=0 ...  plain dirs instead of a fresh ext4 per command; FS_SIZE=8G its size
# Needs:   root, bash >= 5, jq, curl, umoci, skopeo, podman, docker-registry, dockerd + docker
#          (docker.io), and debootstrap for the first run
#          (apt-get install -y debootstrap umoci skopeo podman docker-registry docker.io jq curl).
# Network: 127.0.0.1 only. Exit status: non-zero only when the setup fails; failed runs are counted.
set -euo pipefail

PUSH=${PUSH:-1}
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # log die check_range elapsed sample stat_of ratio host_info order_for
# shellcheck source=image-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/image-lib.sh"   # ensure_image fresh_dir purge children_cpu count_files

image_bench_checks "dockerd, podman's own roots, overlay snapshots, loop mounts" jq curl umoci skopeo podman docker-registry dockerd docker timeout sync mkfs.ext4 losetup ss

# --- work dir, daemons and cleanup: only what this script made ------------------------------------------
WORK=$(mktemp -d /tmp/berth-bench-pull.XXXXXX)
declare -A DAEMON   # name -> pid of a daemon this script started
cleanup() {
    set +e
    local m name
    for name in "${!DAEMON[@]}"; do stop_daemon "$name"; done
    while read -r m; do umount -l "$m"; done < <(awk -v d="$WORK/" 'index($5 "/", d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    if [[ ${KEEP:-0} == 1 ]]; then
        find "$WORK" -mindepth 1 -maxdepth 1 \( -type d -o -name '*.img' \) -exec rm -rf {} +
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_daemon NAME : TERM, then KILL after 10 s, the daemon this script started under NAME
stop_daemon() {
    local pid=${DAEMON[$1]:-} i
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || true
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "DAEMON[$1]"
}

# wait_http URL NAME : until URL answers (any HTTP status), or die after 15 s
wait_http() {
    local i
    for i in $(seq 150); do
        curl -s -o /dev/null "$1" && return 0
        kill -0 "${DAEMON[$2]}" 2>/dev/null || break
        sleep 0.1
    done
    die "$2 did not come up at $1: $(tail -3 "$WORK/$2.log" | tr '\n' ' ')"
}

# start_registry NAME KIND DIR : a registry of KIND (distribution|berth) with its storage in DIR, on a free
# port of 127.0.0.1; sets REG[NAME]=host:port
declare -A REG
start_registry() {
    local name=$1 kind=$2 dir=$3 port
    port=$(free_port)
    mkdir -p "$dir"
    case $kind in
        distribution)
            distribution_config "$dir/data" "127.0.0.1:$port" > "$dir/config.yml"
            docker-registry serve "$dir/config.yml" >> "$WORK/$name.log" 2>&1 &
            ;;
        berth) "$BERTH_CLI" registry serve --addr "127.0.0.1:$port" --root "$dir/data" >> "$WORK/$name.log" 2>&1 & ;;
    esac
    DAEMON[$name]=$!
    REG[$name]=127.0.0.1:$port
    wait_http "http://127.0.0.1:$port/v2/" "$name"
}

# start_dockerd DIR : a dockerd 20.10 whose data-root, exec-root and socket are in DIR (overlay2, no
# bridge, no iptables); sets DOCKER_SOCK
start_dockerd() {
    local d=$1 i
    mkdir -p "$d"
    echo '{}' > "$d/daemon.json"   # never the host's /etc/docker/daemon.json
    dockerd --config-file "$d/daemon.json" --data-root "$d/root" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
        --pidfile "$d/dockerd.pid" --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
        --userland-proxy=false --storage-driver overlay2 --log-level warn >> "$WORK/dockerd.log" 2>&1 &
    DAEMON[dockerd]=$!
    DOCKER_SOCK=$d/docker.sock
    for i in $(seq 150); do
        DOCKER_CONFIG=$WORK/docker-cli docker -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1 && return 0
        kill -0 "${DAEMON[dockerd]}" 2>/dev/null || break
        sleep 0.1
    done
    die "dockerd did not start: $(tail -3 "$WORK/dockerd.log" | tr '\n' ' ')"
}
mkdir -p "$WORK/docker-cli"
echo '{}' > "$WORK/docker-cli/config.json"   # no credentials or settings of the host's user

# --- 1. the image, cached in $CACHE, served by a docker-registry on 127.0.0.1 --------------------------------
ensure_image
start_registry source distribution "$WORK/source-registry"
REF=${REG[source]}/bench/debian:$IMAGE_TAG
skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:$IMAGE_TAG" "docker://$REF" || die "skopeo copy into the source registry failed"
m_served=$(skopeo inspect --raw --tls-verify=false "docker://$REF")
[[ $m_served == "$m_layout" ]] || die "the registry serves another manifest than the layout's"
log "source: $REF ($nlayers layers, $comp_bytes bytes compressed)"

# --- 2. pull: the tools, their warm-up and checks ----------------------------------------------------------
TOOLS=(berth docker podman skopeo+umoci)
declare -A VER CHECK
if [[ -x $BERTH_CLI ]]; then VER[berth]=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "?"); else VER[berth]=""; fi
VER[docker]=$(dockerd --version | awk '{print $3}' | tr -d ,)
VER[podman]=$(podman --version | awk '{print $NF}')
VER[skopeo+umoci]=$(skopeo --version | awk '{print $NF}')/$(umoci --version | awk '{print $NF}')

# setup_tool TOOL DIR / teardown_tool TOOL DIR : untimed, around each measured pull
setup_tool() { if [[ $1 == docker ]]; then start_dockerd "$2/docker"; fi; }
teardown_tool() { if [[ $1 == docker ]]; then stop_daemon dockerd; fi; }

# run_tool TOOL DIR : the measured pull, into the fresh dir DIR; stdout dropped, stderr to errors-TOOL.log.
# skopeo+umoci also records the time of its first half in $WORK/skopeo-half.
run_tool() {
    local t=$1 d=$2 t0 rc=0
    case $t in
        berth) timeout -k 5 "$CMD_TIMEOUT" "$BERTH_CLI" --root "$d/store" pull -q "$REF" ;;
        docker) DOCKER_CONFIG=$WORK/docker-cli timeout -k 5 "$CMD_TIMEOUT" docker -H "unix://$DOCKER_SOCK" pull -q "$REF" ;;
        podman) mkdir -p "$d/ptmp"
                timeout -k 5 "$CMD_TIMEOUT" env -u DOCKER_CONFIG podman --root "$d/proot" --runroot "$d/prun" --tmpdir "$d/ptmp" \
                    --storage-driver overlay --cgroup-manager cgroupfs --events-backend none pull -q --tls-verify=false "$REF" ;;
        skopeo+umoci)
                t0=$EPOCHREALTIME
                timeout -k 5 "$CMD_TIMEOUT" skopeo copy -q --src-tls-verify=false "docker://$REF" "oci:$d/oci:$IMAGE_TAG" || rc=$?
                elapsed "$t0" "$EPOCHREALTIME" > "$WORK/skopeo-half"
                ((rc == 0)) || return "$rc"
                timeout -k 5 "$CMD_TIMEOUT" umoci unpack --image "$d/oci:$IMAGE_TAG" "$d/bundle" ;;
    esac </dev/null >/dev/null 2>>"$WORK/errors-$t.log"
}

ACTIVE=()
for t in "${TOOLS[@]}"; do
    if [[ $t == berth && ! -x $BERTH_CLI ]]; then
        log "berth not found at $BERTH_CLI: left out (./build.sh, or BERTH_CLI=...)"
        continue
    fi
    d=$WORK/warm-$t
    fresh_dir "$d"
    setup_tool "$t" "$d"
    log "warm-up: $t"
    t0=$EPOCHREALTIME
    if run_tool "$t" "$d"; then
        ACTIVE+=("$t")
        CHECK[$t]="$(elapsed "$t0" "$EPOCHREALTIME" 1) s"
        case $t in
            berth)  CHECK[$t]+="; $("$BERTH_CLI" --root "$d/store" images 2>&1 | tail -n +2 | tr -s ' ' | tr '\n' ';')"
                    "$BERTH_CLI" --root "$d/store" system check >/dev/null 2>&1 || die "berth system check failed after the warm-up pull" ;;
            docker) CHECK[$t]+="; $(DOCKER_CONFIG=$WORK/docker-cli docker -H "unix://$DOCKER_SOCK" images --format '{{.ID}} {{.Size}}' | tr '\n' ';')" ;;
            podman) CHECK[$t]+="; $(env -u DOCKER_CONFIG podman --root "$d/proot" --runroot "$d/prun" --tmpdir "$d/ptmp" \
                        --storage-driver overlay --cgroup-manager cgroupfs --events-backend none images --format '{{.ID}} {{.Size}}' 2>&1 | tr '\n' ';')" ;;
            skopeo+umoci) read -r UNPACKED_BYTES UNPACKED_FILES < <(count_files "$d/bundle/rootfs")
                    CHECK[$t]+="; rootfs $UNPACKED_BYTES bytes, $UNPACKED_FILES entries" ;;
        esac
        log "  $t ok: ${CHECK[$t]}"
    else
        rc=$?
        CHECK[$t]="warm-up failed (exit $rc): $(tail -5 "$WORK/errors-$t.log" | tr '\n' ' ')"
        log "  $t FAILED its warm-up, left out: ${CHECK[$t]}"
    fi
    teardown_tool "$t" "$d"
    purge "$d"; sync
done
((${#ACTIVE[@]} > 0)) || die "no tool could pull the image"

# --- 3. pull timing: N rounds, rotating order, fresh dir each ------------------------------------------------
log "timing pulls by ${ACTIVE[*]}: $N rounds, $ORDER order"
echo "tool,round,ms,exit" > "$WORK/samples.csv"
echo "tool,round,cpu_s,exit" > "$WORK/cpu.csv"
echo "tool,round,ms,exit" > "$WORK/halves.csv"
for i in $(seq "$N"); do
    for t in $(order_for "$i"); do
        d=$WORK/r$i-$t
        fresh_dir "$d"
        setup_tool "$t" "$d"
        sync
        c0=0 c1=0; children_cpu c0
        rc=0
        sample "$t" "$i" run_tool "$t" "$d" || { rc=$?; log "  round $i: $t failed: $(tail -2 "$WORK/errors-$t.log" | tr '\n' ' ')"; }
        children_cpu c1
        echo "$t,$i,$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }'),$rc" >> "$WORK/cpu.csv"
        if [[ $t == skopeo+umoci && -s $WORK/skopeo-half ]]; then echo "skopeo-copy,$i,$(cat "$WORK/skopeo-half"),$rc" >> "$WORK/halves.csv"; fi
        teardown_tool "$t" "$d"
        purge "$d"; sync
    done
    log "  round $i: $(awk -F, -v i="$i" '$2 == i {printf "%s %.2f s%s  ", $1, $3 / 1000, ($4 == 0 ? "" : " (exit " $4 ")")}' "$WORK/samples.csv")"
done

# --- 4. push timing ---------------------------------------------------------------------------------------------
PUSHES=()
if [[ $PUSH == 1 && -x $BERTH_CLI ]]; then
    SRC=$WORK/push-source
    "$BERTH_CLI" --root "$SRC" pull -q "$REF" >/dev/null 2>>"$WORK/errors-push.log" || die "pull into the push source store failed"
    PUSHES=("berth>berth" "berth>distribution" "skopeo>berth" "skopeo>distribution")
    # push_one WHO KIND DIR : untimed registry start, timed push, untimed stop
    push_one() {
        local who=$1 kind=$2 d=$3 target
        start_registry "target" "$kind" "$d/registry"
        target=${REG[target]}/bench/debian:$IMAGE_TAG
        if [[ $who == berth ]]; then "$BERTH_CLI" --root "$SRC" image tag "$REF" "$target" >/dev/null; fi
        sync
        rc=0
        case $who in
            berth)  sample "$who>$kind" "$i" timeout -k 5 "$CMD_TIMEOUT" "$BERTH_CLI" --root "$SRC" push -q "$target" ;;
            skopeo) sample "$who>$kind" "$i" timeout -k 5 "$CMD_TIMEOUT" skopeo copy -q --dest-tls-verify=false "oci:$LAYOUT:$IMAGE_TAG" "docker://$target" ;;
        esac </dev/null >/dev/null 2>>"$WORK/errors-push.log" || { rc=$?; log "  push round $i: $who>$kind failed: $(tail -2 "$WORK/errors-push.log" | tr '\n' ' ')"; }
        if ((rc == 0)) && [[ $(skopeo inspect --raw --tls-verify=false "docker://$target") != "$m_layout" ]]; then
            log "  push round $i: $who>$kind: the registry serves another manifest than the one pushed"
        fi
        if [[ $who == berth ]]; then "$BERTH_CLI" --root "$SRC" rmi "$target" >/dev/null 2>&1 || true; fi
        stop_daemon target
    }
    log "timing pushes: ${PUSHES[*]}, $N rounds"
    for i in $(seq "$N"); do
        for p in "${PUSHES[@]}"; do
            d=$WORK/p$i-${p//>/-}
            fresh_dir "$d"
            push_one "${p%%>*}" "${p##*>}" "$d"
            purge "$d"; sync
        done
        log "  push round $i: $(awk -F, -v i="$i" '$2 == i && $1 ~ />/ {printf "%s %.2f s  ", $1, $3 / 1000}' "$WORK/samples.csv")"
    done
fi

# --- 5. summary ---------------------------------------------------------------------------------------------------
echo
echo "== image pull (fetch + verify + unpack) into an empty store ($(host_info), N=$N rounds, $ORDER order) =="
describe_image
echo "       split: $SPLIT; served by docker-registry $(docker-registry --version 2>/dev/null | awk '{print $3}') on ${REG[source]}"
printf '%-13s %-14s %9s %9s %9s %4s %7s %12s\n' tool version "median s" "min s" "max s" n failed "median CPU s"
declare -A MED
for t in "${ACTIVE[@]}"; do
    read -r med _ min max n < <(stat_of "$t" "$WORK/samples.csv" 3 1)
    read -r cpu _ < <(stat_of "$t" "$WORK/cpu.csv" 3 1)
    MED[$t]=$med
    printf '%-13s %-14s %9s %9s %9s %4s %7s %12s\n' "$t" "${VER[$t]:0:14}" "$(sec "$med")" "$(sec "$min")" "$(sec "$max")" "$n" "${FAILS[$t]:-0}" "$cpu"
done
if [[ " ${ACTIVE[*]} " == *" skopeo+umoci "* ]]; then
    read -r med _ min max n < <(stat_of skopeo-copy "$WORK/halves.csv" 3 1)
    printf '%-13s %-14s %9s %9s %9s %4s\n' "  of which skopeo copy (download + verify)" "" "$(sec "$med")" "$(sec "$min")" "$(sec "$max")" "$n"
fi
for t in "${TOOLS[@]}"; do
    [[ " ${ACTIVE[*]} " == *" $t "* ]] || echo "$t: not measured (${CHECK[$t]:-not found})"
done
for peer in podman docker skopeo+umoci; do
    if [[ -n ${MED[berth]:-} && ${MED[berth]} != nan && -n ${MED[$peer]:-} && ${MED[$peer]} != nan ]]; then
        echo "ratio berth/$peer (medians): $(ratio "${MED[berth]}" "${MED[$peer]}")"
    fi
done
if [[ -n ${MED[berth]:-} && ${MED[berth]} != nan ]]; then
    verdict="target (issue 5): berth pull <= 2.0 s: $(awk -v m="${MED[berth]}" 'BEGIN { print (m <= 2000 ? "met" : "NOT met") }')"
    for peer in podman:0.5 docker:0.33; do
        p=${peer%%:*} r=${peer##*:}
        if [[ -n ${MED[$p]:-} && ${MED[$p]} != nan ]]; then
            verdict+="; <= ${r}x $p: $(awk -v a="${MED[berth]}" -v b="${MED[$p]}" -v r="$r" 'BEGIN { print (a <= r * b ? "met" : "NOT met") }')"
        fi
    done
    echo "$verdict"
fi
if ((${#PUSHES[@]} > 0)); then
    echo
    echo "== push of the same image to an empty registry (berth server: berth registry serve; distribution: docker-registry) =="
    printf '%-22s %9s %9s %9s %4s %7s\n' "client>server" "median s" "min s" "max s" n failed
    for p in "${PUSHES[@]}"; do
        read -r med _ min max n < <(stat_of "$p" "$WORK/samples.csv" 3 1)
        MED[$p]=$med
        printf '%-22s %9s %9s %9s %4s %7s\n' "$p" "$(sec "$med")" "$(sec "$min")" "$(sec "$max")" "$n" "${FAILS[$p]:-0}"
    done
    for who in berth skopeo; do
        if [[ ${MED[$who>berth]:-nan} != nan && ${MED[$who>distribution]:-nan} != nan ]]; then
            echo "ratio $who push to berth server / to docker-registry (medians): $(ratio "${MED[$who>berth]}" "${MED[$who>distribution]}")"
        fi
    done
    if [[ ${MED[berth>distribution]:-nan} != nan && ${MED[skopeo>distribution]:-nan} != nan ]]; then
        echo "ratio berth push / skopeo copy, both to docker-registry (medians): $(ratio "${MED[berth>distribution]}" "${MED[skopeo>distribution]}")"
    fi
fi
echo "warm-up checks: $(for t in "${ACTIVE[@]}"; do printf '%s: %s | ' "$t" "${CHECK[$t]}"; done)"
echo "times: wall clock of the whole command (process start included); daemons started and stopped, dirs removed and sync'ed, untimed;"
if [[ $FRESH_FS == 1 ]]; then echo "each pull, and each push's registry storage, on a fresh ext4 of its own (loop device, $FS_SIZE, journal on; FRESH_FS=0 for plain dirs)"; fi
echo "CPU: user + sys of the command and the children it waited for (for docker: the CLI only, the daemon does the work)"
for t in "${ACTIVE[@]}" push; do
    if [[ -s $WORK/errors-$t.log ]]; then echo "$t wrote to stderr (last lines): $(tail -2 "$WORK/errors-$t.log" | tr '\n' ' ')"; fi
done
true
