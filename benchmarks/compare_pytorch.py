"""The PyTorch side of benchmarks/compare-pytorch.sh: one workload per process, one JSON line on stdout.

The same work as the tool's side (benchmarks/PyTorchCompare and `dotnet cifar run`), written the way a PyTorch user
would write it, on Debian's python3-torch (1.13) with whatever BLAS the system's alternatives select (the script
installs OpenBLAS's pthread build):

  cnn-epoch  the lab CNN (experiments/cnn.yaml's layers, Keras' channels-last flatten), batch 64, Adam 1e-3: one
             training epoch over the first TRAIN images of the real CIFAR-10 and a validation pass over the next VAL,
             rescaled to [0, 1]; seconds of the epoch including validation, as the tool's timing.json counts it.
  extract    ResNet18 in CNTK's layout (BasicBlock, [2, 2, 2, 3], as the tool's bundled base) with random weights, eval
             mode, no autograd: IMAGES random 32x32 images upsampled to 224x224 (bilinear) per batch of 16, as the
             tool's TorchFeatureExtractor does, to 512 pooled features.
  finetune   one fine-tuning step of layer4 at 224x224: forward of layer4 (batch norms in inference mode, as the tool's
             fine-tuning keeps them), global average pool, a linear head to 10 classes, cross-entropy, backward, Adam
             step, on a batch of 64 random layer3 outputs (256 x 14 x 14). Median seconds per step of STEPS steps.
  matmul     a 4096 x 4096 float32 matrix product, through torch and through numpy: this machine's peak.
  cnn-profile  where a lab-CNN training batch's time goes: the steps of cnn-epoch's loop timed one by one (PyTorch on
             the CPU is synchronous) over BATCHES batches of 64 random images after 20 warm-up batches, then the
             validation forward per batch; the same phases as the tool's harness (benchmarks/PyTorchCompare).
  flops      the floating-point operations of one run of each workload above (see count_flops).

Usage: python3 compare_pytorch.py WORKLOAD --threads=2 [--archive=PATH --train=45000 --val=5000 | --images=512 |
--steps=9]
"""
import io
import json
import resource
import sys
import tarfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def options():
    opts = dict(a.lstrip("-").split("=", 1) for a in sys.argv[2:])
    return sys.argv[1], opts


def load_cifar_train(archive, count):
    """The first `count` training images (data_batch_1.bin onwards) as uint8 [N, 3, 32, 32] and int64 labels."""
    records = []
    with tarfile.open(archive, "r:gz") as tar:
        for i in range(1, 6):
            member = tar.getmember(f"cifar-10-batches-bin/data_batch_{i}.bin")
            records.append(np.frombuffer(tar.extractfile(member).read(), dtype=np.uint8).reshape(-1, 3073))
            if sum(len(r) for r in records) >= count:
                break
    data = np.concatenate(records)[:count]
    labels = torch.from_numpy(data[:, 0].astype(np.int64))
    images = torch.from_numpy(data[:, 1:].copy()).reshape(-1, 3, 32, 32)
    return images, labels


class ChannelsLastFlatten(nn.Module):
    """Keras' Flatten order (height, width, channels), as the tool's CNN."""

    def forward(self, x):
        return x.permute(0, 2, 3, 1).flatten(1)


def lab_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        ChannelsLastFlatten(), nn.Linear(4 * 4 * 64, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn_epoch(opts):
    train, val = int(opts.get("train", 45000)), int(opts.get("val", 5000))
    images, labels = load_cifar_train(opts["archive"], train + val)
    x = images.float().div_(255)
    x_train, y_train = x[:train].contiguous(), labels[:train]
    x_val, y_val = x[train:].contiguous(), labels[train:]
    torch.manual_seed(42)
    model = lab_cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = 64
    start = time.perf_counter()
    model.train()
    order = torch.randperm(train)
    loss_sum, correct = 0.0, 0
    for b in range(0, train, batch):
        idx = order[b:b + batch]
        xb, yb = x_train.index_select(0, idx), y_train.index_select(0, idx)
        optimizer.zero_grad()
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(idx)
        correct += logits.argmax(1).eq(yb).sum().item()
    train_seconds = time.perf_counter() - start
    model.eval()
    val_loss, val_correct = 0.0, 0
    with torch.no_grad():
        for b in range(0, val, batch):
            logits = model(x_val[b:b + batch])
            val_loss += F.cross_entropy(logits, y_val[b:b + batch], reduction="sum").item()
            val_correct += logits.argmax(1).eq(y_val[b:b + batch]).sum().item()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "train_seconds": train_seconds, "val_accuracy": val_correct / val,
            "accuracy": correct / train}


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + identity)


