using Cifar.Reports.Files;

namespace Cifar.Tests.Reports.Files;

public class TestOutcomesFileTests
{
    private static readonly TestOutcome[] Outcomes =
    [
        new(9999, 3, 3, 0.91234567, 0.91234567, 0.0915),
        new(17, 0, 8, 0.6, 0.1, -Math.Log(0.1)),
    ];

    [Fact]
    public void The_file_has_the_contract_header_and_six_decimals()
    {
        Assert.Equal(
            "test_index,label,prediction,confidence,label_probability,loss\n"
            + "9999,3,3,0.912346,0.912346,0.091500\n"
            + "17,0,8,0.600000,0.100000,2.302585\n",
            TestOutcomesFile.Render(Outcomes));
    }

    [Fact]
    public void What_is_written_reads_back_to_six_decimals()
    {
        var read = TestOutcomesFile.Parse(TestOutcomesFile.Render(Outcomes), "test-outcomes.csv");
        Assert.Equal(Outcomes.Length, read.Count);
        for (var i = 0; i < Outcomes.Length; i++)
        {
            Assert.Equal((Outcomes[i].TestIndex, Outcomes[i].Label, Outcomes[i].Prediction), (read[i].TestIndex, read[i].Label, read[i].Prediction));
            Assert.Equal(Outcomes[i].Confidence, read[i].Confidence, 6);
            Assert.Equal(Outcomes[i].LabelProbability, read[i].LabelProbability, 6);
            Assert.Equal(Outcomes[i].Loss, read[i].Loss, 6);
        }
        Assert.False(read[1].Correct);
    }

    [Theory]
    [InlineData("test_index,label\n", "the first line must be")]
    [InlineData("test_index,label,prediction,confidence,label_probability,loss\n10000,1,1,0.5,0.5,0.7\n", ":2: expected a test index")]
    [InlineData("test_index,label,prediction,confidence,label_probability,loss\n1,1,1,1.5,0.5,0.7\n", ":2: expected a test index")]
    [InlineData("test_index,label,prediction,confidence,label_probability,loss\n1,12,1,0.5,0.5,0.7\n", ":2: expected a test index")]
    public void A_broken_file_is_one_clear_error_naming_the_line(string text, string message)
    {
        var error = Assert.Throws<CifarUserException>(() => TestOutcomesFile.Parse(text, "base/test-outcomes.csv"));
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("base/test-outcomes.csv", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_the_file_reads_as_none()
    {
        Assert.Null(TestOutcomesFile.ReadIfPresent(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
    }
}
