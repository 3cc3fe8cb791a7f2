#!/usr/bin/env bash
# image-load.sh - load + unpack of a ~200 MB, 3-layer Debian image into an EMPTY store:
# `berth load` vs `umoci unpack` vs `podman load`, side by side in one run, as ratios.
#
# The image (built once, cached outside the repository in $CACHE, default /var/cache/berth-bench):
#   `debootstrap --variant=minbase bookworm` from the mirror in /etc/apt/sources.list(.d), cut into 3
#   gzip layers with umoci, the same split as /work/shared/anchors/05-pull-unpack.sh:
#     layer 1 = everything but /usr/share and /var (contents of /proc, /sys, /dev left out)
#     layer 2 = /usr/share
#     layer 3 = /var (dpkg database, apt lists and caches, logs)
#   written as an OCI image layout ($CACHE/layout, tag bookworm) with `umoci init/new/raw add-layer/
#   config` + `umoci gc`, and as an oci-archive ($CACHE/image.tar) of the same image with `skopeo copy`
#   (same manifest, same blobs: checked). rm -rf $CACHE to rebuild it.
#
# Timed, per round, each command into a fresh empty temp dir (wall clock of the whole command):
#   berth  : berth --root $W/store load -q -i $CACHE/image.tar
#            (read the oci-archive, verify the blobs into the content store, unpack each layer into an
#            overlay snapshot, name the image)
#   umoci  : umoci unpack --image $CACHE/layout:bookworm $W/bundle
#            (unpack only: gunzip + untar all layers into one rootfs, config.json, and umoci's mtree
#            manifest with a sha256 of every file)
#   podman : podman --root $W/proot --runroot $W/prun --tmpdir $W/ptmp --storage-driver overlay
#            --cgroup-manager cgroupfs --events-backend none load -q -i $CACHE/image.tar
# One untimed warm-up per tool first (it also warms the page cache with the image for all three and
# checks that each tool works; a tool whose warm-up fails is left out, with its error). Then N rounds,
# the order rotating (berth umoci podman, umoci podman berth, podman berth umoci, ...). Between two
# commands, untimed: the previous one's dir is unmounted (podman's overlay) and removed, then `sync`,
# so no command pays for another's writeback.
# Each command writes into a file system of its own, made for it (FRESH_FS=1, the default): an ext4
# (journal on, as mkfs makes it) on a loop device over a sparse file in the work dir, with its inode
# tables written at mkfs time (no lazy init running behind the measurement). Why: here / is an ext4
# without a journal, and such an ext4 skips inodes freed in the last seconds when it allocates a new
# one (fs/ext4/ialloc.c, recently_deleted(); 5 s, 300 s while the inode table block is dirty), one
# by one from the start of the block group. Every command after the previous one's `rm -rf` of ~7,000
# files then scans those freed inodes for each file it creates: measured here, it doubled berth's
# wall time (1.6 s -> 3.1-4.5 s, most of it kernel time in recently_deleted) and weighs on every tool.
# FRESH_FS=0 writes into plain dirs under /tmp as before.
#
# Usage:   sudo bench/image-load.sh             (N=5 rounds)
#          N=3 sudo bench/image-load.sh
#          CACHE=/some/dir sudo bench/image-load.sh     (where the image is built and kept)
#          KEEP=1 ...   keeps the work dir (raw samples in samples.csv, stderr logs)
#          BERTH_CLI=/path/to/berth ...  (default artifacts/bin/berth)
#          CMD_TIMEOUT=300 ...  each measured command is killed after this many seconds (a failure)
#          FRESH_FS=0 ...  no fresh file system per command (see above); FS_SIZE=8G its size
# Needs:   root, bash >= 5, jq, umoci, skopeo, podman, and debootstrap for the first run
#          (apt-get install -y debootstrap umoci skopeo podman jq).
# Exit status: non-zero only when the setup fails (tools, image build); failed runs are counted.
set -euo pipefail

# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # log die check_range elapsed sample stat_of ratio host_info order_for
# shellcheck source=image-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/image-lib.sh"   # ensure_image fresh_dir purge children_cpu count_files

image_bench_checks "debootstrap, podman's own roots, overlay snapshots" jq umoci skopeo podman tar timeout sync mkfs.ext4 losetup

