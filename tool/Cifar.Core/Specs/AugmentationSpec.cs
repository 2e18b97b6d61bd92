namespace Cifar.Specs;

// data.augmentation and training.lr_schedule after validation. Augmentation steps run in list order on training
// images only; each step's draws are its own (see Cifar.Augmentation.AugmentationDraws).

/// <summary>One entry of <c>data.augmentation</c>.</summary>
/// <param name="Line">1-based line of the entry in the spec, for messages.</param>
/// <param name="Column">1-based column of the entry in the spec.</param>
public abstract record AugmentationStep(int Line, int Column)
{
    /// <summary>The step's YAML name (<c>random_crop</c>, ...).</summary>
    public abstract string Name { get; }

    /// <summary>Mixes pairs of images and their labels (mixup, cutmix): runs on the normalised batch and makes soft targets.</summary>
    public virtual bool MixesBatch => false;
}

public enum CropFill
{
    /// <summary>Mirror the image at its border (airbench; TorchVision's padding_mode "reflect").</summary>
    Reflect,
    /// <summary>Black pixels (Keras' RandomCrop after ZeroPadding2D; TorchVision's default).</summary>
    Zero,
}

/// <summary>Pad by <paramref name="Padding"/> pixels on every side, then take a random crop of the original size: a
/// translation by up to <paramref name="Padding"/> pixels each way.</summary>
public sealed record RandomCropStep(int Padding, CropFill Fill, int Line = 0, int Column = 0) : AugmentationStep(Line, Column)
{
    public override string Name => "random_crop";
}

public enum FlipMode
{
    /// <summary>Each image flipped with probability 0.5, drawn afresh every epoch (Keras' RandomFlip("horizontal")).</summary>
    Random,
    /// <summary>airbench's alternating flip: a seeded draw picks half of the images, which are flipped on odd epochs; the
    /// others on even epochs. Every image is seen both ways in any two consecutive epochs.</summary>
    Alternating,
}

public sealed record HorizontalFlipStep(FlipMode Mode, int Line = 0, int Column = 0) : AugmentationStep(Line, Column)
{
    public override string Name => "horizontal_flip";
}

/// <summary>DeVries and Taylor (2017): <paramref name="Count"/> squares of <paramref name="Size"/> pixels set to zero, each
/// centred on a uniformly drawn pixel and clipped at the border.</summary>
public sealed record CutoutStep(int Size, int Count, int Line = 0, int Column = 0) : AugmentationStep(Line, Column)
{
    public override string Name => "cutout";
}

/// <summary>TorchVision's ColorJitter without hue: each factor drawn uniformly from [max(0, 1 - x), 1 + x], applied in the
/// order brightness, contrast, saturation; 0 leaves that property alone.</summary>
public sealed record ColorJitterStep(double Brightness, double Contrast, double Saturation, int Line = 0, int Column = 0)
    : AugmentationStep(Line, Column)
{
    public override string Name => "color_jitter";
}

/// <summary>TorchVision's RandAugment (Cubuk et al., 2020): <paramref name="NumOps"/> operations drawn per image from its
/// 14, at <paramref name="Magnitude"/> of 31 bins (0 to 30).</summary>
public sealed record RandAugmentStep(int NumOps, int Magnitude, int Line = 0, int Column = 0) : AugmentationStep(Line, Column)
{
    public override string Name => "rand_augment";
}

/// <summary>Zhang et al. (2018): with <paramref name="Probability"/>, an image is blended with its partner in the batch,
/// weight lambda ~ Beta(alpha, alpha), and so are their one-hot labels.</summary>
public sealed record MixupStep(double Alpha, double Probability, int Line = 0, int Column = 0) : AugmentationStep(Line, Column)
{
    public override string Name => "mixup";

    public override bool MixesBatch => true;
}

/// <summary>Yun et al. (2019): with <paramref name="Probability"/>, a box of area (1 - lambda) of the image, lambda ~
/// Beta(alpha, alpha), is replaced by the same box of its partner; labels mix by the pasted area (after clipping).</summary>
public sealed record CutMixStep(double Alpha, double Probability, int Line = 0, int Column = 0) : AugmentationStep(Line, Column)
{
    public override string Name => "cutmix";

    public override bool MixesBatch => true;
}

public enum LearningRateScheduleType { Constant, Step, Cosine, OneCycle, Linear }

/// <summary>
/// <c>training.lr_schedule</c>: the learning rate of every optimizer step, as a factor of <c>optimizer.learning_rate</c>.
/// Warm-up (all types but one_cycle, which has its own) rises linearly from 0 to the full rate over
/// <paramref name="WarmupEpochs"/>; the type's decay runs over the epochs after it.
/// </summary>
/// <param name="DecayEpochs">step: multiply by <paramref name="DecayRate"/> every this many epochs.</param>
/// <param name="DecayRate">step: the factor (Keras ExponentialDecay with staircase).</param>
/// <param name="Alpha">cosine: the final rate as a fraction of the initial (Keras CosineDecay's alpha).</param>
/// <param name="EndFactor">linear: the final rate as a fraction of the initial (PyTorch LinearLR's end_factor).</param>
/// <param name="PctStart">one_cycle: fraction of the steps spent rising (PyTorch OneCycleLR).</param>
/// <param name="DivFactor">one_cycle: the start rate is learning_rate / div_factor.</param>
/// <param name="FinalDivFactor">one_cycle: the last rate is the start rate / final_div_factor.</param>
public sealed record LearningRateScheduleSpec(
    LearningRateScheduleType Type,
    double WarmupEpochs = 0,
    int DecayEpochs = 1,
    double DecayRate = 0.1,
    double Alpha = 0,
    double EndFactor = 0,
    double PctStart = 0.3,
    double DivFactor = 25,
    double FinalDivFactor = 1e4);
