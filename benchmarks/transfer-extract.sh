#!/usr/bin/env bash
# Feature-extraction throughput of the bundled CNTK ResNet18 at 224x224 (CIFAR-sized 32x32 inputs upsampled per
# batch): ONNX Runtime (1 image per run on the shipped fixed-batch graph) vs
# TorchSharp (stage-by-stage forward, batch 16 and 32).
# Median of 3 runs over 256 images after a warm-up batch; each engine in its own process for an honest peak memory.
# Usage: benchmarks/transfer-extract.sh [images] [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
images="${1:-256}"
threads="${2:-$(nproc)}"
dotnet build benchmarks/TransferExtract -c Release -v quiet -nologo >/dev/null
run() { dotnet run --project benchmarks/TransferExtract -c Release --no-build -- "$@" --images="$images" --repeats=3 --threads="$threads"; }
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), threads $threads, load average $(cut -d' ' -f1-3 /proc/loadavg)"
run --engine=onnx
run --engine=torch --batch=16
run --engine=torch --batch=32
