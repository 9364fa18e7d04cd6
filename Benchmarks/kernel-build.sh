#!/usr/bin/env bash
# The tinyconfig kernel build (`make tinyconfig && make -j2 vmlinux`) in Debian's linux-source-6.1,
# natively and in unions over the same tree, interleaved, with the vmlinux of each compared with the
# native one. Union backends:
#   scorpio-kernel - `scorpio mount --driver kernel` over the tree committed to git
#   scorpio-fuse   - `scorpio mount --driver fuse` over the same
#   fuse-overlayfs - fuse-overlayfs over the plain tree (the tool people use today)
# The content store is warmed first (one read of every file through a base mount), as it is for every
# job after the first on a revision.
# usage: [BACKENDS="native scorpio-fuse"] Benchmarks/kernel-build.sh [BENCH_DIR] [ROUNDS]    (default /work/bench, 1)
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${1:-/work/bench}
rounds=${2:-1}
[ -d "$bench/linux.git" ] || { echo "no $bench/linux.git: run fixtures/linux-repo.sh $bench first" >&2; exit 1; }
for tool in flex bison bc fuse-overlayfs; do command -v $tool >/dev/null || { echo "needs $tool (apt-get install flex bison bc libelf-dev libssl-dev fuse-overlayfs)" >&2; exit 1; }; done
swift build -c release --product scorpio 1>&2
scorpio=$(swift build -c release --show-bin-path)/scorpio
work=$(mktemp -d /tmp/scorpio-kbuild.XXXXXX)
cat > "$work/scorpio.toml" <<TOML
store_path = "$work/store"
[antares]
upper_root = "$work/upper"
cl_root = "$work/cl"
mount_root = "$work/jobs"
state_file = "$work/state.toml"
TOML
run_scorpio() { "$scorpio" --config-path "$work/scorpio.toml" "$@"; }
cleanup() {
    for m in "$work"/*/merged "$work"/jobs/* "$work/warm"; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
export KBUILD_BUILD_TIMESTAMP='2024-01-01' KBUILD_BUILD_USER=bench KBUILD_BUILD_HOST=bench

build() {  # build DIR -> seconds; leaves DIR/vmlinux
    local start end
    start=$(date +%s.%N)
    make -s -C "$1" tinyconfig >/dev/null 2>&1
    make -s -C "$1" -j2 vmlinux >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

setup() {  # setup BACKEND ROUND -> prints the directory to build in
    local dir="$work/$1-$2"
    mkdir -p "$dir/upper" "$dir/work" "$dir/merged"
    case $1 in
        native) rm -rf "$dir/merged"; cp -a "$bench/linux-src" "$dir/merged" ;;
        scorpio-kernel | scorpio-fuse)
            run_scorpio mount "$1-$2" --repo "$bench/linux.git" --driver "${1#scorpio-}" --at "$dir/merged" >/dev/null ;;
        fuse-overlayfs)
            fuse-overlayfs -o "lowerdir=$bench/linux-src,upperdir=$dir/upper,workdir=$dir/work" "$dir/merged" ;;
    esac
    echo "$dir/merged"
}

mkdir -p "$work/warm"
run_scorpio base mount "$work/warm" --repo "$bench/linux.git" >/dev/null
find "$work/warm" -type f -exec cat {} + > /dev/null
run_scorpio base unmount "$work/warm"

declare -A total
reference=""
backends=(${BACKENDS:-native scorpio-kernel scorpio-fuse fuse-overlayfs})
for round in $(seq "$rounds"); do
    for backend in "${backends[@]}"; do
        dir=$(setup "$backend" "$round")
        seconds=$(build "$dir")
        sum=$(sha256sum < "$dir/vmlinux" | cut -c1-16)
        echo "round $round  $backend: ${seconds}s  vmlinux $sum"
        total[$backend]=$(echo "${total[$backend]:-0} + $seconds" | bc)
        [ "$backend" = native ] && reference=$sum
        [ -z "$reference" ] || [ "$sum" = "$reference" ] || echo "  vmlinux differs from the native build!"
        case $backend in
            scorpio-*) run_scorpio umount "$backend-$round" >/dev/null ;;
            fuse-overlayfs) umount -l "$dir" ;;
        esac
        rm -rf "$(dirname "$dir")"
    done
done
for backend in "${backends[@]}"; do
    printf '%-16s %8.1f s  %5.3f× native\n' "$backend" "$(echo "${total[$backend]} / $rounds" | bc -l)" "$(echo "${total[$backend]} / ${total[native]}" | bc -l)"
done
