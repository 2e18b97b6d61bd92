using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// Reads a state dict saved by <c>torch.save</c> in PyTorch's legacy (pre-1.6, non-zip) format, which
/// TorchSharp.PyBridge does not read and in which some torchvision files are still published (vgg16-397923af.pth,
/// 2017; mobilenet_v2-b0353104.pth, 2018). Layout, after torch/serialization.py's <c>_legacy_load</c>: four pickles
/// (magic number 0x1950a86a20f9469cfc6c, protocol version 1001, sys_info, the state dict whose storages are
/// persistent ids), a pickled list of storage keys, then per key an int64 element count and the raw little-endian data.
/// </summary>
/// <remarks>
/// A small pickle machine for the opcodes <c>pickle</c> protocols 2-4 emit for such files; anything else (arbitrary
/// classes, code) is an error, never executed. Storages that no wanted key uses are skipped, not read into memory.
/// </remarks>
internal static class LegacyTorchCheckpoint
{
    private static readonly BigInteger MagicNumber = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);

    /// <summary>Whether <paramref name="path"/> starts like a pickle (a legacy checkpoint) rather than a zip archive.</summary>
    public static bool IsLegacy(string path)
    {
        using var stream = File.OpenRead(path);
        return stream.ReadByte() == 0x80;
    }

    /// <summary>The tensors of the state dict, for the keys <paramref name="wanted"/> accepts; owned by the caller.</summary>
    public static Dictionary<string, Tensor> Read(string path, Func<string, bool> wanted)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var reader = new BinaryReader(stream);
        if (Unpickle(reader) is not BigInteger magic || magic != MagicNumber) throw new InvalidDataException("not a PyTorch checkpoint (wrong magic number)");
        if (Unpickle(reader) is not 1001L) throw new InvalidDataException("unsupported PyTorch legacy protocol version");
        if (Unpickle(reader) is PickleDict sysInfo && sysInfo.Get("little_endian") is false)
            throw new InvalidDataException("big-endian checkpoints are not supported");
        var storages = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        if (Unpickle(reader, pid => PersistentStorage(pid, storages)) is not PickleDict stateDict)
            throw new InvalidDataException("the checkpoint does not hold a state dict");
        if (Unpickle(reader) is not List<object?> keys) throw new InvalidDataException("missing storage key list");

        var tensors = new List<(string Key, TensorRef Ref)>();
        foreach (var (key, value) in stateDict.Items)
        {
            if (key is not string name || !wanted(name)) continue;
            tensors.Add((name, value as TensorRef ?? throw new InvalidDataException($"'{name}' is not a tensor")));
        }
        var needed = tensors.Select(t => t.Ref.Storage.RootKey).ToHashSet(StringComparer.Ordinal);

        var roots = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var keyObject in keys)
            {
                var key = keyObject as string ?? throw new InvalidDataException("storage keys must be strings");
                var storage = storages.GetValueOrDefault(key) ?? throw new InvalidDataException($"unknown storage '{key}'");
                var count = reader.ReadInt64();
                var bytes = checked(count * storage.ElementSize);
                if (!needed.Contains(key))
                {
                    stream.Seek(bytes, SeekOrigin.Current);
                    continue;
                }
                roots[key] = ReadStorage(stream, count, storage.DType);
            }
            foreach (var (name, r) in tensors)
            {
                var root = roots.GetValueOrDefault(r.Storage.RootKey) ?? throw new InvalidDataException($"no data for '{name}'");
                result[name] = root.as_strided(r.Size, r.Stride, r.Storage.Offset + r.Offset);
            }
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in roots.Values) t.Dispose(); // the strided views keep the storages they use alive
        }
    }

    private static Tensor ReadStorage(Stream stream, long count, ScalarType dtype)
    {
        var storage = empty(count, dtype);
        try
        {
            switch (dtype)
            {
                case ScalarType.Float32:
                    RawTensorData.Read<float>(stream, storage, count);
                    break;
                case ScalarType.Int64:
                    RawTensorData.Read<long>(stream, storage, count);
                    break;
                default:
                    {
                        var bytes = new byte[checked((int)(count * storage.ElementSize))];
                        stream.ReadExactly(bytes);
                        storage.bytes = bytes;
                        break;
                    }
            }
            return storage;
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    private sealed record StorageRef(string RootKey, ScalarType DType, long Offset)
    {
        public long ElementSize => DType switch
        {
            ScalarType.Float64 or ScalarType.Int64 => 8,
            ScalarType.Float32 or ScalarType.Int32 => 4,
            ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
            _ => 1,
        };
    }

    private sealed record TensorRef(StorageRef Storage, long Offset, long[] Size, long[] Stride);

    private sealed record Global(string Module, string Name)
    {
        public string FullName => $"{Module}.{Name}";
    }

    /// <summary>An object the machine does not model (e.g. a tensor's backward hooks); kept only to be ignored.</summary>
    private sealed record Opaque(Global Type);

    /// <summary>A dict or OrderedDict, in insertion order.</summary>
    private sealed class PickleDict
    {
        public List<(object? Key, object? Value)> Items { get; } = [];

        public void Set(object? key, object? value)
        {
            var i = Items.FindIndex(item => Equals(item.Key, key));
            if (i >= 0) Items[i] = (key, value);
            else Items.Add((key, value));
        }

        public object? Get(string key) => Items.FirstOrDefault(i => Equals(i.Key, key)).Value;
    }

    private static StorageRef PersistentStorage(object? pid, Dictionary<string, StorageRef> storages)
    {
        // ('storage', storage_type, root_key, location, numel, view_metadata)
        if (pid is not object?[] { Length: 6 } t || t[0] is not "storage" || t[1] is not Global type || t[2] is not string root)
            throw new InvalidDataException("unsupported persistent id in checkpoint");
        var dtype = type.Name switch
        {
            "FloatStorage" => ScalarType.Float32,
            "DoubleStorage" => ScalarType.Float64,
            "HalfStorage" => ScalarType.Float16,
            "BFloat16Storage" => ScalarType.BFloat16,
            "LongStorage" => ScalarType.Int64,
            "IntStorage" => ScalarType.Int32,
            "ShortStorage" => ScalarType.Int16,
            "CharStorage" => ScalarType.Int8,
            "ByteStorage" => ScalarType.Byte,
            "BoolStorage" => ScalarType.Bool,
            _ => throw new InvalidDataException($"unsupported storage type '{type.FullName}'"),
        };
        var rootStorage = storages.TryGetValue(root, out var existing) ? existing : storages[root] = new StorageRef(root, dtype, 0);
        // view_metadata (view_key, offset, size): a view into the root storage, from PyTorch before 0.4.
        return t[5] is object?[] { Length: 3 } view ? rootStorage with { Offset = ToLong(view[1]) } : rootStorage;
    }

    private static long ToLong(object? value) => value switch
    {
        long l => l,
        BigInteger b => (long)b,
        bool b => b ? 1 : 0,
        _ => throw new InvalidDataException("expected an integer in checkpoint"),
    };

    private static long[] ToLongs(object? value) => value switch
    {
        object?[] tuple => [.. tuple.Select(ToLong)],
        List<object?> list => [.. list.Select(ToLong)],
        _ => throw new InvalidDataException("expected a tuple of integers in checkpoint"),
    };

    /// <summary>What calling a global with arguments (REDUCE / NEWOBJ) yields.</summary>
    private static object? Call(Global callable, object?[] args) => callable.FullName switch
    {
        // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
        "torch._utils._rebuild_tensor" or "torch._utils._rebuild_tensor_v2" when args is [StorageRef s, _, _, _, ..] =>
            new TensorRef(s, ToLong(args[1]), ToLongs(args[2]), ToLongs(args[3])),
        "torch._utils._rebuild_parameter" when args is [TensorRef t, ..] => t,
        "torch.Size" when args is [var dims] => dims,
        "collections.OrderedDict" => new PickleDict(),
        _ => new Opaque(callable),
    };

    private static object? Unpickle(BinaryReader reader, Func<object?, object?>? persistentLoad = null)
    {
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>();
        object? Pop()
        {
            if (stack.Count == 0) throw new InvalidDataException("pickle stack underflow");
            var top = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return top;
        }
        List<object?> PopMark()
        {
            if (marks.Count == 0) throw new InvalidDataException("pickle mark missing");
            var start = marks.Pop();
            var items = stack.GetRange(start, stack.Count - start);
            stack.RemoveRange(start, stack.Count - start);
            return items;
        }
        string Line()
        {
            var bytes = new List<byte>();
            for (var b = reader.ReadByte(); b != (byte)'\n'; b = reader.ReadByte()) bytes.Add(b);
            return Encoding.UTF8.GetString([.. bytes]);
        }
        void SetItems(object? target, List<object?> items)
        {
            if (target is not PickleDict dict) throw new InvalidDataException("SETITEMS on a non-dict");
            for (var i = 0; i + 1 < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
        }

        while (true)
        {
            var op = reader.ReadByte();
            switch (op)
            {
                case 0x80: reader.ReadByte(); break;                                   // PROTO
                case 0x95: reader.ReadInt64(); break;                                  // FRAME
                case (byte)'.': return Pop();                                          // STOP
                case (byte)'(': marks.Push(stack.Count); break;                        // MARK
                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'K': stack.Add((long)reader.ReadByte()); break;             // BININT1
                case (byte)'M': stack.Add((long)reader.ReadUInt16()); break;           // BININT2
                case (byte)'J': stack.Add((long)reader.ReadInt32()); break;            // BININT
                case 0x8a: stack.Add(Long(reader.ReadBytes(reader.ReadByte()))); break; // LONG1
                case 0x8b: stack.Add(Long(reader.ReadBytes(reader.ReadInt32()))); break; // LONG4
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(reader.ReadBytes(8))); break;
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()))); break;
                case 0x8c: stack.Add(Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadByte()))); break;
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(reader.ReadBytes(reader.ReadByte()))); break;  // Python 2 str
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(reader.ReadBytes(reader.ReadInt32()))); break;
                case (byte)'C': stack.Add(reader.ReadBytes(reader.ReadByte())); break;
                case (byte)'B': stack.Add(reader.ReadBytes(reader.ReadInt32())); break;
                case (byte)')': stack.Add(Array.Empty<object?>()); break;
                case (byte)']': stack.Add(new List<object?>()); break;
                case (byte)'}': stack.Add(new PickleDict()); break;
                case (byte)'t': stack.Add(PopMark().ToArray()); break;
                case 0x85: stack.Add(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new[] { a, b, c }); break; }
                case (byte)'l': stack.Add(PopMark()); break;                           // LIST
                case (byte)'d': { var d = new PickleDict(); SetItems(d, PopMark()); stack.Add(d); break; }
                case (byte)'q': memo[reader.ReadByte()] = stack[^1]; break;             // BINPUT
                case (byte)'r': memo[reader.ReadUInt32()] = stack[^1]; break;           // LONG_BINPUT
                case 0x94: memo[memo.Count] = stack[^1]; break;                        // MEMOIZE
                case (byte)'h': stack.Add(memo[reader.ReadByte()]); break;              // BINGET
                case (byte)'j': stack.Add(memo[reader.ReadUInt32()]); break;            // LONG_BINGET
                case (byte)'c': { var module = Line(); stack.Add(new Global(module, Line())); break; } // GLOBAL
                case 0x93: { var name = Pop() as string; var module = Pop() as string; stack.Add(new Global(module ?? "", name ?? "")); break; }
                case (byte)'R':                                                        // REDUCE
                case 0x81:                                                             // NEWOBJ
                    {
                        var args = Pop() as object?[] ?? throw new InvalidDataException("REDUCE arguments must be a tuple");
                        var callable = Pop() as Global ?? throw new InvalidDataException("REDUCE of a non-global");
                        stack.Add(Call(callable, args));
                        break;
                    }
                case (byte)'b':                                                        // BUILD
                    {
                        var state = Pop();
                        // torch before 0.1.12 pickled tensors as an empty instance plus (storage, offset, size, stride) state.
                        if (stack[^1] is Opaque { Type.Module: "torch" } o && o.Type.Name.EndsWith("Tensor", StringComparison.Ordinal)
                            && state is object?[] { Length: 4 } s && s[0] is StorageRef storage)
                        {
                            stack[^1] = new TensorRef(storage, ToLong(s[1]), ToLongs(s[2]), ToLongs(s[3]));
                        }

                        break; // other state (an OrderedDict's _metadata) is not needed
                    }
                case (byte)'s': { var v = Pop(); var k = Pop(); SetItems(stack[^1], [k, v]); break; }
                case (byte)'u': { var items = PopMark(); SetItems(stack[^1], items); break; }
                case (byte)'a': { var v = Pop(); (stack[^1] as List<object?> ?? throw new InvalidDataException("APPEND to a non-list")).Add(v); break; }
                case (byte)'e': { var items = PopMark(); (stack[^1] as List<object?> ?? throw new InvalidDataException("APPENDS to a non-list")).AddRange(items); break; }
                case (byte)'Q':                                                        // BINPERSID
                    stack.Add((persistentLoad ?? throw new InvalidDataException("unexpected persistent id"))(Pop()));
                    break;
                default:
                    throw new InvalidDataException($"unsupported pickle opcode 0x{op:x2}");
            }
        }
    }

    /// <summary>A little-endian two's complement integer (pickle LONG1/LONG4): long when it fits.</summary>
#pragma warning disable CA1859 // Returns a boxed long when the value fits and a BigInteger otherwise, on purpose.
    private static object Long(byte[] bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        if (value >= long.MinValue && value <= long.MaxValue) return (long)value;
        return value;
    }
#pragma warning restore CA1859
}
