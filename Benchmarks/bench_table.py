#!/usr/bin/env python3
"""The table of Benchmarks/bench: medians of its raw results with ratios and the bars.

Input: a TSV of `figure  backend  round  value` lines, as Benchmarks/bench records them.
Output: markdown on stdout: when, where and how it ran, then one row per figure and backend.
"""
import argparse
import os
import platform
import statistics
import sys
import time
from collections import defaultdict

# key: (label, unit); seconds and MiB are costs (lower is better), MB/s is a rate (higher is better),
# × is a time as a multiple of another's measured in the same round
FIGURES = {
    "setup.ready": ("job setup: view ready, base already served (per round the median of 5 views, each on a quiet host; native: one `git worktree add`)", "s"),
    "setup.ready_mount": ("job setup: the same, `scorpio mount`'s own \"ready in\" (parsed command to mounted view)", "s"),
    "setup.ready_cold": ("job setup: view ready, starting its shared base", "s"),
    "setup.ready_next": ("job setup: the next view at once, while that new base lists its tree ahead", "s"),
    "setup.ready_daemon": ("job setup: view ready through a running `scorpio serve`, base already served (the request's time, per round the median of 5)", "s"),
    "setup.ready_refs": ("job setup: view ready right after the host's refs changed, 50,000 refs (base already served)", "s"),
    "setup.copy": ("job setup: copying the tree (`cp -a`)", "s"),
    "metadata.cold": ("metadata: `find` + stat of every entry, cold", "s"),
    "metadata.warm": ("metadata: `find` + stat of every entry, warm (first walk after the cold one)", "s"),
    "metadata.warm_again": ("metadata: the same, warm again (second walk after the cold one)", "s"),
    "metadata.requests": ("metadata: FUSE requests in one more warm walk", "requests"),
    "reads.cold": ("reads: every file once, cold (content store warm)", "s"),
    "reads.warm": ("reads: every file once, warm (first read after the cold one)", "s"),
    "reads.warm_again": ("reads: every file once, warm again (second read after the cold one)", "s"),
    "reads.cold_empty_store": ("reads: every file once, cold, empty content store", "s"),
    "reads.requests": ("reads: FUSE requests in one more warm read of every file", "requests"),
    "reads.large_cold": ("reads: the largest file (24 MB) sequentially, cold", "MB/s"),
    "reads.large_warm": ("reads: the largest file (24 MB) sequentially, warm", "MB/s"),
    "writes.small": ("writes: 10,000 small files created (100 directories)", "s"),
    "writes.large": ("writes: a 1 GiB file", "MB/s"),
    "writes.delete": ("writes: all of it deleted", "s"),
    "build.vmlinux": ("build: `make tinyconfig && make -j2 vmlinux`", "s"),
    "run.true": ("`scorpio run --clean -- true`, end to end", "s"),
    "run.worktree": ("`scorpio run -- true` in a clean clone (HEAD + the work tree's changes)", "s"),
    "run.worktree.git_status": ("`git status` in that clone, just before", "s"),
    "run.worktree_edited": ("`scorpio run -- true` in the clone with 5 files edited", "s"),
    "run.worktree_edited.git_status": ("`git status` in the clone with 5 files edited, just before", "s"),
    "export.none": ("export of a build's upper layer, uncompressed tar (MB of files per s)", "MB/s"),
    "export.none.shell": ("the same upper through `tar cf - \\| sha256sum`", "MB/s"),
    "export.none.ratio": ("export time ÷ `tar cf - \\| sha256sum` time", "×"),
    "export.zstd": ("export of a build's upper layer, zstd", "MB/s"),
    "export.zstd.shell": ("the same upper through `tar cf - \\| zstd -3 \\| sha256sum`", "MB/s"),
    "export.zstd.ratio": ("export time ÷ `tar cf - \\| zstd -3 \\| sha256sum` time", "×"),
    "export.gzip": ("export of a build's upper layer, gzip", "MB/s"),
    "export.gzip.shell": ("the same upper through `tar cf - \\| gzip \\| sha256sum`", "MB/s"),
    "export.gzip.ratio": ("export time ÷ `tar cf - \\| gzip \\| sha256sum` time", "×"),
    "scale.ready": ("scale: 8 views mounted at once over one tree (Scorpio: through `scorpio serve`, base already served)", "s"),
    "scale.ready_cold": ("scale: the same, the first view starting the shared base", "s"),
    "scale.ready_cli": ("scale: 8 views mounted one after another with `scorpio mount`", "s"),
    "scale.read_cold": ("scale: 8 jobs at once, each reading a disjoint eighth, cold", "s"),
    "scale.anon": ("scale: anonymous memory of everything serving the 8 views", "MiB"),
    "scale.anon_one": ("scale: anonymous memory of what serves one of them", "MiB"),
    "scale.rss": ("scale: RSS of everything serving the 8 views", "MiB"),
    "memory.peak": ("memory: the server's peak RSS per 100,000 entries walked", "MiB"),
    "memory.rss": ("memory: the server's RSS after the walk per 100,000 entries", "MiB"),
    "memory.anon": ("memory: of it anonymous (RssAnon; the rest is mapped files, e.g. the git pack)", "MiB"),
}
NOTES_ONLY = {"metadata.entries", "build.sha256"}


