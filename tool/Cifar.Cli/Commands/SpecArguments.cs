namespace Cifar.Cli.Commands;

internal static class SpecArguments
{
    /// <summary>
    /// System.CommandLine hands an unknown option such as <c>--ouptut</c> to the variadic spec argument; say what it
    /// is instead of "cannot read --ouptut".
    /// </summary>
    public static string[] Check(string[] paths)
    {
        var unknown = paths.Where(p => p.StartsWith('-') && !File.Exists(p)).ToList();
        if (unknown.Count > 0)
            throw new CifarUserException(UserErrorKind.InvalidInput, unknown.Select(o => $"unknown option '{o}'; see 'dotnet cifar --help'").ToList());
        return paths;
    }
}
