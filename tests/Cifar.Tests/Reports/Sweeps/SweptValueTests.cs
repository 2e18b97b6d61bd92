using System.Text.Json;
using Cifar.Reports.Sweeps;

namespace Cifar.Tests.Reports.Sweeps;

public sealed class SweptValueTests
{
    [Fact]
    public void Numbers_sort_by_size_then_bools_then_strings_then_null_then_not_set()
    {
        var values = JsonDocument.Parse("""[ "sgd", 128, true, null, 0.01, 32, "adam", false, 1e-3 ]""").RootElement
            .EnumerateArray().Select(SweptValue.Of).Append(SweptValue.NotSet).ToList();

        Assert.Equal(new[] { "1e-3", "0.01", "32", "128", "false", "true", "adam", "sgd", "null", "(not set)" },
            values.Order().Select(v => v.Text));
    }

    [Fact]
    public void The_string_null_and_a_yaml_null_are_different_values()
    {
        var values = JsonDocument.Parse("""[ "null", null ]""").RootElement.EnumerateArray().Select(SweptValue.Of).ToList();
        Assert.NotEqual(values[0], values[1]);
    }
}