def stage(inplanes, planes, blocks, stride):
    return nn.Sequential(BasicBlock(inplanes, planes, stride), *[BasicBlock(planes, planes, 1) for _ in range(blocks - 1)])


def resnet18_cntk():
    """torchvision's resnet18 without its classifier, in the bundled CNTK model's layout ([2, 2, 2, 3])."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
        stage(64, 64, 2, 1), stage(64, 128, 2, 2), stage(128, 256, 2, 2), stage(256, 512, 3, 2))


def extract(opts):
    count, batch = int(opts.get("images", 512)), int(opts.get("batch", 16))
    torch.manual_seed(1)
    images = torch.randint(0, 256, (count, 3, 32, 32), dtype=torch.uint8).float().sub_(114.0)
    base = resnet18_cntk().eval()

    def run(x):
        with torch.no_grad():
            return torch.cat([base(F.interpolate(x[b:b + batch], size=(224, 224), mode="bilinear", align_corners=False))
                              .mean((2, 3)) for b in range(0, len(x), batch)])

    run(images[:batch])  # warm-up: first runs allocate and pick kernels
    start = time.perf_counter()
    features = run(images)
    seconds = time.perf_counter() - start
    assert features.shape == (count, 512)
    return {"seconds": seconds, "images_per_second": count / seconds}


def finetune(opts):
    steps = int(opts.get("steps", 9))
    torch.manual_seed(1)
    layer4 = stage(256, 512, 3, 2)
    head = nn.Linear(512, 10)
    layer4.train()
    for m in layer4.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
    optimizer = torch.optim.Adam(list(layer4.parameters()) + list(head.parameters()), lr=1e-5)
    x = torch.randn(64, 256, 14, 14).relu_()
    y = torch.randint(0, 10, (64,))

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(head(layer4(x).mean((2, 3))), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    step()  # warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"seconds": float(np.median(times)), "steps": steps}


def matmul(opts):
    n, repeats = int(opts.get("size", 4096)), int(opts.get("repeats", 3))
    flops = 2.0 * n ** 3
    torch.manual_seed(1)
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    torch_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        torch_times.append(time.perf_counter() - start)
    an, bn = a.numpy(), b.numpy()
    an @ bn
    numpy_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        an @ bn
        numpy_times.append(time.perf_counter() - start)
    return {"seconds": min(torch_times), "torch_gflops": flops / min(torch_times) / 1e9,
            "numpy_gflops": flops / min(numpy_times) / 1e9}


def cnn_profile(opts):
    batches, batch = int(opts.get("batches", 200)), 64
    torch.manual_seed(42)
    model = lab_cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = (batches + 20) * batch
    inputs, labels, order = torch.rand(n, 3, 32, 32), torch.randint(0, 10, (n,)), torch.randperm(n)
    phases = ["gather (+ normalise)", "forward", "loss", "backward", "zero_grad+step", "metrics (item)", "scope dispose",
              "validation forward"]  # "scope dispose" stays 0 here: see the del below
    # Wall and CPU seconds (all threads) per phase: on a busy machine the CPU seconds still compare the kernels' work.
    totals, cpu_totals = dict.fromkeys(phases, 0.0), dict.fromkeys(phases, 0.0)

    def timed(phase, action):
        cpu, wall = time.process_time(), time.perf_counter()
        value = action()
        totals[phase] += time.perf_counter() - wall
        cpu_totals[phase] += time.process_time() - cpu
        return value

    model.train()
    for b in range(-20, batches):
        if b == 0:
            totals, cpu_totals = dict.fromkeys(phases, 0.0), dict.fromkeys(phases, 0.0)
        idx = order[(b + 20) * batch:(b + 21) * batch]
        x, y = timed("gather (+ normalise)", lambda: (inputs.index_select(0, idx), labels.index_select(0, idx)))
        timed("zero_grad+step", optimizer.zero_grad)
        logits = timed("forward", lambda: model(x))
        loss = timed("loss", lambda: F.cross_entropy(logits, y))
        timed("backward", loss.backward)
        timed("zero_grad+step", optimizer.step)
        timed("metrics (item)", lambda: (loss.item(), logits.argmax(1).eq(y).sum().item()))
        del x, y, logits, loss  # reference counting frees them here: the tool's dispose scope's counterpart
    model.eval()
    with torch.no_grad():
        for b in range(batches):
            timed("validation forward", lambda: model(inputs[b * batch:(b + 1) * batch]).argmax(1).sum().item())
    result = {"batches": batches, "seconds": sum(totals.values()), "cpu_seconds": sum(cpu_totals.values())}
    for k in phases:
        result["ms_per_batch " + k] = 1000 * totals[k] / batches
        result["cpu_ms_per_batch " + k] = 1000 * cpu_totals[k] / batches
    return result


def cnn_ops(opts):
    """The lab CNN's forward op by op, as the tool's harness's cnn-ops: CPU ms per call at batch 64."""
    repeats = int(opts.get("repeats", 50))
    torch.manual_seed(1)
    conv1, conv2, conv3 = nn.Conv2d(3, 32, 3), nn.Conv2d(32, 64, 3), nn.Conv2d(64, 64, 3)
    pool, dense1, dense2 = nn.MaxPool2d(2), nn.Linear(1024, 64), nn.Linear(64, 10)
    ops = [("conv1 3->32", conv1), ("relu 32x30x30", F.relu), ("maxpool 32x30x30", pool), ("conv2 32->64", conv2),
           ("relu 64x13x13", F.relu), ("maxpool 64x13x13", pool), ("conv3 64->64", conv3), ("relu 64x4x4", F.relu),
           ("flatten (channels last)", lambda t: t.permute(0, 2, 3, 1).flatten(1)), ("dense 1024->64", dense1),
           ("relu 64", F.relu), ("dense 64->10", dense2)]
    result = {"seconds": 0.0}
    for grad in (True, False):
        with torch.set_grad_enabled(grad):
            x = torch.rand(64, 3, 32, 32)
            for name, op in ops:
                for _ in range(3):
                    op(x)
                cpu = time.process_time()
                for _ in range(repeats):
                    op(x)
                result[f"{'train' if grad else 'eval'} cpu_ms {name}"] = 1000 * (time.process_time() - cpu) / repeats
                x = op(x)
    return result


