using System.Buffers.Binary;
using System.Text;

namespace Cifar.Models.Transfer;

/// <summary>One graph node of an ONNX model: operator, input and output names, integer attributes.</summary>
internal sealed record OnnxNode(
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, long[]> IntAttributes);

/// <summary>A float32 initializer (a weight) of an ONNX graph.</summary>
internal sealed record OnnxInitializer(string Name, long[] Dims, float[] Data);

/// <summary>A graph input or output; a null dimension is symbolic (e.g. a dynamic batch).</summary>
internal sealed record OnnxValueInfo(string Name, long?[] Dims);

/// <summary>
/// The parts of an ONNX model the bundled CNTK ResNet18 needs: nodes in graph order, float initializers, graph inputs
/// and outputs. A small protobuf reader over the field numbers of onnx.proto (ModelProto.graph = 7, GraphProto.node
/// = 1, initializer = 5, input = 11, output = 12, ...) instead of a generated ONNX binding.
/// </summary>
internal sealed class OnnxModelFile
{
    private OnnxModelFile(
        IReadOnlyList<OnnxNode> nodes,
        IReadOnlyDictionary<string, OnnxInitializer> initializers,
        IReadOnlyList<OnnxValueInfo> inputs,
        IReadOnlyList<OnnxValueInfo> outputs)
    {
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
    }

    public IReadOnlyList<OnnxNode> Nodes { get; }

    public IReadOnlyDictionary<string, OnnxInitializer> Initializers { get; }

    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    public static OnnxModelFile Read(string path) => Parse(File.ReadAllBytes(path));

