using System.Diagnostics;
using System.Globalization;
using Cifar.Reports.Formatting;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Training;
using Spectre.Console;

namespace Cifar.Cli;

/// <summary>
/// Shows a run on the console: live progress bars (download size and speed, batches within an epoch) on an
/// interactive terminal; plain, log-friendly lines when output is redirected or NO_COLOR is set. Epoch lines are
/// printed in both cases.
/// </summary>
internal sealed class ConsoleRunObserver : IRunObserver
{
    private readonly ProgressContext? _live;

    private ConsoleRunObserver(ProgressContext? live) => _live = live;

    /// <summary>True when bars can be drawn: a terminal that is not redirected, and colour not turned off.</summary>
    public static bool CanDrawBars =>
        !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> with an observer suited to the console it runs on.</summary>
    public static T Run<T>(Func<IRunObserver, T> work)
    {
        if (!CanDrawBars) return work(new ConsoleRunObserver(null));

        return AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                     new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context => work(new ConsoleRunObserver(context)));
    }

    public void Info(string message)
    {
        if (_live is null) Console.WriteLine(message);
        else AnsiConsole.MarkupLine(Markup.Escape(message));
    }

    /// <summary>On standard error, so a redirected or piped report of the run still shows it.</summary>
    public void Notice(string message) => Console.Error.WriteLine(message);

    public IProgressSink BeginProgress(string description, long? total, ProgressUnit unit) =>
        _live is null ? new PlainSink(description, total, unit) : new BarSink(_live, description, total, unit);

    public void EpochCompleted(string experiment, EpochLog epoch, int plannedEpochs)
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{experiment} epoch {epoch.Epoch}/{plannedEpochs}{(epoch.Phase == "train" ? "" : $" ({epoch.Phase})")}: " +
            $"loss {ReportNumbers.Loss(epoch.Loss)} - accuracy {ReportNumbers.Ratio(epoch.Accuracy)} - val_loss {ReportNumbers.Loss(epoch.ValLoss)} - " +
            $"val_accuracy {ReportNumbers.Ratio(epoch.ValAccuracy)} - {ReportNumbers.Rounded(epoch.Seconds, 1)} s - {ReportNumbers.Rounded(epoch.ImagesPerSecond, 0)} images/s");
        Info(line);
    }

    internal static string Amount(long value, ProgressUnit unit) => unit switch
    {
        ProgressUnit.Bytes => ReportNumbers.Bytes(value),
        ProgressUnit.Images => ReportNumbers.Count(value) + " images",
        _ => ReportNumbers.Count(value) + " batches",
    };

    private static string Rate(long done, TimeSpan elapsed, ProgressUnit unit)
    {
        double perSecond = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        return unit == ProgressUnit.Bytes
            ? ReportNumbers.Bytes(perSecond) + "/s"
            : ReportNumbers.Rounded(perSecond, 0) + (unit == ProgressUnit.Images ? " images/s" : " batches/s");
    }

    private sealed class BarSink(ProgressContext context, string description, long? total, ProgressUnit unit) : IProgressSink
    {
        private readonly ProgressTask _task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total ?? 1));
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long? _total = total;

        public void SetTotal(long? newTotal)
        {
            _total = newTotal;
            _task.MaxValue = Math.Max(1, newTotal ?? 1);
        }

        public void Report(long done)
        {
            if (_total is null) _task.IsIndeterminate = true;
            else _task.Value = done;
            string amount = _total is { } t ? $"{Amount(done, unit)} / {Amount(t, unit)}" : Amount(done, unit);
            _task.Description = Markup.Escape($"{description}  {amount}  {Rate(done, _clock.Elapsed, unit)}");
        }

        public void Dispose()
        {
            _task.Value = _task.MaxValue;
            _task.StopTask();
        }
    }

    /// <summary>Redirected output: a start line, a line every 10% (or every 30 s without a total), an end line.</summary>
    private sealed class PlainSink : IProgressSink
    {
        private readonly string _description;
        private readonly ProgressUnit _unit;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long? _total;
        private long _done;
        private int _lastDecile;
        private TimeSpan _lastLine;

        public PlainSink(string description, long? total, ProgressUnit unit)
        {
            (_description, _total, _unit) = (description, total, unit);
            // An epoch's batches are summarised by the epoch line; a bar's worth of lines would only be noise.
            if (unit != ProgressUnit.Batches) Console.WriteLine($"{description} ...");
        }

        public void SetTotal(long? total) => _total = total;

        public void Report(long done)
        {
            _done = done;
            if (_unit == ProgressUnit.Batches) return;
            if (_total is > 0 and var t)
            {
                int decile = (int)(10 * done / t);
                if (decile <= _lastDecile || decile >= 10) return;
                _lastDecile = decile;
            }
            else if (_clock.Elapsed - _lastLine < TimeSpan.FromSeconds(30))
            {
                return;
            }

            _lastLine = _clock.Elapsed;
            Console.WriteLine($"{_description}: {Amount(done, _unit)}{(_total is { } total ? " / " + Amount(total, _unit) : "")}  {Rate(done, _clock.Elapsed, _unit)}");
        }

        public void Dispose()
        {
            if (_unit == ProgressUnit.Batches) return;
            // A sink also ends when its work fails or is interrupted: say "done" only when it got to the end.
            string outcome = _total is { } total && _done < total ? $"stopped after {Amount(_done, _unit)} of {Amount(total, _unit)}" : $"done, {Amount(_done, _unit)}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{_description}: {outcome} in {ReportNumbers.Rounded(_clock.Elapsed.TotalSeconds, 1)} s ({Rate(_done, _clock.Elapsed, _unit)})"));
        }
    }
}
