using System.Text;

namespace Cairn.Cli.Tests.Security;

/// <summary>
/// Runs <c>cairn</c> in-process with an environment of the test's own (nothing from the process's: no stray
/// <c>CAIRN_TOKEN</c> or home directory) and, when given, a terminal that answers password prompts.
/// </summary>
internal sealed class AuthCli(string endpoint, string directory)
{
    private readonly Dictionary<string, string?> _variables = new(StringComparer.Ordinal) { ["HOME"] = directory };

    public string Endpoint { get; } = endpoint;

    /// <summary>The token file the runs use unless told otherwise (<c>$CAIRN_TOKEN_FILE</c>).</summary>
    public string TokenFile => Path.Combine(directory, "token");

    /// <summary>The prompts the terminal was asked, in order.</summary>
    public List<string> Prompts { get; } = [];

    /// <summary>The answers the terminal gives, in order; null: there is no terminal.</summary>
    public Queue<string>? Terminal { get; set; }

    public AuthCli WithVariable(string name, string? value)
    {
        _variables[name] = value;
        return this;
    }

    /// <summary>Runs <c>cairn ARGS --endpoint ENDPOINT</c> with <c>$CAIRN_TOKEN_FILE</c> set to <see cref="TokenFile"/>.</summary>
    public Task<CliRun> RunAsync(params string[] args) => RunWithStdinAsync(null, args);

    public async Task<CliRun> RunWithStdinAsync(string? stdin, params string[] args)
    {
        var variables = new Dictionary<string, string?>(_variables);
        variables.TryAdd("CAIRN_TOKEN_FILE", TokenFile);
        var environment = new CliEnvironment(name => variables.GetValueOrDefault(name), Terminal is null ? null : Answer);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync([.. args, "--endpoint", Endpoint], stdout, stderr, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? "")), environment: environment);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Starts a command that runs until cancelled (a worker), with the same environment; its standard error is
    /// readable while it runs.</summary>
    public (Task<int> Exit, Func<string> Error) Start(string[] args, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, string?>(_variables);
        variables.TryAdd("CAIRN_TOKEN_FILE", TokenFile);
        var environment = new CliEnvironment(name => variables.GetValueOrDefault(name), null);
        var stdout = new LiveWriter();
        var stderr = new LiveWriter();
        var exit = Task.Run(() => Cli.RunAsync([.. args, "--endpoint", Endpoint], stdout, stderr, () => new MemoryStream(), environment: environment, cancellationToken: cancellationToken));
        return (exit, stderr.Text);
    }

    private string Answer(string prompt)
    {
        Prompts.Add(prompt);
        return Terminal!.Dequeue();
    }
}
