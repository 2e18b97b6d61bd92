using System.IO.Hashing;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// A contiguous CPU tensor's elements as raw bytes (the machine's byte order) to and from a stream, in chunks of
/// 2^20 elements, so a large tensor never needs a second full-size copy in managed memory.
/// </summary>
internal static class RawTensorData
{
    private const int ChunkElements = 1 << 20;

    /// <summary>Fills the first <paramref name="count"/> elements of <paramref name="tensor"/> (of element type
    /// <typeparamref name="T"/>) from <paramref name="stream"/>; <see cref="EndOfStreamException"/> if it ends first.</summary>
    /// <param name="checksum">If given, every byte read is appended to it.</param>
    public static void Read<T>(Stream stream, Tensor tensor, long count, NonCryptographicHashAlgorithm? checksum = null) where T : unmanaged
    {
        var buffer = new T[(int)Math.Min(ChunkElements, count)];
        var accessor = tensor.data<T>();
        for (long done = 0; done < count; done += buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, count - done);
            stream.ReadExactly(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
            checksum?.Append(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
            accessor.CopyFrom(buffer.AsSpan(0, n), 0, done);
        }
    }

    /// <summary>Writes every element of the contiguous <paramref name="tensor"/> (of element type <typeparamref name="T"/>).</summary>
    /// <param name="checksum">If given, every byte written is appended to it.</param>
    public static void Write<T>(Stream stream, Tensor tensor, NonCryptographicHashAlgorithm? checksum = null) where T : unmanaged
    {
        var count = tensor.numel();
        var buffer = new T[(int)Math.Min(ChunkElements, count)];
        var accessor = tensor.data<T>();
        for (long done = 0; done < count; done += buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, count - done);
            accessor.CopyTo(buffer.AsSpan(0, n), 0, done);
            stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
            checksum?.Append(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
        }
    }
}
