using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Cifar.Tests.Infra;

/// <summary>What a finished run of the tool left: its exit code and everything it printed.</summary>
public sealed record ToolResult(int ExitCode, string Output, string Error)
{
    /// <summary>Standard error, one entry per line, without the final empty one.</summary>
    public IReadOnlyList<string> ErrorLines => Error.ReplaceLineEndings("\n").TrimEnd('\n') is { Length: > 0 } text ? text.Split('\n') : [];

    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

/// <summary>
/// The built tool (the <c>dotnet-cifar.dll</c> the test project references) run as a child process, as a user runs
/// it: real <c>Main</c>, real console, real exit code and real signals. The environment is the test's, minus the
/// variables that would point the tool at real data, with <c>NO_COLOR=1</c> so progress comes as plain lines.
/// </summary>
public sealed class ToolProcess : IDisposable
{
    private static readonly string[] Isolated = ["CIFAR10_URL", "CIFAR_WEIGHTS_URL", "CIFAR_CACHE_DIR"];

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly List<string> _outputLines = [];
    private bool _outputClosed;

    private ToolProcess(Process process) => _process = process;

    private const string EnvPath = "/usr/bin/env";

    /// <summary>Whether coreutils' <c>env --default-signal</c> (8.31 and later) is here to launch the tool with.</summary>
    public static bool CanResetSignals { get; } = ProbeSignalReset();

    private static bool ProbeSignalReset()
    {
        if (OperatingSystem.IsWindows() || !File.Exists(EnvPath)) return false;
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(EnvPath, ["--default-signal=INT,TERM", "true"])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
            });
            if (probe is null) return false;
            probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Starts <c>dotnet-cifar ARGS</c> in <paramref name="workingDirectory"/>.</summary>
    /// <param name="environment">Variables to set (a null value removes one).</param>
    public static ToolProcess Start(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args) =>
        Start(workingDirectory, environment, null, args);

    /// <summary>As <see cref="Start"/>, with standard output sent to <paramref name="standardOutputPath"/> (e.g.
    /// <c>/dev/full</c>) by <c>/bin/sh</c>'s redirection.</summary>
    public static ToolProcess StartWithOutputTo(string standardOutputPath, string workingDirectory, params string[] args) =>
        Start(workingDirectory, null, standardOutputPath, args);

    private static ToolProcess Start(
        string workingDirectory, IReadOnlyDictionary<string, string?>? environment, string? standardOutputPath, string[] args)
    {
        string tool = typeof(global::Cifar.Cli.ExitCode).Assembly.Location;
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string program = standardOutputPath is null ? dotnet : "/bin/sh";
        var start = new ProcessStartInfo(CanResetSignals ? EnvPath : program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (CanResetSignals)
        {
            // A child inherits ignored signals (a job started with & in a non-interactive shell ignores SIGINT, and so
            // would the tool); coreutils' env puts SIGINT and SIGTERM back to their defaults before starting it.
            start.ArgumentList.Add("--default-signal=INT,TERM");
            start.ArgumentList.Add(program);
        }
        if (standardOutputPath is not null)
        {
            // sh -c 'exec "$0" "$@" > FILE' dotnet TOOL ARGS...: the tool itself, its output to the file.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec \"$0\" \"$@\" > \"$CIFAR_TEST_STDOUT\"");
            start.ArgumentList.Add(dotnet);
            start.Environment["CIFAR_TEST_STDOUT"] = standardOutputPath;
        }
        start.ArgumentList.Add(tool);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var name in Isolated) start.Environment.Remove(name);
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var child = new ToolProcess(process);
        process.OutputDataReceived += (_, e) => child.Received(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => child.Received(e.Data, isError: true);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs the tool to the end (at most <paramref name="timeout"/>, default two minutes).</summary>
    public static ToolResult Run(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, TimeSpan? timeout, params string[] args)
    {
        using var tool = Start(workingDirectory, environment, args);
        return tool.WaitForExit(timeout ?? TimeSpan.FromMinutes(2));
    }

    /// <summary>Waits until the tool prints a line of standard output that <paramref name="match"/> accepts.</summary>
    /// <exception cref="TimeoutException">No such line in time, or the tool ended without one.</exception>
    public string WaitForOutputLine(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        lock (_outputLines)
        {
            while (true)
            {
                if (_outputLines.FirstOrDefault(match) is { } line) return line;
                var left = timeout - deadline.Elapsed;
                if (left <= TimeSpan.Zero || (_process.HasExited && _outputClosed))
                    throw new TimeoutException($"no matching line after {deadline.Elapsed.TotalSeconds:F0} s; {Snapshot()}");
                Monitor.Wait(_outputLines, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the tool, as Ctrl+C (SIGINT) or a service manager (SIGTERM) does.</summary>
    public void Send(PosixSignal signal)
    {
        int number = signal switch
        {
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "SIGINT or SIGTERM"),
        };
        if (NativeMethods.kill(_process.Id, number) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {number}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Kills the tool with SIGKILL (<c>kill -9</c>: no handler runs, nothing is cleaned up) and waits for it to be gone.</summary>
    public ToolResult KillHard()
    {
        _process.Kill(); // SIGKILL on Unix
        _process.WaitForExit();
        lock (_outputLines) return new ToolResult(_process.ExitCode, _output.ToString(), _error.ToString());
    }

    /// <summary>Whether a line of standard output so far matches <paramref name="match"/>.</summary>
    public bool HasPrinted(Func<string, bool> match)
    {
        lock (_outputLines) return _outputLines.Any(match);
    }

    /// <summary>Waits for the tool to end and returns what it did; kills it if it outlives <paramref name="timeout"/>.</summary>
    public ToolResult WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            throw new TimeoutException($"the tool did not end within {timeout.TotalSeconds:F0} s; {Snapshot()}");
        }
        _process.WaitForExit(); // drains the asynchronous readers
        lock (_outputLines) return new ToolResult(_process.ExitCode, _output.ToString(), _error.ToString());
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        _process.Dispose();
    }

    private void Received(string? line, bool isError)
    {
        lock (_outputLines)
        {
            if (line is null)
            {
                if (!isError) _outputClosed = true;
            }
            else if (isError)
            {
                _error.Append(line).Append('\n');
            }
            else
            {
                _output.Append(line).Append('\n');
                _outputLines.Add(line);
            }
            Monitor.PulseAll(_outputLines);
        }
    }

    private string Snapshot() => $"stdout so far:\n{_output}\nstderr so far:\n{_error}";

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA1401, SYSLIB1054 // a test's one call to kill(2); no marshalling to generate
        internal static extern int kill(int pid, int signal);
#pragma warning restore CA1401, SYSLIB1054
    }
}
