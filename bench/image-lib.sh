# shellcheck shell=bash
# bench/image-lib.sh - what the image benchmarks share (image-load.sh, image-pull.sh); sourced after
# lib.sh, never run on its own. The knobs both have get their defaults here (N, CACHE, CMD_TIMEOUT,
# FRESH_FS, FS_SIZE, ORDER, BERTH_CLI); the functions expect WORK, the work dir.
#
#   image_bench_checks WHY TOOL...   N, CMD_TIMEOUT, root (WHY: what needs it), bash 5, the tools
#   ensure_image          the ~200 MB, 3-layer Debian image, built once into $CACHE and checked every
#                         run: LAYOUT (OCI layout, tag $IMAGE_TAG), ARCHIVE (oci-archive of the same
#                         image); sets nlayers, comp_bytes, layer_media, m_layout (its manifest)
#   fresh_dir DIR, purge DIR   a fresh file system per measured command, and its removal
#   children_cpu VAR, count_files DIR

N=${N:-5}
CACHE=${CACHE:-/var/cache/berth-bench}
CMD_TIMEOUT=${CMD_TIMEOUT:-300}
FRESH_FS=${FRESH_FS:-1}
FS_SIZE=${FS_SIZE:-8G}
ORDER=${ORDER:-rotate}
BERTH_CLI=${BERTH_CLI:-$REPO/artifacts/bin/berth}
IMAGE_TAG=bookworm
SPLIT="L1 = / without /usr/share and /var; L2 = /usr/share; L3 = /var"
IMAGE_VERSION="v1: debootstrap minbase bookworm; $SPLIT; gzip (umoci); oci-archive by skopeo"

# image_bench_checks WHY TOOL... : the knobs in range, root (WHY says what needs it), bash 5, and each TOOL
image_bench_checks() {
    local why=$1 tool
    shift
    check_range N 50
    if ! [[ $CMD_TIMEOUT =~ ^[0-9]+$ ]] || ((CMD_TIMEOUT < 1)); then die "CMD_TIMEOUT must be a positive integer"; fi
    [[ $(id -u) == 0 ]] || die "must run as root ($why)"
    [[ -n ${EPOCHREALTIME:-} ]] || die "bash 5 or newer is needed (EPOCHREALTIME)"
    for tool in "$@"; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done
}

# purge DIR : detach every mount under DIR (podman's overlay mounts, if any) and DIR's own file
# system (FRESH_FS), then remove DIR and its file system's image
purge() {
    local m
    while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v d="$1/" 'index($5 "/", d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    if mountpoint -q "$1"; then umount "$1" || umount -l "$1"; fi
    rm -rf "$1" "$1.img"
}
# fresh_dir DIR : an empty DIR; with FRESH_FS=1 the root of a new ext4 mounted there (loop device,
# detached by the kernel when it is unmounted)
fresh_dir() {
    mkdir -p "$1"
    if [[ $FRESH_FS == 1 ]]; then
        truncate -s "$FS_SIZE" "$1.img"
        mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$1.img" || die "mkfs.ext4 $1.img failed"
        mount -o loop "$1.img" "$1" || die "mount -o loop $1.img $1 failed"
    fi
}

