#!/usr/bin/env bash
# End-to-end proof of the Slurm path: a small sweep (2 learning rates x 3 batch sizes = 6 cells of a small CNN on a
# CIFAR-10 subset, a minute or two) submitted with deploy/slurm/submit-sweep.sh as one job array to a real one-node
# Slurm on this machine (benchmarks/slurm/local-slurm.sh), waited for, then merged with `dotnet cifar compare`.
#
#   benchmarks/slurm/sweep-on-slurm.sh 2>&1 | tee benchmarks/logs/sweep-on-slurm.log
#
# Needs: slurm-wlm and munge (apt-get install -y slurm-wlm munge), the tool built (dotnet build -c Release) or
# installed (CIFAR_COMMAND="dotnet cifar"), and CIFAR-10: CIFAR10_URL (default ../shared/data's copy) or a cache that
# holds it (CIFAR_CACHE_DIR). Starts the local cluster if it is not running, and stops it again if it started it.
# SWEEP_TRAIN_SAMPLES (default 4000) and SWEEP_EPOCHS (default 3) shrink the cells: the test SlurmSweepTests runs this
# script on a generated dataset with 1000 and 1, so that CI (.ci/run) proves the Slurm path with cells of seconds.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${SWEEP_ON_SLURM_DIR:-/tmp/sweep-on-slurm}
export LOCAL_SLURM_DIR=${LOCAL_SLURM_DIR:-/tmp/local-slurm}
export SLURM_CONF="$LOCAL_SLURM_DIR/slurm.conf"
export CIFAR_CACHE_DIR=${CIFAR_CACHE_DIR:-$work/cache}
if [ -z "${CIFAR10_URL:-}" ] && [ -f "$repo/../shared/data/cifar-10-binary.tar.gz" ]; then
  export CIFAR10_URL="file://$(cd "$repo/../shared/data" && pwd)/cifar-10-binary.tar.gz"
fi
if [ -z "${CIFAR_COMMAND:-}" ]; then
  # The Release build: under a runtime identifier folder (linux-x64/) when the build is RID-specific, as it is here.
  dll=$(ls -t "$repo"/tool/Cifar.Cli/bin/Release/net10.0/dotnet-cifar.dll "$repo"/tool/Cifar.Cli/bin/Release/net10.0/*/dotnet-cifar.dll 2> /dev/null | head -n 1 || true)
  [ -n "$dll" ] || { echo "sweep-on-slurm: no Release build of the tool; run dotnet build Repro.sln -c Release, or set CIFAR_COMMAND" >&2; exit 2; }
  export CIFAR_COMMAND="dotnet $dll"
fi
read -r -a cifar <<< "$CIFAR_COMMAND"

started=0
if ! sinfo -h > /dev/null 2>&1; then
  "$repo/benchmarks/slurm/local-slurm.sh" start
  started=1
fi
trap '[ "$started" = 1 ] && "$repo/benchmarks/slurm/local-slurm.sh" stop' EXIT

rm -rf "$work/reports" "$work/spec" "$work/out"
mkdir -p "$work/reports" "$work/spec" "$work/out" "$CIFAR_CACHE_DIR"
spec="$work/spec/slurm-sweep.yaml"
train_samples=${SWEEP_TRAIN_SAMPLES:-4000}
epochs=${SWEEP_EPOCHS:-3}
cat > "$spec" <<SPEC
# A small CNN on $train_samples training and 1,000 test images, $epochs epochs: each cell trains in well under a minute.
name: slurm-sweep
seed: 42
data:
  dataset: cifar10
  train_samples: $train_samples
  test_samples: 1000
  validation_split: 0.1
  batch_size: 64
model:
  type: cnn
  layers:
    - conv2d: {filters: 16, kernel_size: 3, activation: relu}
    - max_pooling2d: {pool_size: 2}
    - conv2d: {filters: 32, kernel_size: 3, activation: relu}
    - max_pooling2d: {pool_size: 2}
    - flatten: {}
    - dense: {units: 10}
training:
  epochs: $epochs
  optimizer: {type: adam, learning_rate: 0.001}
report:
  formats: [markdown, html]
sweep:
  grid:
    training.optimizer.learning_rate: [0.003, 0.0003]
    data.batch_size: [128, 32, 64]
SPEC

echo "== $(date -u +%FT%TZ) sweep-on-slurm.sh"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(sinfo -V)"
echo "== cluster"
sinfo
echo "== spec $spec"
sed -n '/^sweep:/,$p' "$spec"
echo "== cells"
"${cifar[@]}" sweep "$spec" --list --format text --output "$work/reports" | tee "$work/out/cells.txt"
echo "== submit"
start=$(date +%s)
job=$("$repo/deploy/slurm/submit-sweep.sh" "$spec" \
  --sbatch "--cpus-per-task=1 --mem=2G --time=00:20:00 --output=$work/out/slurm-%A_%a.out" \
  --output "$work/reports")
echo "array job $job"
# The queue each time it changes (which tasks run, which wait): two at a time on the node's 2 CPUs.
last=
while [ -n "$(squeue -h -j "$job" 2> /dev/null)" ]; do
  queue=$(squeue -h -j "$job" -o '%.12i %.8T %R' 2> /dev/null || true)
  if [ -n "$queue" ] && [ "$queue" != "$last" ]; then
    echo "-- $(( $(date +%s) - start )) s"
    printf '%s\n' "$queue" | sed 's/^/   /'
  fi
  last=$queue
  sleep 2
done
echo "== done in $(( $(date +%s) - start )) s; task states (scontrol)"
failed=0
while read -r task state code; do
  echo "   $task $state exit=$code"
  [ "$state" = "COMPLETED" ] || failed=1
done < <(scontrol -o show job "$job" | sed -E 's/.*JobId=([0-9]+) .*ArrayTaskId=([0-9]+) .*JobState=([A-Z_]+) .*ExitCode=([0-9:]+) .*/\1_\2 \3 \4/' | sort -t_ -k2 -n)
cells=$(grep -c . "$work/out/cells.txt")
seen=$(scontrol -o show job "$job" | grep -c 'ArrayTaskId=' || true)
if [ "$seen" -ne "$cells" ]; then
  echo "   scontrol shows $seen of $cells tasks"
  failed=1
fi
for out in "$work"/out/slurm-*.out; do
  echo "== $(basename "$out")"
  # Progress lines only, not every batch: the first and last lines of each task say what it ran and what it got.
  grep -E 'cell|epoch [0-9]+/[0-9]+|test accuracy|report|skipp|error' "$out" | tail -n 12 || true
done
echo "== compare"
"${cifar[@]}" compare "$work/reports/slurm-sweep"
echo "== $work/reports/slurm-sweep/sweep-report.md (its head)"
head -n 16 "$work/reports/slurm-sweep/sweep-report.md"
exit "$failed"