# --- work dir and cleanup: only what this script made ------------------------------------------------
WORK=$(mktemp -d /tmp/berth-bench-img.XXXXXX)
cleanup() {
    set +e
    local m
    while read -r m; do umount -l "$m"; done < <(awk -v d="$WORK/" 'index($5 "/", d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    if [[ ${KEEP:-0} == 1 ]]; then
        find "$WORK" -mindepth 1 -maxdepth 1 \( -type d -o -name '*.img' \) -exec rm -rf {} +   # the stores; keep csv + logs
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. the image, cached in $CACHE --------------------------------------------------------------------
ensure_image

# --- 2. the tools, their warm-up and checks ----------------------------------------------------------------
TOOLS=(berth umoci podman)
declare -A VER
if [[ -x $BERTH_CLI ]]; then VER[berth]=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "?"); else VER[berth]=""; fi
VER[umoci]=$(umoci --version | awk '{print $NF}')
VER[podman]=$(podman --version | awk '{print $NF}')

# run_tool TOOL DIR : the measured command, into the fresh dir DIR; stdout dropped, stderr to errors-TOOL.log
run_tool() {
    local t=$1 d=$2
    case $t in
        berth) timeout -k 5 "$CMD_TIMEOUT" "$BERTH_CLI" --root "$d/store" load -q -i "$ARCHIVE" ;;
        umoci) timeout -k 5 "$CMD_TIMEOUT" umoci unpack --image "$LAYOUT:$IMAGE_TAG" "$d/bundle" ;;
        podman) mkdir -p "$d/ptmp"
                timeout -k 5 "$CMD_TIMEOUT" env -u DOCKER_CONFIG podman --root "$d/proot" --runroot "$d/prun" --tmpdir "$d/ptmp" \
                    --storage-driver overlay --cgroup-manager cgroupfs --events-backend none load -q -i "$ARCHIVE" ;;
    esac </dev/null >/dev/null 2>>"$WORK/errors-$t.log"
}


