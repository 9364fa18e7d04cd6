#!/usr/bin/env bash
# A small monorepo, a change list over it, and three builds in Scorpio jobs: the base alone, the CL,
# and the work tree with an uncommitted edit. Each build's layer is applied to a copy of the base and
# its program run, as a later pipeline step would. Run as root on a host where `scorpio doctor` passes:
#
#   examples/monorepo/walkthrough.sh [SCRATCH_DIR]     (SCORPIO=path/to/scorpio to pick the binary)
#
# Everything it makes (the repository, Scorpio's state, the layers) stays in SCRATCH_DIR
# (default: a new temporary directory, removed at the end).
set -euo pipefail

scorpio=${SCORPIO:-scorpio}
scratch=${1:-}
if [[ -z $scratch ]]; then
    scratch=$(mktemp -d /tmp/scorpio-walkthrough.XXXXXX)
    trap 'rm -rf "$scratch"' EXIT
fi
mkdir -p "$scratch"
step() { printf '\n== %s\n' "$*"; }

step "A monorepo: a shared library and two services, built by one Makefile"
repo=$scratch/monorepo
mkdir -p "$repo/lib/greet" "$repo/services/hello" "$repo/services/bye"
cd "$repo"
git init -q -b main .
printf 'const char *greeting(void);\n' > lib/greet/greet.h
printf 'const char *greeting(void) { return "hello"; }\n' > lib/greet/greet.c
printf '#include <stdio.h>\n#include "../../lib/greet/greet.h"\nint main(void) { printf("%%s, world\\n", greeting()); return 0; }\n' > services/hello/main.c
printf '#include <stdio.h>\nint main(void) { printf("bye\\n"); return 0; }\n' > services/bye/main.c
cat > Makefile <<'MAKEFILE'
all: out/hello out/bye
out/hello: services/hello/main.c lib/greet/greet.c lib/greet/greet.h
	mkdir -p out && $(CC) -O2 -o $@ services/hello/main.c lib/greet/greet.c
out/bye: services/bye/main.c
	mkdir -p out && $(CC) -O2 -o $@ $<
MAKEFILE
git add -A
git -c user.name=dev -c user.email=dev@example.com commit -qm "monorepo"

step "Change list 101: the library says hi (a commit kept as refs/cl/101, not checked out)"
git checkout -q -b cl-101
printf 'const char *greeting(void) { return "hi"; }\n' > lib/greet/greet.c
git -c user.name=dev -c user.email=dev@example.com commit -qam "greet: say hi"
git update-ref refs/cl/101 HEAD
git checkout -q main

step "Scorpio's state lives in the scratch directory"
cat > "$scratch/scorpio.toml" <<TOML
artifacts_dir = "$scratch/layers"
store_path = "$scratch/store"
[antares]
upper_root = "$scratch/antares/upper"
cl_root = "$scratch/antares/cl"
mount_root = "$scratch/antares/mnt"
state_file = "$scratch/antares/state.toml"
base_root = "$scratch/antares/bases"
TOML
export SCORPIO_CONFIG=$scratch/scorpio.toml

# Applies a layer to a fresh copy of the base and runs the built program.
try_layer() {
    local layer=$1 applied=$scratch/applied
    rm -rf "$applied" && mkdir -p "$applied"
    git -C "$repo" archive main | tar -x -C "$applied"
    tar -xf "$layer" -C "$applied" --exclude='.wh.*'
    "$applied/out/hello"
}

step "Build the base"
"$scorpio" run --clean --job-id base-build --artifact "$scratch/layers/base.tar.gz" -- make -s
printf 'layer holds: %s\n' "$(tar -tzf "$scratch/layers/base.tar.gz" | sort | tr '\n' ' ')"
try_layer "$scratch/layers/base.tar.gz"

step "Build change list 101 over the base"
"$scorpio" run --cl 101 --job-id cl-101-build --artifact "$scratch/layers/cl-101.tar.gz" -- make -s
try_layer "$scratch/layers/cl-101.tar.gz"

step "Build the work tree as it is, with an uncommitted edit"
printf 'const char *greeting(void) { return "hey"; }\n' > lib/greet/greet.c
"$scorpio" run --job-id local-build --artifact "$scratch/layers/local.tar.gz" -- make -s
try_layer "$scratch/layers/local.tar.gz"
git checkout -q -- lib/greet/greet.c

step "The builds of one revision shared one base, served a while after the last of them"
"$scorpio" base list
"$scorpio" base gc

step "Nothing was built in the work tree itself, and nothing stays mounted"
test ! -e out && echo "no out/ in $repo"
if grep -q "$scratch" /proc/mounts; then echo "still mounted:"; grep "$scratch" /proc/mounts; exit 1; fi
echo "no mounts left"
