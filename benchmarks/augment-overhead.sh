#!/usr/bin/env bash
# What crop + flip costs per epoch (issue 10, point 2: at most 10% more on the lab's CNN). Trains the lab's CNN
# (experiments/cnn.yaml's layers and batch size) on the real CIFAR-10 with and without
# `random_crop {padding: 4, fill: reflect}` + `horizontal_flip`, both in one `dotnet cifar run` (same process, same
# thread count; each spec runs all its epochs in turn), and prints the ratio of their training
# throughputs from timing.json. Not run by CI; run it on a quiet machine (other processes distort the ratio).
#
#   CIFAR10_URL=/path/to/cifar-10-binary.tar.gz benchmarks/augment-overhead.sh
#
# Environment: EPOCHS (default 3), THREADS (default all cores), TRAIN_SAMPLES (default all 50,000; smaller for a smoke
# check), CIFAR_TOOL (default `dotnet cifar`, e.g. "dotnet run --project tool/Cifar.Cli -c Release --" from source).
# Needs python3 to read the JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CIFAR10_URL:?set CIFAR10_URL to the CIFAR-10 archive (URL or file path)}"
epochs=${EPOCHS:-3}
threads=${THREADS:-$(nproc)}
tool=${CIFAR_TOOL:-dotnet cifar}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

samples_line=""
[ -n "${TRAIN_SAMPLES:-}" ] && samples_line="  train_samples: $TRAIN_SAMPLES"

spec() { # name, augmentation block
  cat > "$work/$1.yaml" <<YAML
name: $1
seed: 42
data:
  dataset: cifar10
  normalization: rescale
  validation_split: 0.1
  batch_size: 64
$samples_line
$2
model:
  type: cnn
  layers:
    - conv2d: {filters: 32, kernel_size: 3, activation: relu}
    - max_pooling2d: {pool_size: 2}
    - conv2d: {filters: 64, kernel_size: 3, activation: relu}
    - max_pooling2d: {pool_size: 2}
    - conv2d: {filters: 64, kernel_size: 3, activation: relu}
    - flatten: {}
    - dense: {units: 64, activation: relu}
    - dense: {units: 10}
training:
  epochs: $epochs
  optimizer: {type: adam, learning_rate: 0.001}
report:
  formats: [markdown]
YAML
}
spec plain ""
spec augmented "  augmentation:
    - random_crop: {padding: 4, fill: reflect}
    - horizontal_flip: {mode: random}"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); threads: $threads; epochs: $epochs"
echo "command: $tool run $work/plain.yaml $work/augmented.yaml --threads $threads --output $work/reports"
$tool run "$work/plain.yaml" "$work/augmented.yaml" --threads "$threads" --output "$work/reports"

python3 - "$work/reports" <<'PY'
import json, sys
root = sys.argv[1]
t = {n: json.load(open(f"{root}/{n}/timing.json")) for n in ("plain", "augmented")}
for n, v in t.items():
    print(f"{n:>9}: {v['training_images_per_second']:.1f} training images/s, {v['mean_seconds_per_epoch']:.2f} s/epoch (with validation)")
ratio = t["plain"]["training_images_per_second"] / t["augmented"]["training_images_per_second"]
print(f"augmented / plain training time per image: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%; target at most +10%)")
PY