def count_flops(model, shape):
    """2 x multiply-adds of every convolution and linear layer of one forward pass of `model` on one input of `shape`:
    2 x output elements x (input channels / groups x kernel height x kernel width) for a convolution, 2 x in x out for a
    linear layer. Batch norm, ReLU, pooling, the residual additions and the upsampling are left out (under 2% here)."""
    total = [0]

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total[0] += 2 * output.numel() * module.in_channels // module.groups * kh * kw
        elif isinstance(module, nn.Linear):
            total[0] += 2 * output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model.eval()(torch.zeros(1, *shape))
    for h in handles:
        h.remove()
    return total[0]


def flops(opts):
    """Training counts 3 x forward (the backward pass computes gradients of both inputs and weights: 2 x forward),
    the usual convention; the fine-tuning step's backward skips layer4's input gradient, so its count is a little high."""
    train, val = int(opts.get("train", 45000)), int(opts.get("val", 5000))
    images, steps = int(opts.get("images", 512)), 1
    cnn = count_flops(lab_cnn(), (3, 32, 32))
    layer4 = count_flops(nn.Sequential(stage(256, 512, 3, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)),
                         (256, 14, 14))
    return {"cnn-epoch": 3 * cnn * train + cnn * val,
            "extract": count_flops(resnet18_cntk(), (3, 224, 224)) * images,
            "finetune": 3 * layer4 * 64 * steps,
            "matmul": 2 * int(opts.get("size", 4096)) ** 3,
            "per_image_forward": {"cnn": cnn, "resnet18_224": count_flops(resnet18_cntk(), (3, 224, 224)),
                                  "layer4_head_224": layer4}}


def main():
    workload, opts = options()
    threads = int(opts.get("threads", 2))
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    result = {"cnn-epoch": cnn_epoch, "extract": extract, "finetune": finetune, "matmul": matmul, "cnn-profile": cnn_profile, "cnn-ops": cnn_ops, "flops": flops}[workload](opts)
    result.update(workload=workload, engine="pytorch", torch=torch.__version__, threads=torch.get_num_threads(),
                  peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
