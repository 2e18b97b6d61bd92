namespace Cifar.Data;

/// <summary>
/// The temporary files of writes that never finished (a run killed while saving features, activations or a
/// checkpoint), found and deleted by the next run that uses the folder. A write keeps its temporary file open with
/// <see cref="FileShare.None"/>, which .NET holds as an exclusive lock on Unix, so a file that can be opened the same way
/// has no live writer; the age rule also spares one whose writer has created it and not yet locked it. A symbolic link
/// is deleted without being opened (opening one could block on whatever it points at). Best effort: a read-only folder
/// keeps its leftovers.
/// </summary>
internal static class LeftoverTempFiles
{
    /// <summary>How old an unlocked temporary file must be before it counts as left over.</summary>
    internal static readonly TimeSpan Age = TimeSpan.FromMinutes(1);

    /// <summary>Deletes the files of <paramref name="folder"/> matching <paramref name="searchPattern"/> that are left over.</summary>
    internal static void Remove(string folder, string searchPattern)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var temp in Directory.EnumerateFiles(folder, searchPattern))
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(temp) < Age) continue;
                if ((File.GetAttributes(temp) & FileAttributes.ReparsePoint) == 0)
                {
                    using var unused = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                }
                File.Delete(temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Being written by another run or worker, or not ours to delete: leave it.
            }
        }
    }
}
