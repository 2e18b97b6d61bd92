using Cifar.Data;
using Cifar.Specs;

namespace Cifar.Models.Transfer;

/// <summary>Plain data describing a pretrained base, for reports, manifests and feature-cache keys.</summary>
/// <param name="Architecture">
/// <c>resnet18-cntk</c> (the bundled offline ResNet18, blocks [2,2,2,3]), <c>resnet18</c>, <c>resnet50</c>,
/// <c>mobilenet_v2</c> or <c>vgg16</c> (torchvision's architectures).
/// </param>
/// <param name="FeatureCount">Width of the pooled feature vector (512, 2048, 1280, 512).</param>
/// <param name="InputNormalization">What the weights expect from uint8 RGB pixels (pass it to DataPreparation for <c>normalization: imagenet</c>).</param>
/// <param name="Weights">Where the weights came from, e.g. <c>imagenet (resnet50-0676ba61.pth)</c> or <c>none (random init)</c>.</param>
/// <param name="WeightsSha256">
/// SHA-256 of the weights file, or for a random initialisation of the initial parameter values (see
/// <see cref="PretrainedBases.HashStateDict"/>), so equal identities mean equal features.
/// </param>
public sealed record BaseDescription(
    TransferBase Base,
    string Architecture,
    int FeatureCount,
    ChannelNormalization InputNormalization,
    string Weights,
    string WeightsSha256);