# figure -> (the figure it is held to, allowance in s): a work-tree run is at `git status` speed
RELATIVE_BARS = {"run.worktree": ("run.worktree.git_status", 0.060), "run.worktree_edited": ("run.worktree_edited.git_status", 0.100)}


def bar(figure, backend, medians, everything):
    """The bar a figure of a backend must meet, as parts: [(text, met)], or [] where none applies.
    `everything` holds every figure's medians, for bars relative to another figure."""
    native = medians.get("native")
    peer = medians.get("fuse-overlayfs")
    value = medians[backend]
    if not backend.startswith("scorpio-"):
        return []
    if figure in RELATIVE_BARS:
        other, allowance = RELATIVE_BARS[figure]
        reference = everything.get(other, {}).get(backend)
        if reference is None:
            return []
        return [(f"≤ git status + {allowance * 1000:.0f} ms", value <= reference + allowance)]
    if figure in ("setup.ready", "setup.ready_mount", "setup.ready_daemon"):
        return [("≤ 10 ms", value <= 0.010)]
    if figure == "scale.ready":
        return [("≤ 60 ms", value <= 0.060)]
    if figure == "scale.ready_cold":
        return [("≤ 400 ms", value <= 0.400)]
    if figure == "scale.read_cold" and native:
        return [("≤ 2× native", value <= 2 * native)]
    if figure == "scale.anon":
        one = everything.get("scale.anon_one", {}).get(backend)
        return [("≤ 1.5× one view's", value <= 1.5 * one)] if one else []
    if figure == "run.true":
        return [("≤ 30 ms", value <= 0.030)]
    limits = {"metadata.warm": 1.5, "reads.warm": 1.2}
    if figure in limits and native:
        return [(f"≤ {limits[figure]}× native", value <= limits[figure] * native)]
    if figure in ("export.none.ratio", "export.zstd.ratio"):
        return [("≤ 1.2× the shell pipeline", value <= 1.2)]
    if figure == "build.vmlinux":
        limit = 1.03 if backend == "scorpio-kernel" else 1.08
        parts = [(f"≤ {limit}× native", value <= limit * native)] if native else []
        return parts + ([("< fuse-overlayfs", value < peer)] if peer else [])
    return []


def number(value, unit):
    if unit == "MB/s":
        return f"{value:.0f} MB/s" if value >= 100 else f"{value:.1f} MB/s"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "requests":
        return f"{value:,.0f}"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if value < 1:
        return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:.1f} s"


def ratio(value, reference):
    return f"{value / reference:.3f}×" if reference else "—"