LAYOUT=$CACHE/layout
ARCHIVE=$CACHE/image.tar
build_image() {
    local mirror l
    mkdir -p "$CACHE"
    if [[ ! -x $CACHE/debroot/bin/bash ]]; then
        command -v debootstrap >/dev/null || die "missing tool: debootstrap (apt-get install -y debootstrap)"
        mirror=$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
        mirror=${mirror:-http://deb.debian.org/debian}
        log "debootstrap --variant=minbase bookworm from $mirror into $CACHE/debroot (once; a few minutes)"
        rm -rf "$CACHE/debroot.tmp"
        debootstrap --variant=minbase bookworm "$CACHE/debroot.tmp" "$mirror" > "$CACHE/debootstrap.log" 2>&1 ||
            die "debootstrap failed, see $CACHE/debootstrap.log"
        mv "$CACHE/debroot.tmp" "$CACHE/debroot"
    fi
    log "building the 3-layer OCI layout and oci-archive in $CACHE ($SPLIT)"
    rm -rf "$CACHE/layout.tmp" "$CACHE/image.tar.tmp" "$CACHE"/l[123].tar "$LAYOUT" "$ARCHIVE" "$CACHE/image.info"
    umoci init --layout "$CACHE/layout.tmp"
    umoci new --image "$CACHE/layout.tmp:$IMAGE_TAG"
    tar -C "$CACHE/debroot" --numeric-owner --exclude=./usr/share --exclude=./var \
        --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -cf "$CACHE/l1.tar" .
    tar -C "$CACHE/debroot" --numeric-owner -cf "$CACHE/l2.tar" ./usr/share
    tar -C "$CACHE/debroot" --numeric-owner -cf "$CACHE/l3.tar" ./var
    {
        echo "$IMAGE_VERSION"
        for l in 1 2 3; do
            echo "layer $l: $(tar -tf "$CACHE/l$l.tar" | wc -l) entries, $(stat -c %s "$CACHE/l$l.tar") bytes as tar"
        done
    } > "$CACHE/image.info.tmp"
    for l in 1 2 3; do umoci raw add-layer --image "$CACHE/layout.tmp:$IMAGE_TAG" "$CACHE/l$l.tar"; done
    umoci config --image "$CACHE/layout.tmp:$IMAGE_TAG" --config.cmd /bin/bash \
        --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    umoci gc --layout "$CACHE/layout.tmp"   # drop the empty image `umoci new` made and the superseded configs
    rm -f "$CACHE"/l[123].tar
    skopeo copy -q "oci:$CACHE/layout.tmp:$IMAGE_TAG" "oci-archive:$CACHE/image.tar.tmp:$IMAGE_TAG"
    mv "$CACHE/layout.tmp" "$LAYOUT"
    mv "$CACHE/image.tar.tmp" "$ARCHIVE"
    mv "$CACHE/image.info.tmp" "$CACHE/image.info"
}
# ensure_image : the image in $CACHE (built when missing or of another version), checked
ensure_image() {
    if [[ ! -f $CACHE/image.info || $(head -1 "$CACHE/image.info") != "$IMAGE_VERSION" || ! -f $ARCHIVE || ! -f $LAYOUT/index.json ]]; then
        build_image
    fi
    # checks, every run: a valid layout (skopeo, umoci), and the archive holds the very same manifest
    skopeo inspect "oci:$LAYOUT:$IMAGE_TAG" > "$WORK/inspect-layout.json" || die "skopeo inspect oci:$LAYOUT:$IMAGE_TAG failed"
    umoci stat --image "$LAYOUT:$IMAGE_TAG" > "$WORK/umoci-stat.txt" || die "umoci stat --image $LAYOUT:$IMAGE_TAG failed"
    m_layout=$(skopeo inspect --raw "oci:$LAYOUT:$IMAGE_TAG")
    m_archive=$(skopeo inspect --raw "oci-archive:$ARCHIVE:$IMAGE_TAG") || die "skopeo inspect oci-archive:$ARCHIVE failed"
    [[ $m_layout == "$m_archive" ]] || die "$ARCHIVE and $LAYOUT hold different manifests; rm -rf $CACHE to rebuild"
    # shellcheck disable=SC2034  # read by the scripts that source this file
    nlayers=$(jq '.layers | length' <<<"$m_layout")
    # shellcheck disable=SC2034
    comp_bytes=$(jq '[.layers[].size] | add' <<<"$m_layout")
    # shellcheck disable=SC2034
    layer_media=$(jq -r '[.layers[].mediaType] | unique | join(",")' <<<"$m_layout")
}

# children_cpu VAR : VAR = the CPU seconds (user + sys) of this shell's waited-for children so far,
# from the `times` builtin, whose second line is "XmY.YYYs XmY.YYYs". Not in $( ): a subshell's
# `times` would count the subshell's children only.
children_cpu() {
    local line u s
    times > "$WORK/.times"
    { read -r _; read -r line; } < "$WORK/.times"
    u=${line%% *}; s=${line##* }
    printf -v "$1" '%s' "$(awk -v u="${u%s}" -v s="${s%s}" 'BEGIN { split(u, a, "m"); split(s, b, "m"); printf "%.3f", a[1] * 60 + a[2] + b[1] * 60 + b[2] }')"
}

# count_files DIR : "bytes files" (apparent size, regular files + dirs + links) under DIR
count_files() { echo "$(du -s --block-size=1 --apparent-size "$1" | cut -f1) $(find "$1" -mindepth 1 | wc -l)"; }

# sec MS: milliseconds as seconds with three decimals ("-" for a median that is nan)
sec() { awk -v v="$1" 'BEGIN { if (v == "nan") print "-"; else printf "%.3f", v / 1000 }'; }

# describe_image: the summary's lines about the image (after ensure_image; UNPACKED_* when counted)
describe_image() {
    echo "image: debootstrap --variant=minbase bookworm, $nlayers layers ($layer_media), compressed $((comp_bytes / 1000000)) MB ($comp_bytes bytes)"
    if [[ -n ${UNPACKED_BYTES:-} ]]; then
        echo "       unpacked $((UNPACKED_BYTES / 1000000)) MB ($UNPACKED_BYTES bytes apparent, $UNPACKED_FILES files+dirs+links; umoci's rootfs)"
    fi
}
