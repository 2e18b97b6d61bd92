using System.Text;
using Cifar.Reproducibility;

namespace Cifar.Tests.Reproducibility;

public class HashingTests
{
    // FIPS 180-2 test vectors.
    private const string Abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private const string Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Text_bytes_and_files_hash_to_the_same_lowercase_hex()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "abc", new UTF8Encoding(false));

            Assert.Equal(Abc, Hashing.Sha256Hex("abc"));
            Assert.Equal(Abc, Hashing.Sha256Hex("abc"u8));
            Assert.Equal(Abc, Hashing.Sha256HexOfFile(path));
            Assert.Equal(Empty, Hashing.Sha256Hex(""));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Text_is_hashed_as_utf8()
    {
        Assert.Equal(Hashing.Sha256Hex(Encoding.UTF8.GetBytes("größe: 32")), Hashing.Sha256Hex("größe: 32"));
    }
}
