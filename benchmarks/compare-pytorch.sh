#!/usr/bin/env bash
# The same work through the tool and through PyTorch, side by side in one run (issue 14, point 3):
#   cnn-epoch  the lab CNN (experiments/cnn.yaml's model, batch 64, Adam 1e-3): one training epoch on the real
#              CIFAR-10's 45,000 training images and the validation pass over its 5,000 validation images. Tool:
#              `dotnet cifar run` of a 1-epoch spec, the epoch's seconds from its timing.json.
#   extract    ResNet18 feature extraction at 224x224 (512 images). Tool: its extraction path on the bundled CNTK
#              ResNet18 (benchmarks/PyTorchCompare). PyTorch: the same architecture ([2, 2, 2, 3] blocks) with random
#              weights: the same FLOPs.
#   finetune   one fine-tuning step of layer4 + a linear head at 224x224 (batch 64 of layer3 outputs, 256x14x14):
#              forward, backward, Adam step; median seconds per step.
#   matmul     a 4096x4096 float32 matrix product: this machine's peak, through libtorch (the tool's), torch and numpy.
# Each round runs every workload through the tool then PyTorch, alternating which goes first (A B, B A, ...), each in
# a fresh process; the table gives medians over the rounds, the speed ratio (PyTorch seconds / tool seconds: above 1
# the tool is faster) as the median of the rounds' pairs, and the achieved GFLOP/s (floating-point operations from
# compare_pytorch.py's `flops`: 2 x the multiply-adds of every convolution and linear layer; training = 3 x forward)
# against the measured peak. Both sides use THREADS intra-op threads (OMP_NUM_THREADS and torch.set_num_threads) and
# one inter-op thread. PyTorch is Debian's python3-torch (1.13) with Debian's OpenBLAS (pthread build), installed here
# with apt-get when missing (as root). Not run by CI; run it on a quiet machine.
#
#   benchmarks/compare-pytorch.sh
#
# Environment: ROUNDS (default 5), THREADS (2), IMAGES (extraction, 512), STEPS (fine-tuning steps per process, 9),
# MATMUL_SIZE (the peak's square matrices, 4096),
# TRAIN_SAMPLES (default all 50,000, split 45,000 + 5,000 as cnn.yaml does; smaller for a smoke run), CIFAR10_URL
# (default ../shared/data/cifar-10-binary.tar.gz; a file path, file:// or http(s) URL), CIFAR_TOOL (default: the
# tool built from this checkout), PROFILE (1: also the per-phase profile of a CNN batch on both sides, BATCHES batches,
# default 200; 0: skip), APPEND (1: append the table to benchmarks/RESULTS.md; 0: print only), WORKLOADS (default
# "cnn-epoch extract finetune"; the peak's matmul always runs).
# Needs /usr/bin/python3 (Debian's, for python3-torch).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
threads=${THREADS:-2}
workloads=${WORKLOADS:-cnn-epoch extract finetune}
images=${IMAGES:-512}
steps=${STEPS:-9}
matmul_size=${MATMUL_SIZE:-4096}
samples=${TRAIN_SAMPLES:-50000}
url=${CIFAR10_URL:-../shared/data/cifar-10-binary.tar.gz}
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! dpkg -s python3-torch libopenblas0-pthread >/dev/null 2>&1; then
  apt-get install -y -o DPkg::Lock::Timeout=600 python3-torch libopenblas0-pthread >"$work/apt.log" 2>&1 \
    || { tail -5 "$work/apt.log"; echo "could not install python3-torch libopenblas0-pthread (run as root after apt-get update)" >&2; exit 1; }
fi

case "$url" in
  http://*|https://*) curl -fsSL -o "$work/cifar-10-binary.tar.gz" "$url"; archive=$work/cifar-10-binary.tar.gz ;;
  file://*) archive=${url#file://} ;;
  *) archive=$url ;;
esac
[ -f "$archive" ] || { echo "CIFAR-10 archive not found: $archive (set CIFAR10_URL)" >&2; exit 1; }
archive=$(realpath "$archive")
export CIFAR10_URL="file://$archive"

dotnet build benchmarks/PyTorchCompare -c Release -v quiet -nologo >/dev/null
if [ -z "${CIFAR_TOOL:-}" ]; then
  dotnet build tool/Cifar.Cli -c Release -v quiet -nologo >/dev/null
  tool="dotnet run --project tool/Cifar.Cli -c Release --no-build --"
