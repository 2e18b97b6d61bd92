using Cifar.Specs;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>Keras optimizers from the spec, as PyTorch optimizers over the parameters that require gradients.</summary>
public static class Optimizers
{
    /// <summary>
    /// Adam, SGD or AdamW over <paramref name="parameters"/>' trainable members (a frozen base is left alone), as
    /// TorchSharp computes them, with every Scalar kept alive across its native call (<see cref="HeldScalars"/>).
    /// <list type="bullet">
    /// <item>Adam: Keras adds epsilon to sqrt(v) before bias correction, PyTorch to sqrt(v_hat) after it, so Keras'
    /// epsilon equals PyTorch's eps * sqrt(1 - beta_2^t): about 32x smaller at step 1 for beta_2 0.999, the same in the
    /// limit. At 1e-7 against gradients of ~1e-3 this does not change training measurably; the value is passed as is.</item>
    /// <item>SGD: Keras' v = momentum * v - lr * g and PyTorch's b = momentum * b + g, w -= lr * b are the same update at a
    /// constant learning rate (also with nesterov). weight_decay is PyTorch's (an L2 term added to the gradient, as
    /// airbench uses it); Keras 3 decays the weights directly, which is the same without momentum.</item>
    /// <item>AdamW: decoupled weight decay (Loshchilov and Hutter, 2019), as both Keras and PyTorch define it.</item>
    /// </list>
    /// </summary>
    /// <exception cref="InvalidOperationException">No parameter requires gradients.</exception>
    public static OptimizerHelper Create(OptimizerSpec spec, IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(parameters);
        var trainable = parameters.Where(p => p.requires_grad).ToList();
        if (trainable.Count == 0)
            throw new InvalidOperationException("The model has no trainable parameters; every layer is frozen.");
        return spec.Type switch
        {
            OptimizerType.Adam => new HeldScalars.Adam(trainable, spec.LearningRate, spec.Beta1, spec.Beta2, spec.Epsilon),
            OptimizerType.Sgd => new HeldScalars.SGD(trainable, spec.LearningRate, spec.Momentum, spec.WeightDecay, spec.Nesterov),
            OptimizerType.AdamW => new HeldScalars.AdamW(trainable, spec.LearningRate, spec.Beta1, spec.Beta2, spec.Epsilon, spec.WeightDecay),
            _ => throw new NotSupportedException($"Optimizer '{spec.Type}' is not supported."),
        };
    }
}
