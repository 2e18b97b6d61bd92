namespace Cifar.Specs;

/// <summary>
/// The largest values the engine can actually run, so a spec that would fail (or exhaust memory) after hours of work
/// is refused by <c>validate</c> instead. They are fixed, not measured on this machine, so a spec validates the same
/// everywhere.
/// </summary>
internal static class SpecLimits
{
    /// <summary>
    /// Bytes of <c>name</c>: it names the report folder, and the report writer's hidden sibling
    /// (<c>.NAME.replaced-GUID</c>, <see cref="Reports.ReportFolders.HiddenSiblingOverhead"/> more bytes) must fit
    /// the 255-byte file name limit of ext4, XFS, btrfs and tmpfs.
    /// </summary>
    public const int MaxNameBytes = 255 - (1 + 10 + 32);

    /// <summary>Any integer parameter of a layer (filters, units, kernel and pool sizes, strides): 2^16.</summary>
    public const int MaxLayerInteger = 65_536;

    /// <summary>
    /// Weights of a model: 250 million float32 take 1 GB, 4 GB with their gradients and Adam's two moments;
    /// the lab's CNN has 122,570 and a ResNet18 11.7 million.
    /// </summary>
    public const long MaxParameters = 250_000_000;

    /// <summary>
    /// Bytes of one training batch's layer outputs (float32, kept for the backward pass, plus their gradients):
    /// 16 GiB. The lab's CNN at batch size 64 needs 40 MB.
    /// </summary>
    public const long MaxActivationBytes = 16L << 30;

    /// <summary>
    /// Residual blocks inside residual blocks: 4. A ResNet needs 1 (blocks in a list); the bound keeps the recursive
    /// reader, planner and builder shallow whatever a spec holds.
    /// </summary>
    public const int MaxResidualNesting = 4;

    /// <summary>
    /// Entries of <c>seeds</c>: each is a whole training run, so 100 runs of the lab's CNN take about five hours on
    /// this project's machine; more is a typo, not a plan. At least 2, since one seed has no spread to measure.
    /// </summary>
    public const int MaxSeeds = 100;
}
