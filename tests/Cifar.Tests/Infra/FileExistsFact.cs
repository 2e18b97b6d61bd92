namespace Cifar.Tests.Infra;

/// <summary>A fact that needs a file this machine may lack (e.g. Linux's <c>/dev/full</c>): skips, with the reason, without it.</summary>
public sealed class FileExistsFactAttribute : FactAttribute
{
    public FileExistsFactAttribute(string path)
    {
        if (!File.Exists(path)) Skip = $"needs {path}, which this machine does not have";
    }
}
