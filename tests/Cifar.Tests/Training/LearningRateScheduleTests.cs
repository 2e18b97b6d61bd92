using Cifar.Specs;
using Cifar.Training;

namespace Cifar.Tests.Training;

public class LearningRateScheduleTests
{
    private static double[] Factors(LearningRateScheduleSpec spec, int stepsPerEpoch = 10, int epochs = 10) =>
        [.. Enumerable.Range(0, stepsPerEpoch * epochs).Select(s => LearningRateSchedule.Factor(spec, s, stepsPerEpoch, epochs))];

    [Fact]
    public void Warm_up_rises_linearly_to_the_full_rate_then_constant_stays()
    {
        var f = Factors(new(LearningRateScheduleType.Constant, WarmupEpochs: 2));
        Assert.Equal(0.05, f[0], 12);
        Assert.Equal(0.5, f[9], 12);
        Assert.Equal(1, f[19], 12);
        Assert.All(f[19..], x => Assert.Equal(1, x));
    }

    [Fact]
    public void Step_decays_by_the_rate_every_decay_epochs()
    {
        var f = Factors(new(LearningRateScheduleType.Step, DecayEpochs: 3, DecayRate: 0.5));
        Assert.Equal(1, f[29]);
        Assert.Equal(0.5, f[30]);
        Assert.Equal(0.25, f[60]);
        Assert.Equal(0.125, f[99]);
    }

    [Fact]
    public void Cosine_and_linear_fall_from_1_towards_their_end_after_warm_up()
    {
        var cosine = Factors(new(LearningRateScheduleType.Cosine, WarmupEpochs: 1, Alpha: 0.1));
        Assert.Equal(1, cosine[10], 12);
        Assert.Equal(0.1 + 0.9 * 0.5, cosine[55], 12); // half-way through the 90 decay steps
        Assert.True(cosine[99] > 0.1 && cosine[99] < 0.11);
        var linear = Factors(new(LearningRateScheduleType.Linear, EndFactor: 0));
        Assert.Equal(1, linear[0]);
        Assert.Equal(0.5, linear[50], 12);
        Assert.Equal(0.01, linear[99], 12);
        Assert.True(cosine.Skip(10).Zip(cosine.Skip(11)).All(p => p.First >= p.Second), "cosine never rises after warm-up");
    }

    [Fact]
    public void One_cycle_rises_from_lr_over_div_factor_to_lr_then_falls_to_its_final_divisor()
    {
        var f = Factors(new(LearningRateScheduleType.OneCycle, PctStart: 0.3, DivFactor: 25, FinalDivFactor: 1e4));
        Assert.Equal(1 / 25.0, f[0], 12);
        Assert.Equal(1, f.Max(), 12);
        Assert.InRange(Array.IndexOf(f, f.Max()), 28, 30);
        Assert.Equal(1 / 25.0 / 1e4, f[99], 12);
    }
}