    public static OnnxModelFile Parse(ReadOnlyMemory<byte> model)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxInitializer>(StringComparer.Ordinal);
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        var graphFound = false;
        foreach (var field in new ProtoReader(model))
        {
            if (field.Number != 7) continue;
            graphFound = true;
            foreach (var g in new ProtoReader(field.Bytes))
            {
                switch (g.Number)
                {
                    case 1: nodes.Add(ReadNode(g.Bytes)); break;
                    case 5:
                        var init = ReadInitializer(g.Bytes);
                        if (init is not null) initializers[init.Name] = init;
                        break;
                    case 11: inputs.Add(ReadValueInfo(g.Bytes)); break;
                    case 12: outputs.Add(ReadValueInfo(g.Bytes)); break;
                }
            }
        }
        if (!graphFound) throw new InvalidDataException("Not an ONNX model: no graph.");
        return new OnnxModelFile(nodes, initializers, inputs, outputs);
    }

    private static OnnxNode ReadNode(ReadOnlyMemory<byte> bytes)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var op = "";
        var attributes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var f in new ProtoReader(bytes))
        {
            switch (f.Number)
            {
                case 1: inputs.Add(f.String); break;
                case 2: outputs.Add(f.String); break;
                case 4: op = f.String; break;
                case 5:
                    var (name, ints) = ReadIntAttribute(f.Bytes);
                    if (ints is not null) attributes[name] = ints;
                    break;
            }
        }
        return new OnnxNode(op, inputs, outputs, attributes);
    }

    /// <summary>AttributeProto: name = 1, i = 3, ints = 8; other kinds (floats, strings) are not needed here.</summary>
    private static (string Name, long[]? Ints) ReadIntAttribute(ReadOnlyMemory<byte> bytes)
    {
        var name = "";
        List<long>? ints = null;
        foreach (var f in new ProtoReader(bytes))
        {
            switch (f.Number)
            {
                case 1: name = f.String; break;
                case 3: (ints ??= []).Add((long)f.Varint); break;
                case 8: f.AddInt64s(ints ??= []); break;
            }
        }
        return (name, ints?.ToArray());
    }

    /// <summary>TensorProto: dims = 1, data_type = 2 (1 = FLOAT), float_data = 4, name = 8, raw_data = 9.</summary>
    private static OnnxInitializer? ReadInitializer(ReadOnlyMemory<byte> bytes)
    {
        var dims = new List<long>();
        long dataType = 0;
        var name = "";
        List<float>? floats = null;
        ReadOnlyMemory<byte>? raw = null;
        foreach (var f in new ProtoReader(bytes))
        {
            switch (f.Number)
            {
                case 1: f.AddInt64s(dims); break;
                case 2: dataType = (long)f.Varint; break;
                case 4:
                    floats ??= [];
                    if (f.WireType == 5)
                    {
                        floats.Add(BinaryPrimitives.ReadSingleLittleEndian(f.Bytes.Span));
                    }
                    else
                    {
                        var span = f.Bytes.Span;
                        for (var i = 0; i + 4 <= span.Length; i += 4) floats.Add(BinaryPrimitives.ReadSingleLittleEndian(span[i..]));
                    }
                    break;
                case 8: name = f.String; break;
                case 9: raw = f.Bytes; break;
            }
        }
        if (dataType != 1) return null;
        float[] data;
        if (raw is { } r)
        {
            data = new float[r.Length / 4];
            for (var i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(r.Span[(4 * i)..]);
        }
        else
        {
            data = floats?.ToArray() ?? [];
        }

        var expected = dims.Aggregate(1L, (a, d) => a * d);
        if (data.Length != expected)
            throw new InvalidDataException($"ONNX initializer '{name}' has {data.Length} values for shape [{string.Join(',', dims)}].");
        return new OnnxInitializer(name, [.. dims], data);
    }

    /// <summary>ValueInfoProto.type(2).tensor_type(1).shape(2).dim(1): dim_value = 1 or dim_param = 2.</summary>
    private static OnnxValueInfo ReadValueInfo(ReadOnlyMemory<byte> bytes)
    {
        var name = "";
        var dims = new List<long?>();
        foreach (var f in new ProtoReader(bytes))
        {
            if (f.Number == 1) name = f.String;
            if (f.Number != 2) continue;
            foreach (var type in new ProtoReader(f.Bytes).Where(t => t.Number == 1))
            {
                foreach (var shape in new ProtoReader(type.Bytes).Where(t => t.Number == 2))
                {
                    foreach (var dim in new ProtoReader(shape.Bytes).Where(t => t.Number == 1))
                    {
                        long? value = null;
                        foreach (var d in new ProtoReader(dim.Bytes)) if (d.Number == 1) value = (long)d.Varint;
                        dims.Add(value);
                    }
                }
            }
        }
        return new OnnxValueInfo(name, [.. dims]);
    }

    /// <summary>One field of a protobuf message: varint (wire type 0), length-delimited (2) or fixed 32/64 (5/1).</summary>
    private readonly record struct ProtoField(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes)
    {
        public string String => Encoding.UTF8.GetString(Bytes.Span);

        /// <summary>A repeated int64: one unpacked varint, or a packed run of them.</summary>
        public void AddInt64s(List<long> into)
        {
            if (WireType == 0)
            {
                into.Add((long)Varint);
                return;
            }
            var offset = 0;
            while (offset < Bytes.Length) into.Add((long)ProtoReader.ReadVarint(Bytes.Span, ref offset));
        }
    }

    private readonly struct ProtoReader(ReadOnlyMemory<byte> message) : IEnumerable<ProtoField>
    {
        public IEnumerator<ProtoField> GetEnumerator()
        {
            var offset = 0;
            while (offset < message.Length)
            {
                var key = ReadVarint(message.Span, ref offset);
                var number = (int)(key >> 3);
                var wire = (int)(key & 7);
                switch (wire)
                {
                    case 0:
                        var value = ReadVarint(message.Span, ref offset);
                        yield return new ProtoField(number, wire, value, default);
                        break;
                    case 1:
                    case 5:
                        var size = wire == 1 ? 8 : 4;
                        Check(offset + size <= message.Length);
                        offset += size;
                        yield return new ProtoField(number, wire, 0, message[(offset - size)..offset]);
                        break;
                    case 2:
                        var length = (int)ReadVarint(message.Span, ref offset);
                        Check(length >= 0 && offset + length <= message.Length);
                        offset += length;
                        yield return new ProtoField(number, wire, 0, message[(offset - length)..offset]);
                        break;
                    default:
                        throw new InvalidDataException($"Unsupported protobuf wire type {wire}.");
                }
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public static ulong ReadVarint(ReadOnlySpan<byte> span, ref int offset)
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                Check(offset < span.Length);
                var b = span[offset++];
                result |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return result;
            }
            throw new InvalidDataException("Malformed protobuf varint.");
        }

        private static void Check(bool ok)
        {
            if (!ok) throw new InvalidDataException("Truncated protobuf message.");
        }
    }
}