else
  tool=$CIFAR_TOOL
fi
harness="dotnet run --project benchmarks/PyTorchCompare -c Release --no-build --"
# Debian's OpenBLAS 0.3.21 does not know every CPU: on this project's Xeon (Cooper Lake, AVX-512) it falls back to its
# SSE3 "Prescott" kernels, 29 instead of 143 GFLOP/s a core (benchmarks/RESULTS.md). PyTorch is given OpenBLAS's
# fastest fitting kernels (the same results to float32 rounding) unless OPENBLAS_CORETYPE is set by the caller.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  detected=$(OPENBLAS_VERBOSE=2 "$python" -c 'import numpy' 2>&1 | sed -n 's/^Core: //p' | head -1)
  if [ "$detected" = Prescott ] && grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif [ "$detected" = Prescott ] && grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell
  fi
fi
openblas_core=$(OPENBLAS_VERBOSE=2 "$python" -c 'import numpy' 2>&1 | sed -n 's/^Core: //p' | head -1)
export OMP_NUM_THREADS=$threads

val=$((samples / 10))
train=$((samples - val))
samples_line=""
[ "$samples" -lt 50000 ] && samples_line="  train_samples: $samples"
cat > "$work/cnn-epoch.yaml" <<YAML
name: cnn-epoch
seed: 42
data:
  dataset: cifar10
  normalization: rescale
  validation_split: 0.1
  batch_size: 64
$samples_line
  test_samples: 1000
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
  epochs: 1
  optimizer: {type: adam, learning_rate: 0.001}
report:
  formats: [markdown]
YAML

