using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cifar.Training.HeldScalars;

// Why these exist: TorchSharp 0.107's optimizers pass implicit Scalars to native code, e.g.
// `exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1)`. The temporary Scalar is unreachable once its handle is read, so a
// garbage collection started by another thread during the native call can run its finalizer, which frees the native
// scalar while libtorch reads it: libtorch then fails with "Unknown scalar type" (seen once in a full test suite run,
// where tests allocate in parallel) or reads garbage. A stress run (HeldScalarOptimizerTests' small model trained for
// 3,000 steps while another thread looped GC.Collect and GC.WaitForPendingFinalizers; 2026-11-30, a loaded 2-core
// machine, not kept as a test because its outcome is a matter of chance) failed after 1.5 min with TorchSharp's Adam
// and after 20 min with this one: fewer unheld Scalars, not proof that no other unheld native object remains on the way
// (TorchSharp's own modules and operators create some). Each class below is TorchSharp's step, operation for operation
// in the same order (so the weights are bit-for-bit the same), with every Scalar held by a `using` until the call has
// returned. The classes keep TorchSharp's simple names because `save_state_dict` writes `GetType().Name` and
// `load_state_dict` checks it: a checkpoint written by TorchSharp's Adam loads into this one and the other way round.

/// <summary>TorchSharp's Adam, with its Scalars held across native calls and its denominator in one reused buffer.</summary>
/// <remarks>
/// TorchSharp computes the denominator as <c>(sqrt(v) / sqrt(bias_correction2)).add_(eps)</c>: two fresh tensors the
/// size of each parameter, all kept until the end of the step (for a fine-tuned ResNet18 layer4, 2 x 52 MB of new
/// pages every step). Here the same element-wise operations run in place in one scratch buffer as large as the largest
/// parameter, so the result is identical and the step allocates nothing.
/// </remarks>
public sealed class Adam : TorchSharp.Modules.Adam
{
    private readonly ScratchBuffer _scratch = new();

    public Adam(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps, double weightDecay = 0, bool amsgrad = false)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad) { }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        var (beta1, beta2, eps, lr) = (options.beta1!.Value, options.beta2!.Value, options.eps!.Value, options.LearningRate!.Value);
        var weightDecay = options.weight_decay!.Value;
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null) continue;
            if (options.maximize!.Value) grad = -grad;
            state.step += 1;
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            if (weightDecay != 0)
            {
                using var decay = weightDecay.ToScalar();
                grad = grad.add(param, decay);
            }
            var amsgrad = options.amsgrad!.Value;
            var runningMax = Update(param, grad, state.exp_avg, state.exp_avg_sq, amsgrad ? state.max_exp_avg_sq : null,
                (beta1, beta2, eps, lr), biasCorrection1, biasCorrection2, _scratch);
            if (amsgrad) state.max_exp_avg_sq = runningMax;
        }
    }, closure);

    protected override void Dispose(bool disposing)
    {
        _scratch.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>
    /// The update Adam and AdamW share once the gradient is final: the moving averages, AMSGrad's running maximum
    /// when <paramref name="maxExpAvgSq"/> is given (returned, replacing it), the denominator and the step.
    /// </summary>
    internal static Tensor? Update(Parameter param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq,
        (double Beta1, double Beta2, double Eps, double Lr) options, double biasCorrection1, double biasCorrection2, ScratchBuffer scratch)
    {
        MovingAverages(expAvg, expAvgSq, grad, options.Beta1, options.Beta2);
        var secondMoment = expAvgSq;
        if (maxExpAvgSq is not null)
        {
            var previous = maxExpAvgSq;
            maxExpAvgSq = maximum(previous, expAvgSq).DetachFromDisposeScope();
            previous.Dispose();
            secondMoment = maxExpAvgSq;
        }
        using var denominator = Denominator(scratch, secondMoment, biasCorrection2, options.Eps);
        using var stepSize = (-(options.Lr / biasCorrection1)).ToScalar();
        param.addcdiv_(expAvg, denominator, stepSize);
        return maxExpAvgSq;
    }

    /// <summary>m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g g (TorchSharp's order of operations).</summary>
    private static void MovingAverages(Tensor expAvg, Tensor expAvgSq, Tensor grad, double beta1, double beta2)
    {
        using var b1 = beta1.ToScalar();
        using var oneMinusB1 = (1 - beta1).ToScalar();
        using var b2 = beta2.ToScalar();
        using var oneMinusB2 = (1 - beta2).ToScalar();
        expAvg.mul_(b1).add_(grad, oneMinusB1);
        expAvgSq.mul_(b2).addcmul_(grad, grad, oneMinusB2);
    }

    /// <summary>sqrt(v) / sqrt(bias_correction2) + eps in <paramref name="scratch"/>: the caller disposes the view.</summary>
    private static Tensor Denominator(ScratchBuffer scratch, Tensor secondMoment, double biasCorrection2, double eps)
    {
        using var correction = Math.Sqrt(biasCorrection2).ToScalar();
        using var epsilon = eps.ToScalar();
        var denominator = scratch.ViewLike(secondMoment);
        denominator.copy_(secondMoment).sqrt_().div_(correction).add_(epsilon);
        return denominator;
    }
}

