using Cairn.Core;

namespace Cairn.Cli.Tests;

/// <summary>The one duration syntax of every setting, flag and query parameter (<see cref="Durations"/>).</summary>
public sealed class DurationTests
{
    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("1.5h", 5400)]
    [InlineData("500ms", 0.5)]
    [InlineData("00:10:00", 600)]
    public void Durations_ParseAsPeopleWriteThem(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text, "--older-than"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("10 minutes")]
    [InlineData("-5m")]
    [InlineData("1y")]
    public void Durations_RejectOtherText(string text)
    {
        Assert.Throws<InvalidArgumentException>(() => Durations.Parse(text, "--older-than"));
    }

    [Theory]
    [InlineData("1h30m")]
    [InlineData("2d")]
    [InlineData("250ms")]
    [InlineData("0s")]
    [InlineData("1d2h3m4s5ms")]
    public void Durations_FormatAsTheyParse(string text)
    {
        var duration = Durations.Parse(text, "x");

        Assert.Equal(text, Durations.Format(duration));
        Assert.Equal(duration, Durations.Parse(Durations.Format(duration), "x"));
    }

    [Fact]
    public void Durations_RoundUpToWholeSeconds_ForLeases()
    {
        Assert.Equal(2, Durations.WholeSeconds(Durations.Parse("1.2s", "--ttl")));
        Assert.Equal(600, Durations.WholeSeconds(Durations.Parse("10m", "--ttl")));
    }

    [Fact]
    public void Durations_TooLargeToHold_AreRefused_NotOverflowed()
    {
        Assert.False(Durations.TryParse("99999999999999999d", out _));
        Assert.False(Durations.TryParse("1e400", out _));
    }
}
