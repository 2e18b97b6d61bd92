using Cifar.Specs;

namespace Cifar.Tests.Models;

/// <summary>The lab's CNN (TensorFlow's CIFAR-10 tutorial architecture); Keras reports 122,570 parameters on 32x32x3.</summary>
internal static class LabCnn
{
    public static CnnModelSpec Spec { get; } = new(
    [
        new Conv2DLayer(32, 3, 1, Padding.Valid, Activation.Relu),
        new MaxPooling2DLayer(2, null),
        new Conv2DLayer(64, 3, 1, Padding.Valid, Activation.Relu),
        new MaxPooling2DLayer(2, null),
        new Conv2DLayer(64, 3, 1, Padding.Valid, Activation.Relu),
        new FlattenLayer(),
        new DenseLayer(64, Activation.Relu),
        new DenseLayer(10, Activation.Softmax),
    ]);
}
