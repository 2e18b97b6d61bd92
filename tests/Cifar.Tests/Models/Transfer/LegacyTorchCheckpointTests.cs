using Cifar.Models.Transfer;
using Cifar.Tests.Infra;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

public class LegacyTorchCheckpointTests
{
    /// <summary>
    /// A state dict in PyTorch's legacy torch.save format, written by make_legacy_checkpoint.py (next to this file)
    /// the way torch/serialization.py's _legacy_save does: 0.weight = 0.5 * [0..5] as [2,3,1,1]; 0.bias = [-1, 2]
    /// (torch 0.3's _rebuild_tensor); 1.weight, 1.bias, 1.running_mean, 1.running_var at offsets 0, 2, 4, 5 of one
    /// storage [1, 1.5, 0.25, -0.25, 3, 4, 9]; 1.num_batches_tracked = 7 (int64, 0-d); "transposed" = a [3,2] view of
    /// 0.weight's storage with strides (1, 3); plus an OrderedDict _metadata.
    /// </summary>
    private static readonly byte[] Checkpoint = Convert.FromBase64String(
        "gAKKCmz8nEb5IGqoUBkugAJN6QMugAJ9cQAoWBAAAABwcm90b2NvbF92ZXJzaW9ucQFN6QNYDQAAAGxpdHRsZV9lbmRpYW5xAohYCgAAAHR5cG" +
        "Vfc2l6ZXNxA31xBChYBQAAAHNob3J0cQVLAlgDAAAAaW50cQZLBFgEAAAAbG9uZ3EHSwh1dS6AAmNjb2xsZWN0aW9ucwpPcmRlcmVkRGljdApx" +
        "AClScQEoWAgAAAAwLndlaWdodHECY3RvcmNoLl91dGlscwpfcmVidWlsZF90ZW5zb3JfdjIKcQMoKFgHAAAAc3RvcmFnZXEEY3RvcmNoCkZsb2" +
        "F0U3RvcmFnZQpxBVgGAAAAMTQwMDAxcQZYAwAAAGNwdXEHSwZOdHEIUUsAKEsCSwNLAUsBdHEJKEsDSwFLAUsBdHEKiWgAKVJxC3RxDFJxDVgG" +
        "AAAAMC5iaWFzcQ5jdG9yY2guX3V0aWxzCl9yZWJ1aWxkX3RlbnNvcgpxDygoaARoBVgGAAAAMTQwMDAycRBoB0sCTnRxEVFLAEsChXESSwGFcR" +
        "N0cRRScRVYCAAAADEud2VpZ2h0cRZoAygoaARoBVgGAAAAMTQwMDAzcRdoB0sHTnRxGFFLAGgSaBOJaAApUnEZdHEaUnEbWAYAAAAxLmJpYXNx" +
        "HGgDKChoBGgFaBdoB0sHTnRxHVFLAmgSaBOJaAApUnEedHEfUnEgWA4AAAAxLnJ1bm5pbmdfbWVhbnEhaAMoKGgEaAVoF2gHSwdOdHEiUUsEaB" +
        "JoE4loAClScSN0cSRScSVYDQAAADEucnVubmluZ192YXJxJmgDKChoBGgFaBdoB0sHTnRxJ1FLBWgSaBOJaAApUnEodHEpUnEqWBUAAAAxLm51" +
        "bV9iYXRjaGVzX3RyYWNrZWRxK2gDKChoBGN0b3JjaApMb25nU3RvcmFnZQpxLFgGAAAAMTQwMDA0cS1oB0sBTnRxLlFLACkpiWgAKVJxL3RxMF" +
        "JxMVgKAAAAdHJhbnNwb3NlZHEyaAMoKGgEaAVoBmgHSwZOdHEzUUsASwNLAoZxNEsBSwOGcTWJaAApUnE2dHE3UnE4dX1xOVgJAAAAX21ldGFk" +
        "YXRhcTpoAClScTsoWAAAAABxPH1xPVgHAAAAdmVyc2lvbnE+SwFzWAEAAAAxcT99cUBoPksCc3VzYi6AAl1xAChYBgAAADE0MDAwMXEBWAYAAA" +
        "AxNDAwMDJxAlgGAAAAMTQwMDAzcQNYBgAAADE0MDAwNHEEZS4GAAAAAAAAAAAAAAAAAAA/AACAPwAAwD8AAABAAAAgQAIAAAAAAAAAAACAvwAA" +
        "AEAHAAAAAAAAAAAAgD8AAMA/AACAPgAAgL4AAEBAAACAQAAAEEEBAAAAAAAAAAcAAAAAAAAA");

