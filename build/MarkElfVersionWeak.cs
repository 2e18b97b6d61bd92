#nullable enable
// Compiled by MSBuild's RoslynCodeTaskFactory (see build/LibTorchSharpCompat.targets), so it stays a single file
// with no dependencies beyond the BCL and Microsoft.Build.Framework.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Copies an ELF shared object and sets VER_FLG_WEAK on one symbol-version requirement (a Vernaux entry of
/// .gnu.version_r). glibc's loader then tolerates that version being absent from the providing library instead of
/// refusing to load the file. Only safe when no relocation binds a symbol through that version.
/// </summary>
public sealed class MarkElfVersionWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required] public string SourceFile { get; set; } = "";
    [Required] public string DestinationFile { get; set; } = "";
    [Required] public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        byte[] elf = File.ReadAllBytes(SourceFile);
        string? problem = Patch(elf, VersionName, out bool changed);
        if (problem != null)
        {
            Log.LogError("{0}: {1}", SourceFile, problem);
            return false;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(DestinationFile))!);
        string temp = DestinationFile + ".tmp";
        File.WriteAllBytes(temp, elf);
        if (File.Exists(DestinationFile)) File.Delete(DestinationFile);
        File.Move(temp, DestinationFile);
        Log.LogMessage(MessageImportance.Normal, "{0}: {1} requirement {2} -> {3}",
            Path.GetFileName(SourceFile), changed ? "marked weak" : "already weak or absent:", VersionName, DestinationFile);
        return true;
    }

    private static string? Patch(byte[] elf, string versionName, out bool changed)
    {
        changed = false;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            return "not an ELF file";
        if (elf[4] != 2 || elf[5] != 1)
            return "only 64-bit little-endian ELF files are supported";

        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;

            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
            int entries = (int)BitConverter.ToUInt32(elf, (int)sh + 0x2C);
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);

            long verneed = offset;
            for (int n = 0; n < entries; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)verneed + 2);
                long aux = verneed + BitConverter.ToUInt32(elf, (int)verneed + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadCString(elf, name) == versionName)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, (int)aux + 4);
                            changed = true;
                        }
                        return null;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                verneed += BitConverter.ToUInt32(elf, (int)verneed + 12);
            }
        }
        return null; // a build of the library that no longer asks for the version: nothing to do
    }

    private static string ReadCString(byte[] bytes, long start)
    {
        long end = start;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }
}
