using System.Text.Json;
using Cifar.Models;
using Cifar.Models.Transfer;
using Cifar.Reports;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;
using static Cifar.Tests.Specs.SpecTestFiles;
using static TorchSharp.torch;

namespace Cifar.Tests.Models;

/// <summary>
/// The committed reports came from real runs: the model each example spec describes today (its description and
/// parameter counts, from the layer table and the base catalogue) is still the model those reports measured.
/// </summary>
public class CommittedModelsTests
{
    [TorchFact]
    public void Example_specs_describe_the_models_of_the_committed_reports()
    {
        foreach (var name in new[] { "cnn", "transfer", "transfer-finetune" }) AssertSameModel(name);
    }

    private static void AssertSameModel(string name)
    {
        var spec = ExperimentSpecs.Loader.Load(Path.Combine(Experiments, name + ".yaml"));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "reports", name, "metrics.json")));
        var model = metrics.RootElement.GetProperty("model");

        ModelSummary summary;
        if (spec.Model is CnnModelSpec cnn)
        {
            summary = CnnBuilder.Summarize(cnn, spec.Data.EffectiveImageSize);
        }
        else
        {
            var transfer = (TransferModelSpec)spec.Model;
            var plan = PretrainedBases.Plan(transfer);
            // The architecture the run loaded its weights into, randomly initialised: the counts do not depend on values.
            using var transferModel = TransferModel.Create(transfer, PretrainedBases.CreateRandom(plan.Base, plan.BaseWeights), spec.Data.EffectiveImageSize);
            // The report shows the model as it ended: after fine-tuning, with the fine-tuned stages trainable.
            if (spec.Training.FineTune is { } fineTune) transferModel.SetTrainableStages(fineTune.TrainableLayers);
            summary = transferModel.Summary();
        }

        Assert.Equal(model.GetProperty("type").GetString(), spec.Model.Type);
        Assert.Equal(model.GetProperty("description").GetString(), SpecDescriptions.ModelDescription(spec.Model));
        Assert.Equal(model.GetProperty("trainable_parameters").GetInt64(), summary.TrainableParameters);
        Assert.Equal(model.GetProperty("total_parameters").GetInt64(), summary.TotalParameters);
    }
}
