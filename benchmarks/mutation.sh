#!/usr/bin/env bash
# Mutation testing of the core logic with Stryker.NET (a local dotnet tool, see dotnet-tools.json); the scores and
# why this is not part of CI are in benchmarks/RESULTS.md ("Mutation testing").
#
#   benchmarks/mutation.sh [area...]
#
# Areas: evaluation (Evaluation/: evaluator, classification metrics and report, overfitting analysis), statistics
# (McNemar, bootstrap: Significance.cs), early-stopping, specs (SpecValidator.cs), cache (ArtifactCache.cs and the
# hash check of FileHashes.cs); no area: all of them in one run, as tests/Cifar.Tests/stryker-config.json says. Each
# area runs only the tests of its folder, so one area takes minutes instead of the whole run's half hour.
# Stryker's concurrency is 1 (the config), as the machine is shared; STRYKER_CONCURRENCY=N overrides it.
# Reports go to artifacts/mutation/<area>/ (HTML, JSON, Markdown); the run fails below an 85% mutation score.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
dotnet tool restore >/dev/null

# area -> "mutate pattern;test filter" (patterns by file name, so the files may move between folders).
declare -A areas=(
  [evaluation]='**/Evaluation/*.cs;FullyQualifiedName~Cifar.Tests.Evaluation|FullyQualifiedName~Cifar.Tests.Reports.OverfittingAnalysis'
  [statistics]='**/Significance.cs;FullyQualifiedName~Cifar.Tests.Reports'
  [early-stopping]='**/Training/EarlyStopping.cs;FullyQualifiedName~Cifar.Tests.Training.EarlyStopping'
  [specs]='**/Specs/SpecValidator.cs;FullyQualifiedName~Cifar.Tests.Specs'
  [cache]='**/Data/ArtifactCache.cs,**/Data/FileHashes.cs;FullyQualifiedName~Cifar.Tests.Data|FullyQualifiedName~Cifar.Tests.Hostile.CacheTampering|FullyQualifiedName~Cifar.Tests.Hostile.CredentialRedaction|FullyQualifiedName~Cifar.Tests.Hostile.HostileArchive|FullyQualifiedName~Cifar.Tests.Hostile.HostileFileSystem|FullyQualifiedName~Cifar.Tests.Hostile.HttpsDowngrade|FullyQualifiedName~Cifar.Tests.Hostile.MisbehavingServer|FullyQualifiedName~Cifar.Tests.Hostile.ReportRedaction'
)
# The cache area runs the Data tests and the Hostile tests that use the cache, not the Hostile tests that start the
# tool as a process (report folders, spec fuzzing): under Stryker's coverage capture that session never ended here.

run() { # area, extra stryker arguments...
  local area=$1
  shift
  echo "== mutation testing: $area"
  local status=0
  (cd tests/Cifar.Tests && dotnet stryker --output "$root/artifacts/mutation/$area" \
    ${STRYKER_CONCURRENCY:+--concurrency "$STRYKER_CONCURRENCY"} "$@") || status=$?
  # Per-file scores, as in RESULTS.md: (killed + timeout) / (killed + timeout + survived + no coverage); mutants
  # that do not compile, and code Stryker leaves out, count for neither side.
  local report="$root/artifacts/mutation/$area/reports/mutation-report.json"
  jq -r '
    def score: (map(select(. == "Killed" or . == "Timeout")) | length) as $detected
      | (map(select(. == "Survived" or . == "NoCoverage")) | length) as $missed
      | select($detected + $missed > 0)
      | "\($detected)/\($detected + $missed)\t\(1000 * $detected / ($detected + $missed) | round / 10)%";
    (.files | to_entries[] | "\(.key | sub(".*/tool/Cifar.Core/"; ""))\t\([.value.mutants[].status] | score)"),
    "total\t\([.files[].mutants[].status] | score)"
  ' "$report" | column -t -s $'\t'
  return "$status" # Stryker's: non-zero below the break threshold (85%)
}

if [ $# -eq 0 ]; then
  run all
  exit
fi
for area in "$@"; do
  spec=${areas[$area]:-}
  if [ -z "$spec" ]; then
    echo "unknown area '$area'; expected one of: ${!areas[*]}" >&2
    exit 2
  fi
  mutate=()
  IFS=, read -ra patterns <<<"${spec%%;*}"
  for pattern in "${patterns[@]}"; do mutate+=(--mutate "$pattern"); done
  run "$area" "${mutate[@]}" --test-case-filter "${spec#*;}"
done
