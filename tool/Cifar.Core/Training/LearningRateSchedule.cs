using Cifar.Specs;

namespace Cifar.Training;

/// <summary>The learning rate of each optimizer step under a <see cref="LearningRateScheduleSpec"/>.</summary>
/// <remarks>Per step, not per epoch, as Keras' LearningRateSchedule and airbench do: with 700 steps an epoch, a
/// per-epoch staircase would waste the first steps of warm-up and the last of decay.</remarks>
public static class LearningRateSchedule
{
    /// <summary>
    /// The factor of the base learning rate at optimizer step <paramref name="step"/> (0-based) of a fit of
    /// <paramref name="epochs"/> epochs of <paramref name="stepsPerEpoch"/> steps. Warm-up rises linearly to 1 and
    /// reaches it at its last step; decay runs over the steps after warm-up, from 1 at its first step towards the
    /// type's end (reached after the last step, as Keras' CosineDecay(decay_steps) does).
    /// </summary>
    public static double Factor(LearningRateScheduleSpec spec, long step, long stepsPerEpoch, int epochs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerEpoch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        var total = stepsPerEpoch * epochs;
        if (spec.Type == LearningRateScheduleType.OneCycle) return OneCycle(spec, Math.Min(step, total - 1), total);

        var warmup = Math.Min((long)Math.Round(spec.WarmupEpochs * stepsPerEpoch), total - 1);
        if (step < warmup) return (step + 1) / (double)warmup;
        var decayStep = step - warmup;
        var t = Math.Min(1.0, decayStep / (double)(total - warmup));
        return spec.Type switch
        {
            LearningRateScheduleType.Constant => 1,
            LearningRateScheduleType.Step => Math.Pow(spec.DecayRate, Math.Floor(decayStep / (double)(spec.DecayEpochs * stepsPerEpoch))),
            LearningRateScheduleType.Cosine => spec.Alpha + (1 - spec.Alpha) * 0.5 * (1 + Math.Cos(Math.PI * t)),
            LearningRateScheduleType.Linear => 1 - (1 - spec.EndFactor) * t,
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Type, "Unknown learning rate schedule."),
        };
    }

    /// <summary>PyTorch's OneCycleLR (two phases, cosine annealing): from 1/div_factor up to 1 over pct_start of the
    /// steps, then down to 1/(div_factor * final_div_factor) at the last step.</summary>
    private static double OneCycle(LearningRateScheduleSpec spec, long step, long total)
    {
        var start = 1 / spec.DivFactor;
        var end = start / spec.FinalDivFactor;
        var peak = spec.PctStart * total - 1;
        static double Anneal(double from, double to, double pct) => to + (from - to) / 2 * (1 + Math.Cos(Math.PI * pct));
        if (step <= peak) return peak <= 0 ? 1 : Anneal(start, 1, step / peak);
        var last = total - 1;
        return last <= peak ? end : Anneal(1, end, (step - peak) / (last - peak));
    }
}
