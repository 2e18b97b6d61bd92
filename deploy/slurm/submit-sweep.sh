#!/usr/bin/env bash
# Submits a dotnet-cifar sweep as one Slurm job array, one task per cell, and prints the array job's id.
#
#   deploy/slurm/submit-sweep.sh SPEC [--sbatch "SBATCH OPTIONS"] [dotnet cifar sweep options, e.g. --output DIR]
#
# Validates the whole grid and counts its cells first (`dotnet cifar sweep SPEC --list`), so a bad spec fails here,
# with file:line:col, instead of in n tasks; then `sbatch --array=0-(n-1) sweep-array.sbatch SPEC ...`.
# When the array is done: dotnet cifar compare OUTPUT/NAME (NAME is the spec's name).
set -euo pipefail

spec=${1:?usage: submit-sweep.sh SPEC [--sbatch \"OPTIONS\"] [sweep options...]}
shift
sbatch_options=()
if [ "${1:-}" = "--sbatch" ]; then
  read -r -a sbatch_options <<< "${2:?--sbatch needs a value}"
  shift 2
fi
read -r -a cifar <<< "${CIFAR_COMMAND:-dotnet cifar}"
here=$(cd "$(dirname "$0")" && pwd)

# The same sweep options as the tasks get (--output, --set ...), so the listed cells are the ones they will run.
cells=$("${cifar[@]}" sweep "$spec" --list --format text "$@")
count=$(printf '%s\n' "$cells" | grep -c .)
if [ "$count" -lt 1 ]; then
  echo "submit-sweep: $spec has no cells" >&2
  exit 2
fi
echo "submit-sweep: $spec has $count cells" >&2
sbatch --parsable --array="0-$((count - 1))" "${sbatch_options[@]}" "$here/sweep-array.sbatch" "$spec" "$@"
