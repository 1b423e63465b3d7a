using Cairn.Carts;

namespace Cairn.Carts.Tests.Parts;

public sealed class CartPathsTests
{
    [Theory]
    [InlineData("foo.txt", "foo.txt")]
    [InlineData("/foo.txt", "foo.txt")]
    [InlineData("//etc/passwd", "etc/passwd")]
    [InlineData("///a//b/./c/", "a/b/c")]
    [InlineData("./a/./b", "a/b")]
    [InlineData("1/2/3/foo.txt", "1/2/3/foo.txt")]
    [InlineData("a b/é.txt", "a b/é.txt")]
    [InlineData("...", "...")]
    [InlineData("a/..b/c..", "a/..b/c..")]
    public void NormalizeFilePath_KeepsThePathUnderTheRoot(string path, string expected) =>
        Assert.Equal(expected, CartPaths.NormalizeFilePath(path));

    [Theory]
    [InlineData("../x", "'..'")]
    [InlineData("a/../../x", "'..'")]
    [InlineData("a/..", "'..'")]
    [InlineData("/..", "'..'")]
    [InlineData("a\0b", "NUL")]
    [InlineData("a\nb", "control")]
    [InlineData("a\u007fb", "control")]
    [InlineData("a\\b", "'\\'")]
    [InlineData("..\\x", "'\\'")]
    [InlineData("", "names no file")]
    [InlineData("/", "names no file")]
    [InlineData("//./.", "names no file")]
    public void NormalizeFilePath_RefusesWhatCouldEscapeOrConfuse(string path, string rule)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => CartPaths.NormalizeFilePath(path));
        Assert.Contains(rule, error.Message);
        Assert.DoesNotContain("\0", error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public void NormalizeFilePath_QuotesTheEscapedInput()
    {
        var error = Assert.Throws<InvalidArgumentException>(() => CartPaths.NormalizeFilePath("x/\0/../y"));
        Assert.Contains("\"x/\\u0000/../y\"", error.Message);
    }

    [Fact]
    public void NormalizeFilePath_RefusesALoneSurrogate() =>
        Assert.Contains("Unicode", Assert.Throws<InvalidArgumentException>(() => CartPaths.NormalizeFilePath("a\ud800b")).Message);

    [Fact]
    public void NormalizeFilePath_RefusesNull() =>
        Assert.Throws<InvalidArgumentException>(() => CartPaths.NormalizeFilePath(null));

    [Fact]
    public void NormalizeFilePath_BoundsSegmentsAndTotalInUtf8Bytes()
    {
        Assert.Equal(new string('a', 255), CartPaths.NormalizeFilePath(new string('a', 255)));
        Assert.Contains("segment", Assert.Throws<InvalidArgumentException>(() => CartPaths.NormalizeFilePath(new string('a', 256))).Message);

        // 128 two-byte characters are 256 bytes.
        Assert.Throws<InvalidArgumentException>(() => CartPaths.NormalizeFilePath(new string('é', 128)));

        var segment = new string('a', 200);
        var ok = string.Join('/', Enumerable.Repeat(segment, 20)); // 20 * 201 - 1 = 4019 bytes
        Assert.Equal(ok, CartPaths.NormalizeFilePath(ok));
        var tooLong = string.Join('/', Enumerable.Repeat(segment, 21));
        Assert.Contains("4096", Assert.Throws<InvalidArgumentException>(() => CartPaths.NormalizeFilePath(tooLong)).Message);

        // Counted after normalisation: leading slashes and dots do not count.
        Assert.Equal(ok, CartPaths.NormalizeFilePath(new string('/', 500) + ok));
    }

    [Fact]
    public void CheckDistinct_AcceptsDistinctPaths() =>
        CartPaths.CheckDistinct(["a", "a.txt", "a0", "b/a", "b/a.txt", "ab/c", "a-b/c"]);

    [Theory]
    [InlineData("a", "a")]
    [InlineData("a", "a/b")]
    [InlineData("a/b", "a")]
    [InlineData("x/y", "x/y/z/w")]
    public void CheckDistinct_RefusesClashes(string first, string second)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => CartPaths.CheckDistinct(["q", first, "a.txt", "a0", "x/y.z", second, "zz"]));
        Assert.Contains($"\"{(first.Length <= second.Length ? first : second)}\"", error.Message);
    }

    [Fact]
    public void CheckDistinct_FindsAClashAmongManyPaths()
    {
        var paths = Enumerable.Range(0, 50_000).Select(i => $"d{i % 100}/f{i}").ToList();
        CartPaths.CheckDistinct(paths);
        paths.Add("d7/f1207/inner");
        var error = Assert.Throws<InvalidArgumentException>(() => CartPaths.CheckDistinct(paths));
        Assert.Contains("\"d7/f1207\"", error.Message);
        Assert.Contains("\"d7/f1207/inner\"", error.Message);
    }

    [Theory]
    [InlineData("mycart")]
    [InlineData("a-b_c.d:e@f")]
    [InlineData("...")]
    public void CheckUid_AcceptsKeySafeNames(string uid) => Assert.Equal(uid, CartPaths.CheckUid(uid));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("é")]
    [InlineData("a\0")]
    public void CheckUid_RefusesOthers(string? uid) =>
        Assert.Throws<InvalidArgumentException>(() => CartPaths.CheckUid(uid));

    [Fact]
    public void CheckUid_BoundsTheLength()
    {
        Assert.Equal(new string('u', 128), CartPaths.CheckUid(new string('u', 128)));
        Assert.Throws<InvalidArgumentException>(() => CartPaths.CheckUid(new string('u', 129)));
    }

    [Fact]
    public void CheckArchiveId_AcceptsAnyPrintableId()
    {
        Assert.Equal("a b/c?d#e%f", CartPaths.CheckArchiveId("a b/c?d#e%f"));
        Assert.Equal("../x", CartPaths.CheckArchiveId("../x"));
        Assert.Throws<InvalidArgumentException>(() => CartPaths.CheckArchiveId(""));
        Assert.Throws<InvalidArgumentException>(() => CartPaths.CheckArchiveId("a\0"));
        Assert.Throws<InvalidArgumentException>(() => CartPaths.CheckArchiveId("a\r\nX-Injected: 1"));
        Assert.Throws<InvalidArgumentException>(() => CartPaths.CheckArchiveId(new string('i', 4097)));
    }

    [Fact]
    public void DefaultFileName_IsTheSeedsNameOfTheReadyTimeInUtc() =>
        Assert.Equal("data_2024_03_05_07_08_09.tar", CartPaths.DefaultFileName(new DateTimeOffset(2024, 3, 5, 9, 8, 9, TimeSpan.FromHours(2))));

    [Theory]
    [InlineData("data.tar", "data")]
    [InlineData("data", "data")]
    [InlineData("data.tar.tar", "data.tar")]
    [InlineData("data.TAR", "data.TAR")]
    [InlineData("data.tar.gz", "data.tar.gz")]
    [InlineData("...tar", "..")]
    public void TarRoot_IsTheNameMinusOneTrailingTar(string fileName, string root)
    {
        if (root == "..")
        {
            Assert.Throws<InvalidArgumentException>(() => CartPaths.TarRoot(fileName, DateTimeOffset.UnixEpoch));
            return;
        }

        Assert.Equal(root, CartPaths.TarRoot(fileName, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void TarRoot_DefaultsToTheReadyTimesName() =>
        Assert.Equal("data_1970_01_01_00_00_00", CartPaths.TarRoot(null, DateTimeOffset.UnixEpoch));

    [Theory]
    [InlineData("")]
    [InlineData(".tar")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../x.tar")]
    [InlineData("a/b.tar")]
    [InlineData("/abs")]
    [InlineData("a\\b")]
    [InlineData("a\0.tar")]
    [InlineData("a\n.tar")]
    public void TarRoot_RefusesNamesThatAreNotOneSegment(string fileName) =>
        Assert.Throws<InvalidArgumentException>(() => CartPaths.TarRoot(fileName, DateTimeOffset.UnixEpoch));

    [Fact]
    public void TarRoot_BoundsTheLength()
    {
        Assert.Equal(new string('r', 255), CartPaths.TarRoot(new string('r', 255) + ".tar", DateTimeOffset.UnixEpoch));
        Assert.Throws<InvalidArgumentException>(() => CartPaths.TarRoot(new string('r', 256) + ".tar", DateTimeOffset.UnixEpoch));
    }
}
