using System.Globalization;

namespace Cairn.Bench.Carts;

/// <summary>Command-line settings of <c>cairn-bench-carts</c>.</summary>
internal sealed class Options
{
    public const string Usage = """
        cairn-bench-carts --cairn PATH [--quick] [--cases small,large] [--work DIR] [--markdown FILE.md]
                          [--small-count N] [--small-size BYTES] [--large-count N] [--large-size BYTES] [--runs N]
          Starts `cairn serve` (the given executable or cairn.dll) with Carts:ArchiveDirectory on a prepared directory of
          random files, and for each case measures: staging (POST /v1/carts/{uid} → ready, seen on the cart's event
          stream), the download of the tar to nowhere through Cairn.Client and through curl, and beside them GNU tar over
          the same files (to a pipe, and to a file). All warm-cache: the files were just written (the page cache cannot
          be dropped without root).
          cases: small (--small-count files of --small-size, default 1000 × 100 KiB), large (--large-count files of
                 --large-size, default 4 × 1 GiB); --runs (default 3) downloads and tar runs per case, the best kept
                 beside the median.
          --quick: small 50 × 100 KiB, large 2 × 32 MiB, --runs 1.
          Sizes take K, M, G suffixes (binary). The work directory (default a temp dir) is removed at the end; a case
          whose files, staged copy and reference tar do not fit on its disk (with 2 GiB to spare) is skipped.
        """;

    public string? Cairn { get; private set; }

    public bool Quick { get; private set; }

    public IReadOnlyList<string> Cases { get; private set; } = ["small", "large"];

    public string? Work { get; private set; }

    public string? Markdown { get; private set; }

    public int SmallCount { get; private set; } = 1000;

    public long SmallSize { get; private set; } = 100 * 1024;

    public int LargeCount { get; private set; } = 4;

    public long LargeSize { get; private set; } = 1L << 30;

    public int Runs { get; private set; } = 3;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            o.SmallCount = 50;
            o.LargeCount = 2;
            o.LargeSize = 32L << 20;
            o.Runs = 1;
        }

        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--cairn":
                    o.Cairn = Next();
                    break;
                case "--cases":
                    o.Cases = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (o.Cases.Any(c => c is not ("small" or "large")))
                    {
                        throw new ArgumentException("--cases is a list of small, large.");
                    }

                    break;
                case "--work":
                    o.Work = Next();
                    break;
                case "--markdown":
                    o.Markdown = Next();
                    break;
                case "--small-count":
                    o.SmallCount = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--small-size":
                    o.SmallSize = Size(Next());
                    break;
                case "--large-count":
                    o.LargeCount = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--large-size":
                    o.LargeSize = Size(Next());
                    break;
                case "--runs":
                    o.Runs = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}'.");
            }
        }

        if (o.Cairn is null)
        {
            throw new ArgumentException("--cairn PATH (the cairn executable or cairn.dll) is required.");
        }

        if (o.SmallCount < 1 || o.LargeCount < 1 || o.SmallSize < 0 || o.LargeSize < 0 || o.Runs < 1)
        {
            throw new ArgumentException("counts and --runs are at least 1, sizes at least 0.");
        }

        return o;
    }

    private static long Size(string text)
    {
        var t = text.Trim().ToUpperInvariant().TrimEnd('B').TrimEnd('I');
        var shift = t.Length > 0 ? t[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 } : 0;
        return long.Parse(shift == 0 ? t : t[..^1], CultureInfo.InvariantCulture) << shift;
    }
}
