using Cifar.Data;

namespace Cifar.Models.Transfer;

/// <summary>Plain data describing a built pretrained base, for reports, manifests and feature-cache keys; made from its
/// <see cref="TransferBases"/> entry by <see cref="PretrainedBases.Describe"/>.</summary>
/// <param name="Base">The base's spec name (<see cref="TransferBase.Name"/>).</param>
/// <param name="Architecture">As in <see cref="BaseWeights.Architecture"/>.</param>
/// <param name="FeatureCount">Width of the pooled feature vector.</param>
/// <param name="InputNormalization">What the weights expect from uint8 RGB pixels (pass it to DataPreparation for <c>normalization: imagenet</c>).</param>
/// <param name="Weights">Where the weights came from, e.g. <c>imagenet (resnet50-0676ba61.pth)</c> or <c>none (random init)</c>.</param>
/// <param name="WeightsSha256">
/// SHA-256 of the weights file, or for a random initialisation of the initial parameter values (see
/// <see cref="PretrainedBases.HashStateDict"/>), so equal identities mean equal features.
/// </param>
public sealed record BaseDescription(
    string Base,
    string Architecture,
    int FeatureCount,
    ChannelNormalization InputNormalization,
    string Weights,
    string WeightsSha256);
