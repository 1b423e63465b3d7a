using System.Text;

namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>Values are written as Python's json.dumps wrote them (expected values from Debian's Python 3.11).</summary>
public sealed class PythonJsonTests
{
    [Theory]
    [InlineData(1.5, "1.5")]
    [InlineData(100.0, "100.0")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(123456789012345680.0, "1.2345678901234568e+17")]
    [InlineData(-2.5e-7, "-2.5e-07")]
    [InlineData(0.1, "0.1")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(1e22, "1e+22")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(12345.678, "12345.678")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void Float_IsPythonsRepr(double value, string python)
    {
        Assert.Equal(python, PythonJson.Float(value));
    }

    [Fact]
    public void AppendString_EscapesAsEnsureAsciiDoes()
    {
        var json = new StringBuilder();

        PythonJson.AppendString(json, "h\u00e9\n\"x\u2028\U0001F600\u007f\u0001\\\t\r\b\f/");

        // json.dumps("h\u00e9\n\"x\u2028\U0001F600\x7f\x01\\\t\r\b\f/")
        Assert.Equal("\"h\\u00e9\\n\\\"x\\u2028\\ud83d\\ude00\\u007f\\u0001\\\\\\t\\r\\b\\f/\"", json.ToString());
    }
}
