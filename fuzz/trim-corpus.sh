#!/usr/bin/env bash
# Trims fuzz/corpus/<target> to at most N files (default 50) after `cargo fuzz cmin`: measures each
# input's edge coverage on its own, then keeps a greedy set cover of the edges (named seed files,
# `*.jsonl` and `*.toml`, are always kept). `cmin` alone keeps every input with a unique feature (hundreds).
#
#   cargo +nightly fuzz cmin -s none <target>
#   ./trim-corpus.sh <target> [N]
set -euo pipefail
cd "$(dirname "$0")"
target=$1
cap=${2:-50}
bin=target/x86_64-unknown-linux-gnu/release/$target
corpus=corpus/$target
[ -x "$bin" ] || { echo "build first: cargo +nightly fuzz build -s none $target" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in "$corpus"/*; do
  [ -s "$f" ] || continue
  rm -rf "$work/in" "$work/out" "$work/ctl"
  mkdir "$work/in" "$work/out"
  ln -s "$(readlink -f "$f")" "$work/in/x"
  "$bin" -merge=1 -merge_control_file="$work/ctl" -rss_limit_mb=4096 "$work/out" "$work/in" \
    >/dev/null 2>&1 || true
  echo "$(basename "$f") $(grep '^COV' "$work/ctl" | cut -d' ' -f3- || true)" >>"$work/cov"
done
python3 - "$work/cov" "$corpus" "$cap" <<'EOF'
import os, sys
covfile, corpus, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
cov = {p[0]: set(p[1:]) for p in (l.split() for l in open(covfile)) if p}
size = lambda f: os.path.getsize(os.path.join(corpus, f))
total = set().union(*cov.values()) if cov else set()
chosen = [f for f in cov if f.endswith((".jsonl", ".toml"))]
have = set().union(*(cov[f] for f in chosen)) if chosen else set()
while len(chosen) < cap:
    best = max((f for f in cov if f not in chosen),
               key=lambda f: (len(cov[f] - have), -size(f)), default=None)
    if best is None or not cov[best] - have:
        break
    chosen.append(best)
    have |= cov[best]
for f in set(cov) - set(chosen):
    os.remove(os.path.join(corpus, f))
print(f"kept {len(chosen)} of {len(cov)} inputs, {len(have)} of {len(total)} edges")
EOF
