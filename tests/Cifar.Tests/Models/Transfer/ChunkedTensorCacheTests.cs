using System.Diagnostics;
using Cifar.Models.Transfer;
using Cifar.Tests.Infra;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

/// <summary>
/// The chunked cache under interruption and sharing (issue 12: a kill during extraction loses at most the chunk in
/// flight; issue 13: workers sharing a cache folder split an extraction).
/// </summary>
public sealed class ChunkedTensorCacheTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Row r of the reference computation: r * 10 + column, so every row is recognisable.</summary>
    private static Tensor Rows(long first, int count) =>
        arange(first, first + count, dtype: ScalarType.Float32).unsqueeze(1).mul(10).add(arange(3, dtype: ScalarType.Float32));

    private ChunkedTensorCache Cache(int rows = 10, int chunkRows = 2, ScalarType stored = ScalarType.Float32) =>
        new(_temp.Path, "fake|key", rows, [3], stored, chunkRows);

    private sealed class RecordingProgress : IExtractionProgress
    {
        public List<string> Events { get; } = [];

        public void Begin(string description, long totalImages) => Events.Add($"begin {description} {totalImages}");

        public void Report(long imagesDone) => Events.Add($"{imagesDone}");

        public void Finish() => Events.Add("finish");

        public void Resumed(string description, int cachedChunks, int chunks) => Events.Add($"resumed: {cachedChunks} of {chunks} chunks cached");
    }

    [TorchFact]
    public void A_cancelled_extraction_keeps_its_finished_chunks_and_the_rerun_extracts_only_the_rest()
    {
        using var cancel = new CancellationTokenSource();
        var computed = new List<long>();
        Tensor CancelAfterTwo(long first, int count)
        {
            if (computed.Count == 2) cancel.Cancel();
            cancel.Token.ThrowIfCancellationRequested();
            computed.Add(first);
            return Rows(first, count);
        }

        Assert.Throws<OperationCanceledException>(() => Cache().Fill(CancelAfterTwo, cancellationToken: cancel.Token));
        Assert.Equal([0, 2], computed);
        Assert.False(Cache().IsComplete);

        computed.Clear();
        var progress = new RecordingProgress();
        var fill = FeatureExtraction.Fill(Cache(), (first, count, _) =>
        {
            computed.Add(first);
            return Rows(first, count);
        }, "train features", progress, null, CancellationToken.None);

        Assert.Equal([4, 6, 8], computed);
        Assert.Equal(new ChunkFill(5, 2, 3), fill);
        Assert.Equal(["resumed: 2 of 5 chunks cached", "begin train features 6", "finish"], progress.Events);
        using var all = Cache().LoadAll();
        using var expected = Rows(0, 10);
        Assert.True(all.equal(expected).all().item<bool>(), "the resumed rows equal an uninterrupted extraction's");
        Assert.DoesNotContain(Directory.EnumerateFiles(Cache().Folder), f => f.EndsWith(".lock", StringComparison.Ordinal) || f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [TorchFact]
    public void A_complete_entry_is_read_without_computing_anything()
    {
        Cache().Fill(Rows);
        var fill = Cache().Fill((_, _) => throw new InvalidOperationException("nothing to compute"));

        Assert.Equal(new ChunkFill(5, 5, 0), fill);
        Assert.True(Cache().IsComplete);
    }

    [TorchFact]
    public void A_shard_takes_its_own_chunks_first_then_the_rest()
    {
        Assert.Equal([1, 3, 0, 2, 4], new ExtractionShard(1, 2).Order(5));
        Assert.Equal([0, 1, 2], ExtractionShard.Whole.Order(3));
        Assert.Equal(new ExtractionShard(2, 4), ExtractionShard.Parse("2/4"));
        foreach (var bad in new[] { "4/4", "1", "-1/2", "a/b", "1/0" })
        {
            var error = Assert.Throws<CifarUserException>(() => ExtractionShard.Parse(bad));
            Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
            Assert.Contains($"'{bad}'", error.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Two workers on one folder (as two processes on a shared file system would be): every chunk is computed
    /// once, each worker starts with its shard, and both end with the same complete rows.</summary>
    [TorchFact]
    public async Task Two_workers_sharing_a_folder_split_the_chunks_and_compute_each_once()
    {
        var computedBy = new System.Collections.Concurrent.ConcurrentDictionary<long, int>();
        using var bothStarted = new CountdownEvent(2);
        ChunkFill Worker(int index)
        {
            var firstChunk = true;
            return Cache(rows: 16, chunkRows: 2).Fill((first, count) =>
            {
                if (firstChunk)
                {
                    // Both hold their first claim before either goes on, as two processes started together would.
                    firstChunk = false;
                    bothStarted.Signal();
                    bothStarted.Wait(TimeSpan.FromSeconds(10));
                }
                Assert.True(computedBy.TryAdd(first, index), $"chunk at row {first} computed twice");
                Thread.Sleep(50);
                return Rows(first, count);
            }, new ExtractionShard(index, 2));
        }

        var fills = await Task.WhenAll(Task.Run(() => Worker(0)), Task.Run(() => Worker(1)));

        Assert.Equal(8, fills.Sum(f => f.ExtractedHere));
        Assert.All(fills, f => Assert.True(f.ExtractedHere >= 2, $"each worker extracted a share ({f.ExtractedHere} of 8)"));
        Assert.Equal(0, computedBy[0]);
        Assert.Equal(1, computedBy[2]);
        using var all = Cache(rows: 16, chunkRows: 2).LoadAll();
        using var expected = Rows(0, 16);
        Assert.True(all.equal(expected).all().item<bool>());
    }

    /// <summary>A lock left by a killed process on this host is taken over at once; one held by a live process is waited for.</summary>
    [TorchFact]
    public async Task A_killed_workers_lock_is_taken_over_and_a_live_ones_is_waited_for()
    {
        var cache = Cache(rows: 4, chunkRows: 2);
        Directory.CreateDirectory(cache.Folder);
        using (var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            gone.WaitForExit();
            File.WriteAllText(Path.Combine(cache.Folder, "chunk-00000.lock"), $"{Environment.MachineName}\n{gone.Id}\n{DateTime.UtcNow.Ticks}\n");
        }
        using var self = Process.GetCurrentProcess();
        var liveLock = Path.Combine(cache.Folder, "chunk-00001.lock");
        File.WriteAllText(liveLock, $"{Environment.MachineName}\n{self.Id}\n{self.StartTime.ToUniversalTime().Ticks}\n");
        var computed = new List<long>();

        // The live "holder" is this very process: the fill waits while the lock is there; a worker that gives a chunk
        // up (or finishes it) deletes its lock, which this does after a second.
        var clock = Stopwatch.StartNew();
        var releaser = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            File.Delete(liveLock);
        });
        var fill = cache.Fill((first, count) =>
        {
            lock (computed) computed.Add(first);
            return Rows(first, count);
        });
        await releaser;

        Assert.Equal([0, 2], computed);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), "waited for the live lock");
        Assert.True(cache.IsComplete);
        Assert.Equal(0, fill.CachedBefore);
    }

    [TorchFact]
    public void A_chunk_changed_on_disk_fails_its_checksum_and_is_computed_again()
    {
        var cache = Cache();
        cache.Fill(Rows);
        var path = cache.ChunkPath(3);
        var bytes = File.ReadAllBytes(path);
        bytes[^20] ^= 0x40; // inside the rows
        File.WriteAllBytes(path, bytes);

        Assert.Throws<InvalidDataException>(cache.LoadAll);
        var computed = new List<long>();
        using var all = FeatureExtraction.FillAndLoad(cache, (first, count, _) =>
        {
            computed.Add(first);
            return Rows(first, count);
        }, "rows", null, null, CancellationToken.None);

        Assert.Equal([6], computed);
        using var expected = Rows(0, 10);
        Assert.True(all.equal(expected).all().item<bool>());
    }

    [TorchFact]
    public void Float16_rows_read_back_as_float32_within_half_precision_and_by_index()
    {
        var cache = Cache(stored: ScalarType.Float16);
        using var values = randn(10, 3, generator: new Generator(3)).mul(50);
        cache.Fill((first, count) => values.narrow(0, first, count).clone());
        Assert.Equal(10 * 3 * 2, cache.DataBytes);

        using var reader = cache.OpenReader();
        using var scope = NewDisposeScope();
        var picked = reader.Read([7, 0, 7, 3]);

        Assert.Equal(ScalarType.Float32, picked.dtype);
        var expected = values.index_select(0, tensor(new long[] { 7, 0, 7, 3 }));
        Assert.True(picked.allclose(expected, rtol: 1e-3, atol: 1e-3), "float16 keeps 11 significant bits");
        Assert.True(picked.equal(expected.to_type(ScalarType.Float16).to_type(ScalarType.Float32)).all().item<bool>(), "exactly float16's rounding");
        var range = reader.ReadRange(2, 3);
        Assert.True(range.equal(values.narrow(0, 2, 3).to_type(ScalarType.Float16).to_type(ScalarType.Float32)).all().item<bool>());
    }
}
