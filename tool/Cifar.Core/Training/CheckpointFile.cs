using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>
/// A <see cref="TrainingCheckpoint"/> on disk. Format: magic <c>CIFARCK1</c>, then a body written by
/// <see cref="BinaryWriter"/> (identity text, phase, epochs, history with every double's exact bits, tensors in
/// TorchSharp's own format, the optimizer's <c>save_state_dict</c> bytes, each callback's state), then the XxHash128 of the
/// body (16 bytes). Written to an exclusively opened temporary file beside the final one, flushed to disk and renamed over
/// it, so a kill at any moment leaves the old checkpoint or the new one, whole. Reading checks the magic, the checksum
/// (a file that was cut short or changed is never used) and the identity before anything is parsed.
/// </summary>
public static class CheckpointFile
{
    private static readonly byte[] Magic = "CIFARCK2"u8.ToArray();
    private const int ChecksumBytes = 16;

    /// <summary>Value tags of <see cref="CheckpointState"/> entries.</summary>
    private enum Tag : byte
    {
        Null = 0,
        Double = 1,
        Long = 2,
        Bool = 3,
        Text = 4,
    }

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically (temporary file, flush, rename).</summary>
    /// <param name="identity">What the checkpoint belongs to (e.g. spec hash, dataset, tool version, threads, seed);
    /// <see cref="TryRead"/> uses it only for the same text.</param>
    public static void Write(string path, string identity, TrainingCheckpoint checkpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = TempPathFor(path);
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                file.Write(Magic);
                var checksum = new XxHash128();
                using (var hashing = new HashingWriteStream(file, checksum))
                using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
                {
                    WriteBody(writer, identity, checkpoint);
                }
                file.Write(checksum.GetCurrentHash());
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> if it is whole and belongs to <paramref name="identity"/>;
    /// otherwise returns null and why in <paramref name="problem"/> (null when there is simply no file).
    /// </summary>
    public static TrainingCheckpoint? TryRead(string path, string identity, out string? problem)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(identity);
        problem = null;
        if (!File.Exists(path)) return null;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var bodyLength = file.Length - Magic.Length - ChecksumBytes;
            if (bodyLength <= 0)
            {
                problem = "it is cut short";
                return null;
            }
            var magic = new byte[Magic.Length];
            file.ReadExactly(magic);
            if (!magic.AsSpan().SequenceEqual(Magic))
            {
                problem = "it is not a checkpoint of this tool";
                return null;
            }
            if (!ChecksumMatches(file, bodyLength))
            {
                problem = "its checksum does not match (cut short or changed)";
                return null;
            }

            file.Position = Magic.Length;
            using var reader = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
            if (reader.ReadString() != identity)
            {
                problem = "it belongs to another run (spec, dataset, tool version, threads or seed)";
                return null;
            }
            var checkpoint = ReadBody(reader);
            if (file.Position != Magic.Length + bodyLength)
            {
                checkpoint.Dispose();
                problem = "its contents do not fill it";
                return null;
            }
            return checkpoint;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException
            or ArgumentException or FormatException or OverflowException or ExternalException)
        {
            problem = e.Message.ReplaceLineEndings(" ");
            return null;
        }
    }

    /// <summary>The temporary files of writes to <paramref name="path"/> are named <c>.NAME.GUID.tmp</c> beside it.</summary>
    public static string TempPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");

    private static bool ChecksumMatches(FileStream file, long bodyLength)
    {
        var checksum = new XxHash128();
        var buffer = new byte[1 << 20];
        for (long left = bodyLength; left > 0;)
        {
            var n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0) return false;
            checksum.Append(buffer.AsSpan(0, n));
            left -= n;
        }
        var stored = new byte[ChecksumBytes];
        file.ReadExactly(stored);
        return stored.AsSpan().SequenceEqual(checksum.GetCurrentHash());
    }

    private static void WriteBody(BinaryWriter writer, string identity, TrainingCheckpoint checkpoint)
    {
        writer.Write(identity);
        writer.Write(checkpoint.Phase);
        writer.Write(checkpoint.FirstEpoch);
        writer.Write(checkpoint.LastEpoch);
        writer.Write(checkpoint.Epoch);
        writer.Write(checkpoint.StopRequested);
        WriteNullable(writer, checkpoint.StopReason);

        writer.Write(checkpoint.Epochs.Count);
        foreach (var log in checkpoint.Epochs)
        {
            writer.Write(log.Epoch);
            writer.Write(log.Phase);
            writer.Write(log.Loss);
            writer.Write(log.Accuracy);
            writer.Write(log.ValLoss);
            writer.Write(log.ValAccuracy);
            writer.Write(log.Seconds);
            writer.Write(log.ImagesPerSecond);
            writer.Write(log.LearningRates.Count);
            foreach (var rate in log.LearningRates) writer.Write(rate);
        }

        WriteTensors(writer, checkpoint.Weights);
        writer.Write(checkpoint.OptimizerState.Length);
        writer.Write(checkpoint.OptimizerState);
        checkpoint.DefaultGeneratorState.Save(writer);
        checkpoint.ShuffleGeneratorState.Save(writer);

        writer.Write(checkpoint.Callbacks.Count);
        foreach (var (name, state) in checkpoint.Callbacks)
        {
            writer.Write(name);
            var values = state.Values.ToList();
            writer.Write(values.Count);
            foreach (var (key, value) in values)
            {
                writer.Write(key);
                switch (value)
                {
                    case null: writer.Write((byte)Tag.Null); break;
                    case double d: writer.Write((byte)Tag.Double); writer.Write(d); break;
                    case long l: writer.Write((byte)Tag.Long); writer.Write(l); break;
                    case bool b: writer.Write((byte)Tag.Bool); writer.Write(b); break;
                    case string s: writer.Write((byte)Tag.Text); writer.Write(s); break;
                    default: throw new InvalidOperationException($"checkpoint value '{key}' has unsupported type {value.GetType().Name}");
                }
            }
            WriteTensors(writer, state.Tensors.ToList());
        }
    }

    private static TrainingCheckpoint ReadBody(BinaryReader reader)
    {
        var phase = reader.ReadString();
        var firstEpoch = reader.ReadInt32();
        var lastEpoch = reader.ReadInt32();
        var epoch = reader.ReadInt32();
        var stopRequested = reader.ReadBoolean();
        var stopReason = ReadNullable(reader);

        var count = Count(reader);
        var epochs = new List<EpochLog>(count);
        for (var i = 0; i < count; i++)
        {
            var log = new EpochLog(reader.ReadInt32(), reader.ReadString(), reader.ReadDouble(), reader.ReadDouble(),
                reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
            var rates = new double[Count(reader)];
            for (var r = 0; r < rates.Length; r++) rates[r] = reader.ReadDouble();
            epochs.Add(log with { LearningRates = rates });
        }

        var owned = new List<Tensor>();
        try
        {
            var weights = ReadTensors(reader, owned);
            var optimizerState = reader.ReadBytes(Count(reader));
            var defaultGenerator = Owned(TensorExtensionMethods.Load(reader), owned);
            var shuffleGenerator = Owned(TensorExtensionMethods.Load(reader), owned);

            var callbackCount = Count(reader);
            var callbacks = new List<KeyValuePair<string, CheckpointState>>(callbackCount);
            for (var i = 0; i < callbackCount; i++)
            {
                var name = reader.ReadString();
                var state = new CheckpointState();
                var valueCount = Count(reader);
                for (var j = 0; j < valueCount; j++)
                {
                    var key = reader.ReadString();
                    state.PutRaw(key, (Tag)reader.ReadByte() switch
                    {
                        Tag.Null => null,
                        Tag.Double => reader.ReadDouble(),
                        Tag.Long => reader.ReadInt64(),
                        Tag.Bool => reader.ReadBoolean(),
                        Tag.Text => reader.ReadString(),
                        var tag => throw new InvalidDataException($"unknown value tag {(byte)tag}"),
                    });
                }
                foreach (var (key, tensor) in ReadTensors(reader, owned)) state.PutTensor(key, tensor);
                callbacks.Add(new(name, state));
            }
            return new TrainingCheckpoint(phase, firstEpoch, lastEpoch, epoch, stopRequested, stopReason, epochs, weights,
                optimizerState, defaultGenerator, shuffleGenerator, callbacks, ownsTensors: true);
        }
        catch
        {
            foreach (var tensor in owned) tensor.Dispose();
            throw;
        }
    }

    private static void WriteTensors(BinaryWriter writer, IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            writer.Write(name);
            using var contiguous = tensor.detach().contiguous();
            contiguous.Save(writer);
        }
    }

    private static List<KeyValuePair<string, Tensor>> ReadTensors(BinaryReader reader, List<Tensor> owned)
    {
        var count = Count(reader);
        var tensors = new List<KeyValuePair<string, Tensor>>(count);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            tensors.Add(new(name, Owned(TensorExtensionMethods.Load(reader), owned)));
        }
        return tensors;
    }

    private static Tensor Owned(Tensor tensor, List<Tensor> owned)
    {
        owned.Add(tensor.DetachFromDisposeScope());
        return tensor;
    }

    private static int Count(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count < 0) throw new InvalidDataException($"negative count {count}");
        return count;
    }

    private static void WriteNullable(BinaryWriter writer, string? text)
    {
        writer.Write(text is not null);
        if (text is not null) writer.Write(text);
    }

    private static string? ReadNullable(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    /// <summary>Passes writes through to a stream and appends every byte to a checksum.</summary>
    private sealed class HashingWriteStream(Stream inner, NonCryptographicHashAlgorithm checksum) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            checksum.Append(buffer);
            inner.Write(buffer);
        }
    }
}
