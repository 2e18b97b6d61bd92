using System.Diagnostics;
using Cifar.Tests.Infra;
using YamlDotNet.RepresentationModel;

namespace Cifar.Tests.Engines;

/// <summary>
/// The Slurm and Kubernetes files under deploy/ hold together: the array script takes its cell from Slurm's task id,
/// the wrapper sizes the array from the cell list, and the Indexed Job gives each pod its completion index and one
/// shared volume for the cache and the reports.
/// </summary>
public sealed class DeployFilesTests
{
    [Fact]
    public void The_kubernetes_manifest_is_an_indexed_job_over_a_shared_volume()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(RepositoryFiles.PathOf("deploy/kubernetes/sweep-indexed-job.yaml"))) stream.Load(reader);
        var documents = stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
        var claim = documents.Single(d => Scalar(d, "kind") == "PersistentVolumeClaim");
        var job = documents.Single(d => Scalar(d, "kind") == "Job");

        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        var spec = Map(job, "spec");
        Assert.Equal("Indexed", Scalar(spec, "completionMode"));
        Assert.True(int.Parse(Scalar(spec, "completions"), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        var pod = Map(Map(spec, "template"), "spec");
        Assert.Equal("Never", Scalar(pod, "restartPolicy"));
        var container = (YamlMappingNode)((YamlSequenceNode)pod.Children["containers"]).Children.Single();
        var script = string.Join('\n', ((YamlSequenceNode)container.Children["args"]).Children.Select(a => ((YamlScalarNode)a).Value));
        // No --cell: the tool reads JOB_COMPLETION_INDEX, which Kubernetes sets in Indexed mode.
        Assert.Contains("sweep \"${SWEEP_SPEC}\" --output /shared/reports", script, StringComparison.Ordinal);
        Assert.DoesNotContain("--cell", script, StringComparison.Ordinal);
        var env = ((YamlSequenceNode)container.Children["env"]).Children.Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"));
        Assert.Equal("/shared/cache", Scalar(env["CIFAR_CACHE_DIR"], "value"));
        var volume = (YamlMappingNode)((YamlSequenceNode)pod.Children["volumes"]).Children.Single();
        Assert.Equal(Scalar(Map(claim, "metadata"), "name"), Scalar(Map(volume, "persistentVolumeClaim"), "claimName"));
        Assert.Contains("ReadWriteMany", ((YamlSequenceNode)Map(claim, "spec").Children["accessModes"]).Children.Select(m => ((YamlScalarNode)m).Value));
    }

    [Fact]
    public void The_slurm_scripts_are_valid_bash_and_run_one_cell_per_array_task()
    {
        foreach (var script in new[] { "deploy/slurm/sweep-array.sbatch", "deploy/slurm/submit-sweep.sh", "benchmarks/slurm/local-slurm.sh", "benchmarks/slurm/sweep-on-slurm.sh" })
        {
            var start = new ProcessStartInfo("bash", ["-n", RepositoryFiles.PathOf(script)]) { RedirectStandardError = true, UseShellExecute = false };
            using var bash = Process.Start(start)!;
            var error = bash.StandardError.ReadToEnd();
            bash.WaitForExit();
            Assert.True(bash.ExitCode == 0, $"{script}: {error}");
        }
        var batch = File.ReadAllText(RepositoryFiles.PathOf("deploy/slurm/sweep-array.sbatch"));
        Assert.Contains("SLURM_ARRAY_TASK_ID", batch, StringComparison.Ordinal);
        Assert.DoesNotContain("--cell", batch, StringComparison.Ordinal);
        var submit = File.ReadAllText(RepositoryFiles.PathOf("deploy/slurm/submit-sweep.sh"));
        Assert.Contains("--array=\"0-$((count - 1))\"", submit, StringComparison.Ordinal);
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;
}