results=$work/results.jsonl
tool_side() { # workload
  case "$1" in
    cnn-epoch)
      rm -rf "$work/reports"
      $tool run "$work/cnn-epoch.yaml" --threads "$threads" --output "$work/reports" >"$work/tool.log" 2>&1 \
        || { tail -20 "$work/tool.log"; exit 1; }
      "$python" -c 'import json, sys; t = json.load(open(sys.argv[1])); print(json.dumps({"workload": "cnn-epoch", "engine": "tool", "seconds": t["epochs"][0]["seconds"], "peak_rss_mib": t["peak_working_set_bytes"] / 2**20}))' \
        "$work/reports/cnn-epoch/timing.json" ;;
    *) $harness "$1" --threads="$threads" --images="$images" --steps="$steps" --size="$matmul_size" ;;
  esac
}
pytorch_side() { # workload
  "$python" benchmarks/compare_pytorch.py "$1" --threads="$threads" --archive="$archive" --train="$train" --val="$val" \
    --images="$images" --steps="$steps" --size="$matmul_size"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GB; threads: $threads; rounds: $rounds; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  for workload in matmul $workloads; do
    if [ $((round % 2)) -eq 1 ]; then order="tool pytorch"; else order="pytorch tool"; fi
    for side in $order; do
      line=$("${side}_side" "$workload" | tail -1)
      echo "$line" | "$python" -c "import json, sys; r = json.loads(sys.stdin.read()); r['round'] = $round; print(json.dumps(r))" >>"$results"
      echo "round $round/$rounds $workload $side: $line" >&2
    done
  done
done
"$python" benchmarks/compare_pytorch.py flops --train="$train" --val="$val" --images="$images" --size="$matmul_size" >"$work/flops.json"

table=$("$python" - "$results" "$work/flops.json" "$train" "$val" "$images" "$matmul_size" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
flops = json.load(open(sys.argv[2]))
train, val, images = sys.argv[3:6]
med = statistics.median
def peak_mib(r):  # MiB resident at the process's peak: the tool's harness reports its working set, the same on Linux
    return r.get("peak_rss_mib", r.get("peak_working_set_mib", float("nan")))
def runs(workload, engine):
    return {r["round"]: r for r in rows if r["workload"] == workload and r["engine"] == engine}
peak_tool = med(r["gflops"] for r in runs("matmul", "tool").values())
peak_torch = med(r["torch_gflops"] for r in runs("matmul", "pytorch").values())
peak_numpy = med(r["numpy_gflops"] for r in runs("matmul", "pytorch").values())
peak = max(peak_tool, peak_torch, peak_numpy)
names = {"cnn-epoch": f"Lab CNN epoch ({int(train):,} train + {int(val):,} validation images)",
         "extract": f"ResNet18 extraction at 224x224 ({int(images):,} images)",
         "finetune": "layer4 + head fine-tuning step at 224x224 (batch 64)"}
print("| Workload | Tool (median s) | PyTorch (median s) | Speed ratio tool/PyTorch | Tool GFLOP/s | PyTorch GFLOP/s | Peak memory tool / PyTorch |")
print("|---|--:|--:|--:|--:|--:|--:|")
for w, name in names.items():
    t, p = runs(w, "tool"), runs(w, "pytorch")
    if not t or not p:
        continue  # not in WORKLOADS
    ts, ps = med(r["seconds"] for r in t.values()), med(r["seconds"] for r in p.values())
    ratio = med(p[k]["seconds"] / t[k]["seconds"] for k in t if k in p)
    g = flops[w] / 1e9
    mem = f'{med(peak_mib(r) for r in t.values()) / 1024:.2f} / {med(peak_mib(r) for r in p.values()) / 1024:.2f} GB'
    print(f"| {name} | {ts:.3f} | {ps:.3f} | **{ratio:.2f}x** | {g / ts:.1f} ({100 * g / ts / peak:.0f}% of peak) | {g / ps:.1f} ({100 * g / ps / peak:.0f}%) | {mem} |")
print()
print(f"Peak ({sys.argv[6]}x{sys.argv[6]} float32 matrix product, best of 3, median over rounds): libtorch through the tool {peak_tool:.1f} GFLOP/s, "
      f"torch {peak_torch:.1f}, numpy {peak_numpy:.1f}. FLOPs per workload: " +
      ", ".join(f"{w} {flops[w] / 1e9:,.1f} G" for w in names if runs(w, "tool")) + f" ({len(runs('matmul', 'tool'))} rounds).")
PY
)
profile=""
if [ "${PROFILE:-1}" = 1 ]; then
  # Where a training batch's time goes, phase by phase, both sides in turn (tool first), BATCHES batches each.
  $harness cnn-profile --threads="$threads" --batches="${BATCHES:-200}" | tail -1 >"$work/profile-tool.json"
  pytorch_side cnn-profile --batches="${BATCHES:-200}" | tail -1 >"$work/profile-pytorch.json"
  profile=$("$python" - "$work/profile-tool.json" "$work/profile-pytorch.json" <<'PY'
import json, sys
tool, torch = (json.load(open(p)) for p in sys.argv[1:3])
print(f"Where a lab-CNN batch's time goes (cnn-profile, {tool['batches']} batches of 64 after 20 warm-up batches; "
      "wall ms per batch, and CPU ms of all threads in brackets):")
print()
print("| Phase | Tool | PyTorch | Tool - PyTorch |")
print("|---|--:|--:|--:|")
for key in [k for k in tool if k.startswith("ms_per_batch ")]:
    phase = key.removeprefix("ms_per_batch ")
    t, p = tool[key], torch.get(key, 0.0)
    tc, pc = tool["cpu_" + key], torch.get("cpu_" + key, 0.0)
    print(f"| {phase} | {t:.2f} ({tc:.2f}) | {p:.2f} ({pc:.2f}) | {t - p:+.2f} |")
print(f"| all | {1000 * tool['seconds'] / tool['batches']:.2f} ({1000 * tool['cpu_seconds'] / tool['batches']:.2f}) | "
      f"{1000 * torch['seconds'] / torch['batches']:.2f} ({1000 * torch['cpu_seconds'] / torch['batches']:.2f}) | |")
PY
)
fi
blas=$("$python" -c 'import numpy, torch; print("torch", torch.__version__, "BLAS", __import__("os").path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu"))' 2>/dev/null || true)
blas="$blas (OpenBLAS kernels: $openblas_core${OPENBLAS_CORETYPE:+, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE})"
report="## The tool against PyTorch (\`benchmarks/compare-pytorch.sh\`)

\`\`\`
ROUNDS=$rounds THREADS=$threads WORKLOADS=\"$workloads\" TRAIN_SAMPLES=$samples IMAGES=$images STEPS=$steps MATMUL_SIZE=$matmul_size benchmarks/compare-pytorch.sh
\`\`\`

$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $threads threads each side, $blas, load average after: $(cut -d' ' -f1-3 /proc/loadavg).

$table

$profile
"
echo
echo "$report"
if [ "${APPEND:-1}" = 1 ]; then printf '\n%s' "$report" >>benchmarks/RESULTS.md; echo "appended to benchmarks/RESULTS.md" >&2; fi
