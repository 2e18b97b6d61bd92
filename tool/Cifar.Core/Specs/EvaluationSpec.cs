namespace Cifar.Specs;

/// <summary>
/// <c>training.ema</c>: an exponential moving average of the weights, updated after every optimizer step and used
/// instead of the raw weights for validation, early stopping, the restored best weights and the test evaluation.
/// Keras' optimizers call it <c>use_ema</c> with <c>ema_momentum</c> (0.99 by default); here the one key is the decay.
/// </summary>
/// <param name="Decay">Weight of the old average at each step, in (0, 1): average = decay * average + (1 - decay) * weights.</param>
public sealed record EmaSpec(double Decay);

/// <summary>The top-level <c>evaluation</c> section: how the test split is evaluated once training ends.</summary>
/// <param name="TestTimeAugmentation"><c>evaluation.tta</c>; null evaluates each test image as it is.</param>
public sealed record EvaluationSpec(TestTimeAugmentationSpec? TestTimeAugmentation)
{
    /// <summary>What a spec without an <c>evaluation</c> section gets.</summary>
    public static readonly EvaluationSpec Default = new((TestTimeAugmentationSpec?)null);
}

/// <summary>
/// <c>evaluation.tta</c>: the test logits are averaged over several views of each test image, as airbench94's
/// <c>tta_level</c> 1 (flip) and 2 (flip and one-pixel translations) do. The validation split is never augmented.
/// </summary>
/// <param name="Flip">Adds each view's horizontal mirror.</param>
/// <param name="Translate">Pixels of the two diagonal shifts (up-left and down-right, reflect padding) added as views;
/// 0: none.</param>
public sealed record TestTimeAugmentationSpec(bool Flip, int Translate);
