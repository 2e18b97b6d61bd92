using System.Globalization;
using System.Runtime.InteropServices;
using Cifar.Reproducibility;
using Cifar.Running;
using Cifar.Tests.Infra;
using Cifar.Training;

namespace Cifar.Tests.Running;

/// <summary>
/// The fine-tuning callback that hands freed native memory back to the OS: it must still bound resident memory, but only
/// trim once memory has grown, because every trim makes the next batch fault the trimmed pages in again.
/// </summary>
public class NativeHeapTrimTests
{
    private static readonly BatchLogs Logs = new(0, 0, 0);

    [Fact]
    public void Trims_only_after_resident_memory_has_grown_by_the_threshold_since_the_last_trim()
    {
        const long MiB = 1L << 20;
        long resident = 900 * MiB;
        var trimmedAt = new List<int>();
        var batch = 0;
        var trim = new NativeHeapTrim(256 * MiB, () => resident, () =>
        {
            trimmedAt.Add(batch);
            resident = 1000 * MiB; // what the trim gave back leaves more than the first baseline
        });

        // 25 MB a batch, as fine-tuning grew without trimming: the first batch is the baseline, the 11th has grown 250 MiB, the 12th 275.
        for (batch = 1; batch <= 12; batch++)
        {
            trim.OnBatchEnd(null!, batch, 30, Logs);
            resident += 25 * MiB;
        }
        Assert.Equal(12, Assert.Single(trimmedAt));

        // The baseline is now what was resident after that trim: flat memory never trims again.
        for (; batch <= 30; batch++) trim.OnBatchEnd(null!, batch, 30, Logs);
        Assert.Single(trimmedAt);
        Assert.Equal(1, trim.Trims);
    }

    [Fact]
    public void Trims_every_batch_where_resident_memory_cannot_be_read()
    {
        var trims = 0;
        var trim = new NativeHeapTrim(residentBytes: () => null, trim: () => trims++);
        for (var batch = 1; batch <= 5; batch++) trim.OnBatchEnd(null!, batch, 5, Logs);
        Assert.Equal(5, trims);
    }

    /// <summary>The real thing: freed heap memory past the threshold goes back to the OS.</summary>
    [GlibcFact]
    public void A_trim_after_growth_hands_freed_heap_memory_back_to_the_os()
    {
        // The decision reads a reported size (other tests in this process allocate and free at the same time, so the
        // process's own growth is not the test's to control); the trim itself is the real one.
        long reported = 0;
        var trim = new NativeHeapTrim(growthBeforeTrim: 32L << 20, residentBytes: () => reported);
        trim.OnBatchEnd(null!, 1, 2, Logs); // the baseline
        var kept = FragmentedHeap();
        try
        {
            reported = 64L << 20;
            var before = NativeHeap.ResidentBytes()!.Value;
            trim.OnBatchEnd(null!, 2, 2, Logs);
            var after = NativeHeap.ResidentBytes()!.Value;
            Assert.Equal(1, trim.Trims);
            Assert.True(before - after >= FreedBytes / 2,
                string.Create(CultureInfo.InvariantCulture, $"resident memory fell by {(before - after) / 1048576.0:F1} MiB of {FreedBytes / 1048576} MiB freed"));
        }
        finally
        {
            foreach (var block in kept) Marshal.FreeHGlobal(block);
        }
    }

    [Fact]
    public void Resident_memory_is_known_on_linux()
    {
        var resident = NativeHeap.ResidentBytes();
        if (OperatingSystem.IsLinux()) Assert.InRange(resident!.Value, 1L << 20, long.MaxValue);
        else Assert.Null(resident);
    }

    private const int BlockBytes = 16 * 1024; // below glibc's mmap threshold, so from the heap
    private const int Blocks = 4096;          // 64 MiB
    private const long FreedBytes = Blocks / 16 * 15 * (long)BlockBytes;

    /// <summary>64 MiB of written heap blocks with 15 of every 16 freed again (freed memory only a trim returns); the
    /// blocks still held.</summary>
    private static List<IntPtr> FragmentedHeap()
    {
        var ones = Enumerable.Repeat((byte)1, BlockBytes).ToArray();
        var blocks = new IntPtr[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(BlockBytes);
            Marshal.Copy(ones, 0, blocks[i], BlockBytes);
        }
        var kept = new List<IntPtr>();
        for (var i = 0; i < Blocks; i++)
        {
            if (i % 16 == 0) kept.Add(blocks[i]);
            else Marshal.FreeHGlobal(blocks[i]);
        }
        return kept;
    }
}
