#!/usr/bin/env bash
# One fine-tuning epoch with `trainable_layers: 1` (ImageNet ResNet18, layer4 and the head train) on the activation
# cache against the whole network (issue 14, point 1: at least 3x faster at the same image size). Both sides train the
# same spec for one epoch in their own `dotnet cifar run` process, alternating A B A B, and the script prints each
# epoch's seconds (training plus validation, from timing.json; the one-time activation extraction is not part of
# the epoch and is done by a warm-up run before the first A), the medians and their ratio.
#   A: activations below layer4 read from the cache (the default).
#   B: CIFAR_ACTIVATION_CACHE=0, the benchmark knob that runs every batch through the whole network (the path
#      before the cache existed); or, with CIFAR_TOOL_B set, another build of the tool run as is, e.g. the tool as it
#      was before the cache (commit ee41b99, which has no such knob: issue 14's "today"):
#        git archive ee41b99 | tar -x -C /tmp/today && (cd /tmp/today && dotnet build tool/Cifar.Cli -c Release)
#        CIFAR_TOOL_B=/tmp/today/tool/Cifar.Cli/bin/Release/net10.0/linux-x64/dotnet-cifar benchmarks/finetune-epoch.sh
# Not run by CI; run it on a quiet machine (other processes distort the ratio). Besides each epoch's wall seconds the
# script prints each run's process CPU seconds (user + system, the whole run: start-up, epoch, 100 test images,
# report) and the load average before it, so a run on a shared machine can be judged.
#
#   CIFAR10_URL=/path/to/cifar-10-binary.tar.gz benchmarks/finetune-epoch.sh
#
# Environment: IMAGE_SIZE (default 64), TRAIN_SAMPLES (default 10000, before the 10% validation split), ROUNDS
# (default 2: A B A B), THREADS (default all cores), CIFAR_CACHE_DIR (default a temporary folder: the cache is warmed
# here), CIFAR_TOOL (default `dotnet cifar`, e.g. "dotnet run --project tool/Cifar.Cli -c Release --" from source),
# CIFAR_TOOL_B (default: CIFAR_TOOL with CIFAR_ACTIVATION_CACHE=0). Needs python3 to read the JSON and GNU time
# (Debian package `time`) for the CPU seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CIFAR10_URL:?set CIFAR10_URL to the CIFAR-10 archive (URL or file path)}"
size=${IMAGE_SIZE:-64}
samples=${TRAIN_SAMPLES:-10000}
rounds=${ROUNDS:-2}
threads=${THREADS:-$(nproc)}
tool=${CIFAR_TOOL:-dotnet cifar}
tool_b=${CIFAR_TOOL_B:-}
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
if [ -n "$tool_b" ]; then
  b_label="B (tool B: $tool_b)"
  echo "command: A $tool run $work/finetune-epoch.yaml --threads $threads --restart --output DIR; B the same with $tool_b"
else
  b_label="B (whole network, CIFAR_ACTIVATION_CACHE=0)"
  echo "command: $tool run $work/finetune-epoch.yaml --threads $threads --restart --output DIR [CIFAR_ACTIVATION_CACHE=0 for B]"
fi

run() { # label, tool, output folder, extra environment; prints the epoch's wall seconds and the run's CPU seconds
  local label=$1 cmd=$2 out=$3
  shift 3
  env "$@" /usr/bin/time -f "%U %S" -o "$out.cpu" $cmd run "$work/finetune-epoch.yaml" --threads "$threads" --restart --output "$out" > "$out.log" 2>&1 \
    || { echo "$label failed:" >&2; tail -20 "$out.log" >&2; exit 1; }
  python3 -c 'import json,sys; u, s = open(sys.argv[2]).read().split()[-2:]; print(json.load(open(sys.argv[1]))["epochs"][0]["seconds"], round(float(u) + float(s), 1))' \
    "$out/finetune-epoch/timing.json" "$out.cpu"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

run warm-up "$tool" "$work/warmup" CIFAR_ACTIVATION_CACHE=1 > /dev/null
grep -h "activations below" "$work/warmup.log" || true
a=(); b=()
for i in $(seq 1 "$rounds"); do
  l=$(load); read -r s c < <(run A "$tool" "$work/a$i" CIFAR_ACTIVATION_CACHE=1); [ -n "$s" ] || exit 1; a+=("$s")
  echo "A (activation cache) run $i: $s s epoch, $c s CPU for the run (load average before: $l)"
  l=$(load)
  if [ -n "$tool_b" ]; then read -r s c < <(run B "$tool_b" "$work/b$i"); else read -r s c < <(run B "$tool" "$work/b$i" CIFAR_ACTIVATION_CACHE=0); fi
  [ -n "$s" ] || exit 1; b+=("$s"); echo "$b_label run $i: $s s epoch, $c s CPU for the run (load average before: $l)"
done
python3 - "${#a[@]}" "${a[@]}" "${b[@]}" <<'PY'
import statistics, sys
n = int(sys.argv[1]); a = [float(x) for x in sys.argv[2:2 + n]]; b = [float(x) for x in sys.argv[2 + n:]]
ma, mb = statistics.median(a), statistics.median(b)
print(f"median epoch: A {ma:.2f} s (activation cache), B {mb:.2f} s; B/A = {mb / ma:.2f}x faster with the cache")
PY
