#!/usr/bin/env bash
# The metadata walk: `find` + stat of every entry of a tree, on a native checkout and on a Dicfuse
# mount of the same tree committed to git, cold (page, dentry and inode caches dropped; for Dicfuse
# also a fresh mount: nothing loaded) and warm. Prints seconds, ratios and the server's memory.
# usage: Benchmarks/walk.sh [BENCH_DIR]    (default /work/bench, made by shared/fixtures/linux-repo.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${1:-/work/bench}
[ -d "$bench/linux.git" ] || { echo "no $bench/linux.git: run fixtures/linux-repo.sh $bench first" >&2; exit 1; }
swift build -c release --product scorpio 1>&2
scorpio=$(swift build -c release --show-bin-path)/scorpio
work=$(mktemp -d /tmp/scorpio-walk.XXXXXX)
mkdir "$work/mnt"
trap '"$scorpio" base unmount --lazy "$work/mnt" 2>/dev/null || true; rm -rf "$work"' EXIT

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(cannot drop caches here)" >&2; }
walk() { local start end; start=$(date +%s.%N); find "$1" -printf '%m %s %T@\n' > "$work/listing"; end=$(date +%s.%N); echo "$end - $start" | bc; }

drop_caches; native_cold=$(walk "$bench/linux-src"); native_warm=$(walk "$bench/linux-src")
entries=$(wc -l < "$work/listing")

drop_caches
mounted=$("$scorpio" --store-path "$work/store" base mount "$work/mnt" --repo "$bench/linux.git")
pid=$(echo "$mounted" | sed -n 's/.*from process \([0-9]*\).*/\1/p')
rss_before=$(awk '/RssAnon/ {print $2}' /proc/$pid/status)
scorpio_cold=$(walk "$work/mnt"); scorpio_warm=$(walk "$work/mnt")
rss_after=$(awk '/RssAnon/ {print $2}' /proc/$pid/status)
file_backed=$(awk '/RssFile/ {print $2}' /proc/$pid/status)

printf 'entries walked: %s\n' "$entries"
printf '%-28s %8s %8s\n' "" cold warm
printf '%-28s %8.2f %8.2f\n' "native checkout (s)" "$native_cold" "$native_warm"
printf '%-28s %8.2f %8.2f\n' "scorpio base, git (s)" "$scorpio_cold" "$scorpio_warm"
printf '%-28s %8.2f %8.2f\n' "ratio to native" "$(echo "$scorpio_cold / $native_cold" | bc -l)" "$(echo "$scorpio_warm / $native_warm" | bc -l)"
printf 'server memory (anonymous): %d KiB before the walk, %d KiB after: %.0f bytes per entry loaded\n' \
    "$rss_before" "$rss_after" "$(echo "($rss_after - $rss_before) * 1024 / $entries" | bc -l)"
printf 'file-backed pages mapped (the git pack, shared and reclaimable): %d KiB\n' "$file_backed"