/// <summary>TorchSharp's AdamW (decoupled weight decay), with its Scalars held and its denominator in one reused buffer.</summary>
public sealed class AdamW : TorchSharp.Modules.AdamW
{
    private readonly ScratchBuffer _scratch = new();

    public AdamW(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad = false)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad) { }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        var (beta1, beta2, eps, lr) = (options.beta1!.Value, options.beta2!.Value, options.eps!.Value, options.LearningRate!.Value);
        var weightDecay = options.weight_decay!.Value;
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null) continue;
            if (options.maximize!.Value) grad = -grad;
            state.step += 1;
            using (var decay = (1 - lr * weightDecay).ToScalar()) param.mul_(decay);
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            var amsgrad = options.amsgrad!.Value;
            var runningMax = Adam.Update(param, grad, state.exp_avg, state.exp_avg_sq, amsgrad ? state.max_exp_avg_sq : null,
                (beta1, beta2, eps, lr), biasCorrection1, biasCorrection2, _scratch);
            if (amsgrad) state.max_exp_avg_sq = runningMax;
        }
    }, closure);

    protected override void Dispose(bool disposing)
    {
        _scratch.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>TorchSharp's SGD (momentum, dampening, Nesterov, L2 weight decay), with its Scalars held across native calls.</summary>
public sealed class SGD : TorchSharp.Modules.SGD
{
    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum, double weightDecay, bool nesterov)
        : base(parameters, lr, momentum, weight_decay: weightDecay, nesterov: nesterov) { }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        var (momentum, dampening, weightDecay) = (options.momentum!.Value, options.dampening!.Value, options.weight_decay!.Value);
        var lr = options.LearningRate!.Value;
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null) continue;
            if (weightDecay != 0)
            {
                using var decay = weightDecay.ToScalar();
                grad = grad.add(param, decay);
            }
            if (momentum != 0)
            {
                var buffer = state.momentum_buffer;
                if (buffer is null)
                {
                    buffer = grad.clone().detach().DetachFromDisposeScope();
                }
                else
                {
                    using var m = momentum.ToScalar();
                    using var oneMinusDampening = (1 - dampening).ToScalar();
                    buffer.mul_(m).add_(grad, oneMinusDampening);
                }
                if (options.nesterov!.Value)
                {
                    using var m = momentum.ToScalar();
                    grad = grad.add(buffer, m);
                }
                else
                {
                    grad = buffer;
                }
                state.momentum_buffer = buffer;
            }
            using var alpha = (options.maximize!.Value ? lr : -lr).ToScalar();
            param.add_(grad, alpha);
        }
    }, closure);
}

/// <summary>One tensor, grown to the largest request, lent out as views shaped like another tensor.</summary>
public sealed class ScratchBuffer : IDisposable
{
    private Tensor? _buffer;

    /// <summary>A view of the first numel(<paramref name="like"/>) elements with its shape, dtype and device.</summary>
    public Tensor ViewLike(Tensor like)
    {
        var count = like.numel();
        if (_buffer is null || _buffer.numel() < count || _buffer.dtype != like.dtype || _buffer.device_type != like.device_type)
        {
            _buffer?.Dispose();
            _buffer = empty(count, like.dtype, like.device).DetachFromDisposeScope();
        }
        return _buffer.narrow(0, 0, count).view(like.shape);
    }

    public void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
    }
}
