using Cifar.Specs;

namespace Cifar.Tests.Specs;

public class SuggestionsTests
{
    [Theory]
    [InlineData("adma", "adam")]
    [InlineData("sdg", "sgd")]
    [InlineData("Relu", "relu")]
    [InlineData("BatchNormalization", "batch_normalization")]
    [InlineData("MaxPool2D", "max_pooling2d")]
    [InlineData("learningrate", "learning_rate")]
    [InlineData("epoch", "epochs")]
    public void Close_typos_get_the_known_word(string typed, string expected)
    {
        string[] known = ["adam", "sgd", "relu", "batch_normalization", "max_pooling2d", "learning_rate", "epochs"];
        Assert.Equal(expected, Suggestions.Closest(typed, known));
    }

    [Theory]
    [InlineData("sgd", new[] { "adam" })]
    [InlineData("lr", new[] { "learning_rate", "momentum" })]
    [InlineData("mnist", new[] { "cifar10" })]
    public void Distant_words_get_no_suggestion(string typed, string[] known)
    {
        Assert.Null(Suggestions.Closest(typed, known));
        Assert.Equal("", Suggestions.DidYouMean(typed, known));
    }

    [Fact]
    public void A_swap_of_neighbouring_letters_is_one_edit()
    {
        Assert.Equal(1, Suggestions.Distance("adma", "adam"));
        Assert.Equal(3, Suggestions.Distance("kitten", "sitting"));
    }
}
