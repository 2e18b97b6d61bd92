using System.Text;
using Cifar.Reports;
using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>
/// Values that parse but that the engine cannot run (or the file system cannot hold) are refused by the validator,
/// each as one <c>file:line:col: message</c> line, before anything is downloaded or trained.
/// </summary>
public class SpecLimitTests
{
    private const string Valid =
        """
        name: t
        seed: 1
        data:
          dataset: cifar10
          batch_size: 64
        model:
          type: cnn
          layers:
            - conv2d: {filters: 8, kernel_size: 3}
            - flatten: {}
            - dense: {units: 10}
        training:
          epochs: 2
          optimizer: {type: adam, learning_rate: 0.001}
        """;

    private static string Edit(string from, string to) => Edited(Valid, from, to);

    [Theory]
    [InlineData(".git")]
    [InlineData(".cnn.writing-0123456789abcdef0123456789abcdef")]
    public void A_name_starting_with_a_dot_is_refused(string name) =>
        Assert.Equal([$"spec.yaml:1:7: `name` is '{name}'; expected a name that does not start with '.' (hidden folders such as .git are not report folders)"],
            Problems(Edit("name: t", "name: " + name)));

    [Fact]
    public void A_name_that_leaves_no_room_for_the_writers_temporary_folder_is_refused()
    {
        var longest = new string('n', SpecLimits.MaxNameBytes);
        Assert.Equal(longest, ExperimentSpecs.Loader.Parse(Edit("name: t", "name: " + longest), "spec.yaml").Name);

        Assert.Equal([$"spec.yaml:1:7: `name` is {SpecLimits.MaxNameBytes + 1} characters long; expected at most {SpecLimits.MaxNameBytes} (it names the report folder, and file names have at most 255 bytes)"],
            Problems(Edit("name: t", "name: " + longest + "n")));
    }

    [Fact]
    public void The_longest_name_and_its_hidden_siblings_fit_in_255_bytes()
    {
        Assert.Equal(ReportFolders.HiddenSiblingOverhead, 255 - SpecLimits.MaxNameBytes);
        var longest = new string('n', SpecLimits.MaxNameBytes);
        Assert.Equal(255, Encoding.UTF8.GetByteCount($".{longest}.replaced-{Guid.NewGuid():N}"));
    }

    [Theory]
    [InlineData("learning_rate: 0.001", "learning_rate: 1e-50", "14:42: `training.optimizer.learning_rate` is '1e-50'; expected a number > 0 that float32 can hold (from 1.4e-45 to 3.4e38)")]
    [InlineData("learning_rate: 0.001", "learning_rate: 1e39", "14:42: `training.optimizer.learning_rate` is '1e39'; expected a number > 0 that float32 can hold (from 1.4e-45 to 3.4e38)")]
    [InlineData("learning_rate: 0.001", "learning_rate: 1e308", "14:42: `training.optimizer.learning_rate` is '1e308'; expected a number > 0 that float32 can hold (from 1.4e-45 to 3.4e38)")]
    [InlineData("learning_rate: 0.001", "learning_rate: 1e400", "14:42: `training.optimizer.learning_rate` is '1e400'; expected a number > 0")]
    [InlineData("learning_rate: 0.001}", "learning_rate: 0.001, epsilon: 1e-60}", "14:58: `training.optimizer.epsilon` is '1e-60'; expected a number > 0 that float32 can hold (from 1.4e-45 to 3.4e38)")]
    [InlineData("filters: 8,", "filters: 100000,", "9:25: `model.layers[0].conv2d.filters` is '100000'; expected at most 65536 (a layer that large does not fit in memory)")]
    [InlineData("filters: 8,", "filters: 2147483647,", "9:25: `model.layers[0].conv2d.filters` is '2147483647'; expected at most 65536 (a layer that large does not fit in memory)")]
    [InlineData("{units: 10}", "{units: 99999999}", "11:22: `model.layers[2].dense.units` is '99999999'; expected at most 65536 (a layer that large does not fit in memory)")]
    [InlineData("filters: 8,", "filters: 65536,", "9:7: `model.layers` has 591,659,018 parameters; expected at most 250,000,000 (fewer filters or units)")]
    public void Values_the_engine_cannot_run_are_refused(string from, string to, string expected) =>
        Assert.Equal(["spec.yaml:" + expected], Problems(Edit(from, to)));

    [Fact]
    public void A_model_with_too_many_parameters_is_refused_at_its_layer_list()
    {
        var yaml = Edit("- dense: {units: 10}", "- dense: {units: 65536}\n    - dense: {units: 65536}\n    - dense: {units: 10}");
        Assert.Equal(["spec.yaml:9:7: `model.layers` has 4,767,613,162 parameters; expected at most 250,000,000 (fewer filters or units)"], Problems(yaml));
    }

    [Fact]
    public void A_batch_whose_layer_outputs_do_not_fit_in_memory_is_refused()
    {
        var yaml = Edit("batch_size: 64", "batch_size: 4096\n  image_size: 512").Replace("filters: 8,", "filters: 64,", StringComparison.Ordinal)
            .Replace("- flatten: {}", "- max_pooling2d: {pool_size: 64}\n    - flatten: {}", StringComparison.Ordinal);
        // 3x512x512 in, 64x510x510 after the convolution, ...: 17.4 million values per image, twice, in float32.
        Assert.Equal(["spec.yaml:10:7: `model.layers` with data.batch_size 4096 needs 532 GiB for one batch's layer outputs; expected at most 16 GiB (a smaller batch_size or image_size, or fewer filters)"],
            Problems(yaml));
    }

    [Fact]
    public void A_transfer_head_with_too_many_parameters_is_refused()
    {
        var yaml = Edit("""
              type: cnn
              layers:
                - conv2d: {filters: 8, kernel_size: 3}
                - flatten: {}
                - dense: {units: 10}
            """, """
              type: transfer
              base: resnet18
              head:
                - dense: {units: 65536}
                - dense: {units: 65536}
                - dense: {units: 10}
            """);
        Assert.Equal(["spec.yaml:10:7: `model.head` has 4,295,819,274 parameters; expected at most 250,000,000 (fewer filters or units)"], Problems(yaml));
    }
}