    private static string Write(TempFolder folder)
    {
        var path = folder.Combine("legacy.pth");
        File.WriteAllBytes(path, Checkpoint);
        return path;
    }

    [TorchFact]
    public void Reads_tensors_views_and_dtypes_of_a_legacy_checkpoint()
    {
        using var folder = new TempFolder();
        var path = Write(folder);

        var tensors = LegacyTorchCheckpoint.Read(path, _ => true);
        try
        {
            Assert.True(LegacyTorchCheckpoint.IsLegacy(path));
            Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "transposed"], tensors.Keys);
            Assert.Equal(new long[] { 2, 3, 1, 1 }, tensors["0.weight"].shape);
            Assert.Equal([0f, 0.5f, 1f, 1.5f, 2f, 2.5f], tensors["0.weight"].data<float>().ToArray());
            Assert.Equal([-1f, 2f], tensors["0.bias"].data<float>().ToArray());
            Assert.Equal([0.25f, -0.25f], tensors["1.bias"].data<float>().ToArray());
            Assert.Equal([4f, 9f], tensors["1.running_var"].data<float>().ToArray());
            Assert.Equal(ScalarType.Int64, tensors["1.num_batches_tracked"].dtype);
            Assert.Equal(0, tensors["1.num_batches_tracked"].dim());
            Assert.Equal(7L, tensors["1.num_batches_tracked"].item<long>());
            Assert.Equal([0f, 1.5f, 0.5f, 2f, 1f, 2.5f], tensors["transposed"].contiguous().data<float>().ToArray());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [TorchFact]
    public void Loads_a_legacy_checkpoint_into_a_module_by_key()
    {
        using var folder = new TempFolder();
        var path = Write(folder);
        using var module = nn.Sequential(nn.Conv2d(3, 2, 1), nn.BatchNorm2d(2));

        PretrainedBases.LoadStateDict(module, path, "tiny");

        var state = module.state_dict();
        Assert.Equal([-1f, 2f], state["0.bias"].data<float>().ToArray());
        Assert.Equal([3f, 4f], state["1.running_mean"].data<float>().ToArray());
        Assert.Equal(7L, state["1.num_batches_tracked"].item<long>());
    }

    [TorchFact]
    public void A_legacy_checkpoint_missing_a_key_or_with_the_wrong_shape_is_a_download_error()
    {
        using var folder = new TempFolder();
        var path = Write(folder);
        using var wider = nn.Sequential(nn.Conv2d(3, 4, 1));
        using var deeper = nn.Sequential(nn.Conv2d(3, 2, 1), nn.BatchNorm2d(2), nn.Conv2d(2, 2, 1));

        var shape = Assert.Throws<CifarUserException>(() => PretrainedBases.LoadStateDict(wider, path, "wide"));
        var missing = Assert.Throws<CifarUserException>(() => PretrainedBases.LoadStateDict(deeper, path, "deep"));

        Assert.Equal(UserErrorKind.Download, shape.Kind);
        Assert.Contains("'0.weight' has shape [2,3,1,1], expected [4,3,1,1]", shape.Message, StringComparison.Ordinal);
        Assert.Contains("'2.weight' is missing", missing.Message, StringComparison.Ordinal);
    }

    [TorchFact]
    public void A_truncated_legacy_checkpoint_is_a_download_error()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("cut.pth");
        File.WriteAllBytes(path, Checkpoint[..(Checkpoint.Length - 10)]);
        using var module = nn.Sequential(nn.Conv2d(3, 2, 1), nn.BatchNorm2d(2));

        var error = Assert.Throws<CifarUserException>(() => PretrainedBases.LoadStateDict(module, path, "tiny"));

        Assert.Equal(UserErrorKind.Download, error.Kind);
    }
}
