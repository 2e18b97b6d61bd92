#!/usr/bin/env bash
# One fine-tuning epoch with `trainable_layers: 1` (ImageNet ResNet18, layer4 and the head train) on the activation
# cache against the whole network (issue 14, point 1: at least 3x faster at the same image size). Both sides train the
# same spec for one epoch in their own `dotnet cifar run` process, alternating A B A B, and the script prints each
# epoch's seconds (training plus validation, from timing.json; the one-time activation extraction is not part of
# the epoch and is done by a warm-up run before the first A), the medians and their ratio.
#   A: activations below layer4 read from the cache (the default).
#   B: CIFAR_ACTIVATION_CACHE=0, the benchmark knob that runs every batch through the whole network (the path
#      before the cache existed).
# Not run by CI; run it on a quiet machine (other processes distort the ratio).
#
#   CIFAR10_URL=/path/to/cifar-10-binary.tar.gz benchmarks/finetune-epoch.sh
#
# Environment: IMAGE_SIZE (default 64), TRAIN_SAMPLES (default 10000, before the 10% validation split), ROUNDS
# (default 2: A B A B), THREADS (default all cores), CIFAR_CACHE_DIR (default a temporary folder: the cache is warmed
# here), CIFAR_TOOL (default `dotnet cifar`, e.g. "dotnet run --project tool/Cifar.Cli -c Release --" from source).
# Needs python3 to read the JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CIFAR10_URL:?set CIFAR10_URL to the CIFAR-10 archive (URL or file path)}"
size=${IMAGE_SIZE:-64}
samples=${TRAIN_SAMPLES:-10000}
rounds=${ROUNDS:-2}
threads=${THREADS:-$(nproc)}
tool=${CIFAR_TOOL:-dotnet cifar}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CIFAR_CACHE_DIR=${CIFAR_CACHE_DIR:-$work/cache}

cat > "$work/finetune-epoch.yaml" <<YAML
name: finetune-epoch
seed: 42
data:
  dataset: cifar10
  url: $CIFAR10_URL
  normalization: imagenet
  image_size: $size
  validation_split: 0.1
  batch_size: 64
  train_samples: $samples
  test_samples: 100
model:
  type: transfer
  base: resnet18
  weights: imagenet
  trainable_layers: 1
  head:
    - dense: {units: 10}
training:
  epochs: 1
  optimizer: {type: adam, learning_rate: 0.00001}
report:
  formats: [markdown]
YAML

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); threads: $threads"
echo "workload: one epoch, ResNet18 trainable_layers 1, ${size}x${size}, $samples images (90% train, 10% validation)"
echo "command: $tool run $work/finetune-epoch.yaml --threads $threads --restart --output DIR [CIFAR_ACTIVATION_CACHE=0 for B]"

run() { # label, output folder, extra environment
  local label=$1 out=$2
  shift 2
  env "$@" $tool run "$work/finetune-epoch.yaml" --threads "$threads" --restart --output "$out" > "$out.log" 2>&1 \
    || { echo "$label failed:"; tail -20 "$out.log"; exit 1; }
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["epochs"][0]["seconds"])' "$out/finetune-epoch/timing.json"
}

run warm-up "$work/warmup" CIFAR_ACTIVATION_CACHE=1 > /dev/null
grep -h "activations below" "$work/warmup.log" || true
a=(); b=()
for i in $(seq 1 "$rounds"); do
  s=$(run A "$work/a$i" CIFAR_ACTIVATION_CACHE=1); a+=("$s"); echo "A (activation cache) run $i: $s s"
  s=$(run B "$work/b$i" CIFAR_ACTIVATION_CACHE=0); b+=("$s"); echo "B (whole network)    run $i: $s s"
done
python3 - "${#a[@]}" "${a[@]}" "${b[@]}" <<'PY'
import statistics, sys
n = int(sys.argv[1]); a = [float(x) for x in sys.argv[2:2 + n]]; b = [float(x) for x in sys.argv[2 + n:]]
ma, mb = statistics.median(a), statistics.median(b)
print(f"median epoch: A {ma:.2f} s (activation cache), B {mb:.2f} s (whole network); B/A = {mb / ma:.2f}x faster with the cache")
PY