def agreement(values, same, differ, show=str):
    """One line saying whether every backend's rounds gave one value (`same` with it) or not (`differ`
    with each backend's values)."""
    by_backend = {backend: set(v) for backend, v in values.items()}
    distinct = set().union(*by_backend.values())
    if len(distinct) == 1:
        return same.format(show(distinct.pop()))
    return differ.format(", ".join(f"{b} {'/'.join(show(x) for x in sorted(v))}" for b, v in by_backend.items()))


def machine():
    cores = os.cpu_count()
    with open("/proc/meminfo") as f:
        total_kib = int(f.readline().split()[1])
    return f"{platform.node()}: Linux {platform.release()}, {cores} cores, {total_kib / 2**20:.0f} GiB{idle_policy()}"


def idle_policy():
    """How idle CPUs wait: every FUSE round trip wakes one, so in a VM this sets its cost."""
    def read(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return None
    governor = read("/sys/devices/system/cpu/cpuidle/current_governor_ro") or read("/sys/devices/system/cpu/cpuidle/current_governor")
    poll = read("/sys/module/haltpoll/parameters/guest_halt_poll_ns")
    if governor is None:
        return ""
    return f", cpuidle {governor}" + (f" (guest_halt_poll_ns {poll})" if poll is not None else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results")
    parser.add_argument("--command", default="")
    parser.add_argument("--load-before", default="")
    parser.add_argument("--load-after", default="")
    parser.add_argument("--backends", default="native overlayfs fuse-overlayfs scorpio-kernel scorpio-fuse")
    args = parser.parse_args()
    order = args.backends.split()

    raw = defaultdict(lambda: defaultdict(list))  # figure -> backend -> values in round order
    for line in open(args.results):
        figure, backend, _round, value = line.rstrip("\n").split("\t")
        raw[figure][backend].append(value)

    out = []
    out.append(f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}.")
    out.append(f"Load before: `{args.load_before.strip()}`; after: `{args.load_after.strip()}`.")
    out.append(f"Command: `{args.command}`")
    out.append("")
    out.append("| figure | backend | median | runs | ×native | ×fuse-overlayfs | bar |")
    out.append("| --- | --- | --- | --- | --- | --- | --- |")
    missed, judged = [], 0
    everything = {figure: {b: statistics.median(float(v) for v in values) for b, values in by_backend.items()}
                  for figure, by_backend in raw.items() if figure in FIGURES}
    for figure, (label, unit) in FIGURES.items():
        if figure not in raw:
            continue
        values = {b: [float(v) for v in raw[figure][b]] for b in order if b in raw[figure]}
        medians = {b: statistics.median(v) for b, v in values.items()}
        name = label
        for backend in order:
            if backend not in medians:
                continue
            value = medians[backend]
            runs = " ".join(number(v, unit).split()[0] for v in values[backend])
            parts = bar(figure, backend, medians, everything)
            mark = "; ".join(f"{text}: {'met' if met else '**missed**'}" for text, met in parts)
            judged += len(parts)
            missed += [f"{name.replace(chr(92), '')}, {backend}: {text}" for text, met in parts if not met]
            out.append(f"| {label} | {backend} | {number(value, unit)} | {runs} | "
                       f"{ratio(value, medians.get('native'))} | {ratio(value, medians.get('fuse-overlayfs'))} | {mark} |")
            label = "″"  # the figure's name once, then ditto marks
    out.append("")
    notes = []
    if "metadata.entries" in raw:
        notes.append(agreement(raw["metadata.entries"], "Every backend walked the same {} entries.", "Entries walked differ: {}."))
    if "build.sha256" in raw:
        notes.append(agreement(raw["build.sha256"], "Every vmlinux identical (sha256 {}…).", "vmlinux **differs**: {}.",
                               show=lambda digest: digest[:16]))
    if judged:
        notes.append("Bars missed: " + "; ".join(missed) + "." if missed else "Every bar measured here is met.")
    out.extend(notes)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
