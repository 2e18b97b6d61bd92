namespace Cifar.Specs;

/// <summary>
/// The spec's <c>determinism</c>: how far a run's numbers may depend on the CPU that made them. Every level repeats
/// bit for bit on the same machine with the same thread count; they differ in what another machine gets.
/// </summary>
public enum DeterminismLevel
{
    /// <summary>
    /// <c>fast</c> (the default): libtorch picks the fastest code for this CPU (ATen's widest vector kernels, Intel
    /// MKL's branch for this processor, oneDNN's convolutions with blocking chosen for its caches), so another CPU model
    /// can sum in another order and change the last digits.
    /// </summary>
    Fast,

    /// <summary>
    /// <c>portable</c>: libtorch is pinned to code whose summation order does not depend on the CPU model on x86-64
    /// CPUs with AVX2 and FMA: ATen's AVX2 kernels, Intel MKL's AVX2 conditional-numerical-reproducibility branch, and
    /// convolutions through ATen's im2col + MKL matrix products instead of oneDNN. Slower (benchmarks/RESULTS.md).
    /// </summary>
    Portable,
}
