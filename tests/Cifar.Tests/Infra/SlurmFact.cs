namespace Cifar.Tests.Infra;

/// <summary>
/// A fact that starts a real one-node Slurm (benchmarks/slurm/local-slurm.sh) and runs a sweep on it for a minute or
/// two. It runs only when <see cref="Variable"/> is 1, so the main test run stays quick and never starts daemons by
/// surprise; <c>.ci/run</c> installs Debian's slurm-wlm and munge and runs it in its own step after the tests. Skips,
/// with the reason, without the variable, the programs, or root (slurmd must be root to run jobs as their user).
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public const string Variable = "CIFAR_SLURM_E2E";

    private static readonly string[] Programs = ["munged", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scontrol"];

    public SlurmFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
            Skip = $"starts a one-node Slurm and runs a sweep on it for minutes: set {Variable}=1 (.ci/run does, in its own step)";
        else if (Programs.FirstOrDefault(p => !OnPath(p)) is { } missing)
            Skip = $"needs {missing}: Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge; .ci/run installs them)";
        else if (Environment.UserName != "root")
            Skip = "needs root: the one-node Slurm's slurmd runs each job as its user";
    }

    private static bool OnPath(string program) =>
        File.Exists(Path.Combine("/usr/sbin", program))
        || (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));
}
