using TorchSharp;

namespace Cifar.Tests.Infra;

/// <summary>
/// A fact that needs libtorch. Skips, with the loader's reason, on a machine where the native library cannot load,
/// instead of failing every test with the same exception. CI runs on machines where it loads, so it still runs there.
/// </summary>
public sealed class TorchFactAttribute : FactAttribute
{
    internal static readonly Lazy<string?> LoadProblem = new(() =>
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            return e.Message;
        }
    });

    public TorchFactAttribute()
    {
        if (LoadProblem.Value is { } problem) Skip = "libtorch does not load here: " + problem;
    }
}

/// <summary>A theory that needs libtorch; skips like <see cref="TorchFactAttribute"/>.</summary>
public sealed class TorchTheoryAttribute : TheoryAttribute
{
    public TorchTheoryAttribute()
    {
        if (TorchFactAttribute.LoadProblem.Value is { } problem) Skip = "libtorch does not load here: " + problem;
    }
}
