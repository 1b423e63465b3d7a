using System.CommandLine;
using Cairn.Core;
using Cairn.ZooKeeper;

namespace Cairn.Cli;

/// <summary>
/// The ZooKeeper an import reads an original deployment from (<c>journal import</c>, <c>run import</c>): its connect
/// string, digest credentials, and TLS to its secure client port with the same flags as <c>serve</c>'s ZooKeeper backend
/// (<c>--zk-ca-file</c>, <c>--zk-cert-file</c>, <c>--zk-key-file</c>).
/// </summary>
internal sealed class ZooKeeperSource
{
    private readonly Option<string?> _digest = new("--digest") { Description = "USER:PASSWORD of ZooKeeper's digest scheme, when the znodes' ACL lets only that user read them." };
    private readonly Option<string?> _caFile = new("--zk-ca-file") { Description = "PEM file of the CA of the ZooKeeper servers' certificates: speak TLS to their secure client port." };
    private readonly Option<string?> _certFile = new("--zk-cert-file") { Description = "PEM file of the client certificate shown to ZooKeeper over TLS (ssl.clientAuth=need); may hold the key too." };
    private readonly Option<string?> _keyFile = new("--zk-key-file") { Description = "PEM file of the key of --zk-cert-file." };
    private readonly Option<string> _connectTimeout = new("--connect-timeout")
    {
        Description = "How long to wait for a ZooKeeper server to answer (default 10s).",
        DefaultValueFactory = _ => "10s",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _digest, _caFile, _certFile, _keyFile, _connectTimeout })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Whether digest credentials were given.</summary>
    public bool HasDigest(ParseResult parse) => parse.GetValue(_digest) is not null;

    /// <summary>Connects to <paramref name="target"/> (a connect string with its chroot) as the options say.</summary>
    /// <param name="target">HOST:PORT[,HOST:PORT...][/CHROOT].</param>
    /// <param name="what">What is read, for the error: "the original journal".</param>
    /// <param name="parse">The command line.</param>
    /// <param name="cancellationToken">Cancels the connecting.</param>
    /// <exception cref="ArgumentException">An option is wrong (the message names it).</exception>
    /// <exception cref="InvalidOperationException">ZooKeeper cannot be reached or refused the session.</exception>
    public async Task<ZooKeeperClient> ConnectAsync(string target, string what, ParseResult parse, CancellationToken cancellationToken)
    {
        ZooKeeperTlsOptions? tls = null;
        if (parse.GetValue(_caFile) is { } caFile)
        {
            tls = ZooKeeperTlsOptions.FromPemFiles(caFile, parse.GetValue(_certFile), parse.GetValue(_keyFile));
        }
        else if (parse.GetValue(_certFile) is not null || parse.GetValue(_keyFile) is not null)
        {
            throw new ArgumentException("--zk-cert-file and --zk-key-file are for TLS, which --zk-ca-file turns on; give it too.");
        }

        var options = new ZooKeeperClientOptions
        {
            ConnectString = target,
            ConnectTimeout = Durations.Parse(parse.GetValue(_connectTimeout)!, "--connect-timeout"),
            SessionTimeout = TimeSpan.FromSeconds(30),
            Auth = parse.GetValue(_digest) is { } credentials ? [Digest(credentials)] : [],
            Tls = tls,
        };
        try
        {
            return await ZooKeeperClient.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (ZooKeeperConnectException ex)
        {
            var hint = tls is null ? " (if it serves TLS only, give --zk-ca-file and the client certificate)" : "";
            throw new InvalidOperationException($"cannot read {what} from ZooKeeper '{target}': {ex.Message}{hint}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"--zookeeper '{target}' is not a ZooKeeper connect string (HOST:PORT[,HOST:PORT...][/CHROOT]): {ex.Message}", ex);
        }
    }

    private static ZooKeeperAuth Digest(string credentials)
    {
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new ArgumentException("--digest must be USER:PASSWORD (the user name before the first colon, not empty).");
        }

        return ZooKeeperAuth.Digest(credentials[..colon], credentials[(colon + 1)..]);
    }
}
