using System.CommandLine;
using System.Text;
using Cairn.Client;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary>Where a command reads and writes, and the global options it shares with every other client command.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, Func<Stream> stdin, Stream? rawStdout, CliEnvironment environment)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>Opens standard input (values and txn documents when no file is given).</summary>
    public Func<Stream> OpenStdin { get; } = stdin;

    /// <summary>The byte stream under <see cref="Out"/> when there is one, so raw values are written unchanged.</summary>
    public Stream? RawOut { get; } = rawStdout;

    /// <summary>Environment variables and the terminal (for password prompts).</summary>
    public CliEnvironment Environment { get; } = environment;

    public Option<string> Endpoint { get; } = new("--endpoint")
    {
        Description = "The server: http://HOST:PORT, https://HOST:PORT or unix:/path/to/cairn.sock (default $CAIRN_ENDPOINT, else http://127.0.0.1:7070).",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print machine-readable JSON instead of text.",
        Recursive = true,
    };

    // The credential and TLS options take their defaults from the environment in ClientOptions rather than with a
    // DefaultValueFactory, so that a value given on the command line can be told from one the environment gave: the
    // precedence is --token > --user > $CAIRN_TOKEN > the token file, and serve takes only what is typed.
    public Option<string?> Token { get; } = new("--token")
    {
        Description = "A bearer token (an API token or a login token) to send (default $CAIRN_TOKEN).",
        Recursive = true,
    };

    public Option<string?> User { get; } = new("--user")
    {
        Description = "Log in as USER with PASSWORD for this command; without :PASSWORD, it is asked for on the terminal.",
        HelpName = "USER[:PASSWORD]",
        Recursive = true,
    };

    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = "The token file cairn login writes and other commands read (default $CAIRN_TOKEN_FILE, else $XDG_CONFIG_HOME/cairn/token, else ~/.config/cairn/token).",
        Recursive = true,
    };

    public Option<string?> CaCert { get; } = new("--cacert")
    {
        Description = "Trust only the CAs in this PEM file for an https:// server (default $CAIRN_CACERT). With serve: the CA of client certificates.",
        Recursive = true,
    };

    public Option<string?> Cert { get; } = new("--cert")
    {
        Description = "Present this PEM client certificate to an https:// server (default $CAIRN_CERT). With serve: the server's certificate.",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = "The PEM private key of --cert (default $CAIRN_KEY; else it is in the --cert file).",
        Recursive = true,
    };

    public Option<bool> Http1 { get; } = new("--http1")
    {
        Description = "Speak HTTP/1.1 rather than HTTP/2, e.g. through a proxy that speaks only HTTP/1.1 (default: $CAIRN_HTTP1=1).",
        Recursive = true,
    };

    /// <summary>The global options, to add to the root command.</summary>
    public IEnumerable<Option> GlobalOptions => [Endpoint, Json, Token, User, TokenFile, CaCert, Cert, Key, Http1];

    /// <summary>The endpoint: <c>--endpoint</c>, else <c>$CAIRN_ENDPOINT</c>, else the default.</summary>
    public string EndpointOf(ParseResult parse) =>
        parse.GetValue(Endpoint) is { Length: > 0 } given ? given
        : Variable("CAIRN_ENDPOINT") ?? "http://127.0.0.1:7070";

    /// <summary>The token file: <c>--token-file</c>, else <c>$CAIRN_TOKEN_FILE</c>, else under <c>$XDG_CONFIG_HOME</c>, else
    /// <c>~/.config/cairn/token</c>.</summary>
    public string TokenFileOf(ParseResult parse)
    {
        if ((parse.GetValue(TokenFile) is { Length: > 0 } given ? given : Variable("CAIRN_TOKEN_FILE")) is { } file)
        {
            return Path.GetFullPath(file);
        }

        if (Variable("XDG_CONFIG_HOME") is { } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "cairn", "token");
        }

        return Variable("HOME") is { } home && Path.IsPathRooted(home)
            ? Path.Combine(home, ".config", "cairn", "token")
            : CairnTokenFile.DefaultPath;
    }

    /// <summary>The client's options from the global options and the environment.</summary>
    /// <param name="parse">The command line.</param>
    /// <param name="withCredentials">False for a client that must send none of them (login, logout).</param>
    public CairnClientOptions ClientOptions(ParseResult parse, bool withCredentials = true)
    {
        var options = new CairnClientOptions
        {
            Endpoint = EndpointOf(parse),
            CaCertFile = parse.GetValue(CaCert) ?? Variable("CAIRN_CACERT"),
            CertFile = parse.GetValue(Cert) ?? Variable("CAIRN_CERT"),
            KeyFile = parse.GetValue(Key) ?? Variable("CAIRN_KEY"),
            UseHttp2 = !(parse.GetValue(Http1) || IsSet("CAIRN_HTTP1")),
        };
        if (!withCredentials)
        {
            return options;
        }

        if (parse.GetValue(Token) is { Length: > 0 } token)
        {
            options.Token = token;
        }
        else if (UserOf(parse) is var (user, password))
        {
            options.User = user;
            options.Password = password ?? AskPassword(user);
        }
        else if (Variable("CAIRN_TOKEN") is { } environmentToken)
        {
            options.Token = environmentToken;
        }
        else
        {
            options.TokenFile = TokenFileOf(parse);
        }

        return options;
    }

    /// <summary><c>--user USER[:PASSWORD]</c> split; null when not given.</summary>
    public (string User, string? Password)? UserOf(ParseResult parse)
    {
        if (parse.GetValue(User) is not { Length: > 0 } given)
        {
            return null;
        }

        // A user name has no ':' (letters, digits, . _ @ -); everything after the first is the password.
        var colon = given.IndexOf(':', StringComparison.Ordinal);
        var user = colon < 0 ? given : given[..colon];
        if (user.Length == 0)
        {
            throw new ArgumentException("--user needs a user name: --user USER[:PASSWORD].");
        }

        return (user, colon < 0 ? null : given[(colon + 1)..]);
    }

    /// <summary>Asks for <paramref name="user"/>'s password on the terminal.</summary>
    /// <exception cref="ArgumentException">There is no terminal to ask on.</exception>
    public string AskPassword(string user) =>
        Environment.ReadSecret is { } read
            ? read($"Password for {user}: ")
            : throw new ArgumentException($"No password for user '{user}' and no terminal to ask for it on: give --user {user}:PASSWORD, or run cairn login {user} once (it reads the password from standard input).");

    /// <summary>A password for a login: from the terminal when there is one, else the first line of standard input.</summary>
    public async Task<string> ReadPasswordAsync(string user, CancellationToken cancellationToken) =>
        Environment.ReadSecret is { } read
            ? read($"Password for {user}: ")
            : await ReadStdinLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new ArgumentException($"No password for user '{user}' on standard input (one line).");

    /// <summary>A new password: asked twice on the terminal when there is one, else the first line of standard input.</summary>
    public async Task<string> ReadNewPasswordAsync(string user, CancellationToken cancellationToken)
    {
        if (Environment.ReadSecret is { } read)
        {
            var first = read($"New password for {user}: ");
            if (first.Length == 0)
            {
                throw new ArgumentException("The password is empty (--no-password makes a user without one).");
            }

            return read("Again: ") == first ? first : throw new ArgumentException("The passwords do not match; nothing was changed.");
        }

        var line = await ReadStdinLineAsync(cancellationToken).ConfigureAwait(false);
        return line is { Length: > 0 }
            ? line
            : throw new ArgumentException($"No password for user '{user}' on standard input (one line; --password P or --no-password otherwise).");
    }

    /// <summary>Runs a client command: makes the client, and turns every failure into one <c>cairn: …</c> line and exit 1.</summary>
    /// <param name="command">The command.</param>
    /// <param name="action">What it does with the client.</param>
    /// <param name="withCredentials">False for a command that must send no credential of the global options (login).</param>
    public void SetClientAction(Command command, Func<ParseResult, CairnClient, CancellationToken, Task<int>> action, bool withCredentials = true) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = new CairnClient(ClientOptions(parse, withCredentials));
                return await action(parse, client, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 130;
            }
            catch (UnauthenticatedException ex)
            {
                return await FailAsync(ex.Message.TrimEnd('.') + " (run cairn login, or give --token or --user).").ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                var message = ex is ArgumentException { ParamName: { } name } ? ex.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : ex.Message;
                return await FailAsync(message).ConfigureAwait(false);
            }
        });

    public async Task<int> FailAsync(string message)
    {
        // One line, always: a multi-line message would break scripts that read stderr line by line.
        var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        await Error.WriteLineAsync("cairn: " + line).ConfigureAwait(false);
        return 1;
    }

    public bool WantsJson(ParseResult parse) => parse.GetValue(Json);

    public Task WriteJsonAsync<T>(T value) =>
        Out.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(value, Contracts.WireJson.Options));

    private string? Variable(string name) => Environment.Variable(name) is { Length: > 0 } value ? value : null;

    // A switch in the environment: set to anything but 0, false or no.
    private bool IsSet(string name) => Variable(name) is { } value && value.Trim().ToLowerInvariant() is not ("0" or "false" or "no");

    // One line of standard input, without its line break; null when it is empty.
    private async Task<string?> ReadStdinLineAsync(CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(OpenStdin(), Encoding.UTF8);
        return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
    }
}
