#!/usr/bin/env bash
# Writes into OUT the base revision's reports, for diffing the reports regenerated on this runner like with like
# (docs/ci.md, "Like with like"):
#   .github/scripts/base-reports.sh BASE OUT SPEC...
# OUT starts as BASE's committed reports/. Each SPEC that the workflow regenerated is then looked up in BASE: when
# BASE's committed report of that experiment was made at the portable determinism level, it stays as committed (the
# same numbers on any x86-64 CPU with AVX2 and FMA, docs/determinism.md); otherwise (the fast level, or a report from
# before manifests) BASE's spec is rerun here with BASE's own tool, so that the diff shows the change between the
# two commits and not the difference between this runner's CPU and the one that made the committed report.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BASE OUT SPEC..." >&2; exit 2; }
base=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
shift 2
if git cat-file -e "$base:reports" 2>/dev/null; then
  git archive "$base" reports | tar -x -C "$out" --strip-components=1
fi

rerun=()
for spec in "$@"; do
  if ! git cat-file -e "$base:$spec" 2>/dev/null; then
    echo "$spec: not in $base (a new experiment): nothing to regenerate"
    continue
  fi
  name=$(git show "$base:$spec" | sed -n 's/^name:[[:space:]]*\([^[:space:]#]*\).*/\1/p' | head -n 1)
  # The manifest's environment.determinism ("fast" or "portable"); a report without a manifest is older: fast.
  level=$(git show "$base:reports/$name/manifest.json" 2>/dev/null |
    sed -n 's/.*"determinism":[[:space:]]*"\([a-z]*\)".*/\1/p' | head -n 1 || true)
  if [ "$level" = portable ]; then
    echo "$name: $base's report is portable: diffed as committed"
  else
    echo "$name: $base's report is at the ${level:-fast (no manifest)} level: regenerated here with $base's tool"
    rerun+=("$spec")
  fi
done
[ ${#rerun[@]} -gt 0 ] || exit 0

work=$(mktemp -d)
trap 'git worktree remove --force "$work/source" 2>/dev/null || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/source" "$base" >/dev/null
dotnet pack "$work/source/tool/Cifar.Cli" -c Release -o "$work/packages" >/dev/null
dotnet tool install --tool-path "$work/tool" --add-source "$work/packages" dotnet-cifar >/dev/null
(cd "$work/source" && "$work/tool/dotnet-cifar" run "${rerun[@]}" --output "$out")
