#pragma warning disable CA5350, CA5351 // md5 and sha1 are what the seed's users send; these tests check them.
using System.Security.Cryptography;
using System.Text;
using Cairn.Carts;

namespace Cairn.Carts.Tests.Parts;

public sealed class CartHashesTests
{
    private static readonly byte[] Data = Encoding.ASCII.GetBytes("Writing content for first file");

    [Theory]
    [InlineData("md5", "md5")]
    [InlineData("MD5", "md5")]
    [InlineData("sha1", "sha1")]
    [InlineData("SHA-1", "sha1")]
    [InlineData("sha256", "sha256")]
    [InlineData("SHA-256", "sha256")]
    [InlineData("Sha384", "sha384")]
    [InlineData("sha-512", "sha512")]
    public void Normalize_AcceptsCaseAndDashes(string name, string canonical) => Assert.Equal(canonical, CartHashes.Normalize(name));

    [Theory]
    [InlineData("crc32")]
    [InlineData("")]
    [InlineData("sha3_256")]
    public void Normalize_RefusesOthersListingTheSupported(string name)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => CartHashes.Normalize(name));
        Assert.Contains("md5, sha1, sha256, sha384, sha512", error.Message);
    }

    public static TheoryData<string, string> Known => new()
    {
        { "md5", Convert.ToHexString(MD5.HashData(Data)) },
        { "sha1", Convert.ToHexString(SHA1.HashData(Data)) },
        { "sha256", Convert.ToHexString(SHA256.HashData(Data)) },
        { "sha384", Convert.ToHexString(SHA384.HashData(Data)) },
        { "SHA-512", Convert.ToHexString(SHA512.HashData(Data)) },
    };

    [Theory]
    [MemberData(nameof(Known))]
    public void Create_ComputesTheNamedHash_AndMatchesIgnoreCaseAndSpaces(string type, string hex)
    {
        using var hash = CartHashes.Create(type);
        hash.AppendData(Data.AsSpan(0, 7));
        hash.AppendData(Data.AsSpan(7));
        var actual = hash.GetHashAndReset();

        Assert.True(CartHashes.Matches(hex, actual));
        Assert.True(CartHashes.Matches(hex.ToLowerInvariant(), actual));
        Assert.True(CartHashes.Matches("  " + hex + " ", actual));
        Assert.False(CartHashes.Matches(hex[..^2], actual));
        Assert.False(CartHashes.Matches(hex + "00", actual));
        Assert.False(CartHashes.Matches(hex[..^1] + (hex[^1] == '0' ? "1" : "0"), actual));
        Assert.False(CartHashes.Matches(hex[..^1] + "g", actual));
        Assert.False(CartHashes.Matches(string.Empty, actual));
    }

    [Fact]
    public void Matches_KnownVectors()
    {
        using var sha1 = CartHashes.Create("sha1");
        sha1.AppendData("abc"u8);
        Assert.True(CartHashes.Matches("A9993E364706816ABA3E25717850C26C9CD0D89D", sha1.GetHashAndReset()));
        using var md5 = CartHashes.Create("md5");
        md5.AppendData("abc"u8);
        Assert.True(CartHashes.Matches("900150983cd24fb0d6963f7d28e17f72", md5.GetHashAndReset()));
    }
}
