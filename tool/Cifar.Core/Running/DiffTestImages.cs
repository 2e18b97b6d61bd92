using Cifar.Data;
using Cifar.Reports.Diff;
using Cifar.Reports.Images;

namespace Cifar.Running;

/// <summary>
/// The CIFAR-10 test images for <c>dotnet cifar diff --format html</c>, read through the dataset code from the
/// cache when the dataset is there. A diff never downloads: without the cached dataset the gallery falls back to the
/// pictures in the report folders.
/// </summary>
public static class DiffTestImages
{
    /// <summary>The cached test set, or null when the cache does not hold CIFAR-10.</summary>
    /// <param name="cacheDirOption">The CLI's <c>--cache-dir</c>, or null.</param>
    /// <exception cref="CifarUserException">Kind Download: the cached copy is damaged.</exception>
    public static async Task<TestSetPictures?> FromCacheAsync(string? cacheDirOption, CancellationToken cancellationToken = default)
    {
        var cache = new ArtifactCache(CacheLocation.Resolve(cacheDirOption));
        if (!Directory.Exists(cache.PathOf(Cifar10Download.CacheEntry))) return null;
        // The entry is there, so this only reads and checks it; the source is never fetched.
        var files = await new Cifar10Download()
            .EnsureAsync(cache, Cifar10Download.ResolveSource(null), progress: null, cancellationToken)
            .ConfigureAwait(false);
        byte[] pixels;
        using (var dataset = Cifar10Dataset.Load(files))
        {
            pixels = dataset.TestImages.data<byte>().ToArray();
        }
        var count = pixels.Length / Cifar10Download.ImageBytes;
        return new TestSetPictures(files.ContentHash, index => index < 0 || index >= count
            ? null
            : RgbImage.FromChannelsFirst(32, 32, pixels.AsSpan(index * Cifar10Download.ImageBytes, Cifar10Download.ImageBytes)));
    }
}
