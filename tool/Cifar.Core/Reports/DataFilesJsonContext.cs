using System.Text.Json.Serialization;

namespace Cifar.Reports;

/// <summary>Source-generated serializer for the few values written whole (trimming-safe, no reflection).</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class DataFilesJsonContext : JsonSerializerContext;