ACTIVE=()
declare -A CHECK
for t in "${TOOLS[@]}"; do
    if [[ $t == berth && ! -x $BERTH_CLI ]]; then
        log "berth not found at $BERTH_CLI: left out (./build.sh, or BERTH_CLI=...)"
        continue
    fi
    d=$WORK/warm-$t
    fresh_dir "$d"
    log "warm-up: $t"
    t0=$EPOCHREALTIME
    if run_tool "$t" "$d"; then
        t1=$EPOCHREALTIME
        ACTIVE+=("$t")
        case $t in
            berth)  CHECK[$t]="$(elapsed "$t0" "$t1" 1) s; images: $("$BERTH_CLI" --root "$d/store" images 2>&1 | tail -n +2 | tr -s ' ' | tr '\n' ';')"
                    # entries per snapshot (berth's store layout: snapshots/overlay/snapshots/<n>/fs)
                    for s in "$d"/store/snapshots/overlay/snapshots/*/fs; do
                        [[ -d $s ]] && CHECK[$t]+=" snapshot ${s%/fs}: $(find "$s" -mindepth 1 | wc -l) entries;"
                    done
                    CHECK[$t]=${CHECK[$t]//"$d/store/snapshots/overlay/snapshots/"/} ;;
            umoci)  read -r UNPACKED_BYTES UNPACKED_FILES < <(count_files "$d/bundle/rootfs")
                    CHECK[$t]="$(elapsed "$t0" "$t1" 1) s; rootfs $UNPACKED_BYTES bytes, $UNPACKED_FILES entries" ;;
            podman) CHECK[$t]="$(elapsed "$t0" "$t1" 1) s; images: $(env -u DOCKER_CONFIG podman --root "$d/proot" --runroot "$d/prun" --tmpdir "$d/ptmp" \
                        --storage-driver overlay --cgroup-manager cgroupfs --events-backend none images --format '{{.ID}} {{.Size}}' 2>&1 | tr '\n' ';')" ;;
        esac
        log "  $t ok: ${CHECK[$t]}"
    else
        rc=$?
        log "  $t FAILED its warm-up (exit $rc), left out: $(tail -5 "$WORK/errors-$t.log" | tr '\n' ' ')"
        CHECK[$t]="warm-up failed (exit $rc): $(tail -5 "$WORK/errors-$t.log" | tr '\n' ' ')"
    fi
    purge "$d"; sync
done
((${#ACTIVE[@]} > 0)) || die "no tool could load the image"

# --- 3. timing: N rounds, rotating order, fresh dir each ---------------------------------------------------
log "timing ${ACTIVE[*]}: $N rounds, ${ORDER} order"
echo "tool,round,ms,exit" > "$WORK/samples.csv"
echo "tool,round,cpu_s,exit" > "$WORK/cpu.csv"
for i in $(seq "$N"); do
    for t in $(order_for "$i"); do
        d=$WORK/r$i-$t
        fresh_dir "$d"; sync
        c0=0 c1=0; children_cpu c0
        rc=0
        sample "$t" "$i" run_tool "$t" "$d" || { rc=$?; log "  round $i: $t failed: $(tail -2 "$WORK/errors-$t.log" | tr '\n' ' ')"; }
        children_cpu c1
        echo "$t,$i,$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }'),$rc" >> "$WORK/cpu.csv"
        purge "$d"; sync
    done
    log "  round $i: $(awk -F, -v i="$i" '$2 == i {printf "%s %.2f s%s  ", $1, $3 / 1000, ($4 == 0 ? "" : " (exit " $4 ")")}' "$WORK/samples.csv")"
done

# --- 4. summary -------------------------------------------------------------------------------------------
echo
echo "== image load + unpack into an empty store ($(host_info), N=$N rounds, $ORDER order, warm page cache) =="
describe_image
echo "       split: $SPLIT"
tail -n +2 "$CACHE/image.info" | sed 's/^/       /'
echo "       oci-archive $ARCHIVE ($(stat -c %s "$ARCHIVE") bytes), layout $LAYOUT:$IMAGE_TAG"
printf '%-7s %-8s %9s %9s %9s %4s %7s %11s\n' tool version "median s" "min s" "max s" n failed "median CPU s"
for t in "${ACTIVE[@]}"; do
    read -r med _ min max n < <(stat_of "$t" "$WORK/samples.csv" 3 1)
    read -r cpu _ < <(stat_of "$t" "$WORK/cpu.csv" 3 1)
    MED[$t]=$med
    printf '%-7s %-8s %9s %9s %9s %4s %7s %11s\n' "$t" "${VER[$t]:0:8}" "$(sec "$med")" "$(sec "$min")" "$(sec "$max")" "$n" "${FAILS[$t]:-0}" "$cpu"
done
for t in "${TOOLS[@]}"; do
    [[ " ${ACTIVE[*]} " == *" $t "* ]] || echo "$t: not measured (${CHECK[$t]:-not found})"
done
for peer in umoci podman; do
    if [[ -n ${MED[berth]:-} && ${MED[berth]} != nan && -n ${MED[$peer]:-} && ${MED[$peer]} != nan ]]; then
        echo "ratio berth/$peer (medians): $(ratio "${MED[berth]}" "${MED[$peer]}")"
    fi
done
if [[ -n ${MED[berth]:-} && ${MED[berth]} != nan ]]; then
    verdict="target (issue): berth load + unpack <= 1.5 s: $(awk -v m="${MED[berth]}" 'BEGIN { print (m <= 1500 ? "met" : "NOT met") }')"
    if [[ -n ${MED[umoci]:-} && ${MED[umoci]} != nan ]]; then
        verdict+="; <= 0.33x umoci unpack: $(awk -v a="${MED[berth]}" -v b="${MED[umoci]}" 'BEGIN { print (a <= 0.33 * b ? "met" : "NOT met") }')"
    fi
    echo "$verdict"
fi
echo "warm-up checks: $(for t in "${ACTIVE[@]}"; do printf '%s: %s | ' "$t" "${CHECK[$t]}"; done)"
echo "times: wall clock of the whole command (process start included); dirs removed and sync'ed between commands, untimed;"
if [[ $FRESH_FS == 1 ]]; then echo "each command wrote into a fresh ext4 of its own (loop device, $FS_SIZE, journal on; FRESH_FS=0 for plain dirs on $(findmnt -n -o FSTYPE -T "$WORK"))"; fi
echo "CPU: user + sys of the command and the children it waited for (bash's \`times\`), less stretched than wall time by the load on the machine"
for t in "${ACTIVE[@]}"; do
    if [[ -s $WORK/errors-$t.log ]]; then echo "$t wrote to stderr (last lines): $(tail -2 "$WORK/errors-$t.log" | tr '\n' ' ')"; fi
done
true
