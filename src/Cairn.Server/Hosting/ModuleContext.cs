using Microsoft.Extensions.Configuration;

namespace Cairn.Server.Hosting;

/// <summary>
/// What a module is given to configure itself: the server's configuration (every source merged: defaults,
/// appsettings.json, <c>CAIRN_*</c> variables, arguments, flags), the host's own settings, the data directory and the one
/// clock of the server. Its helpers read settings the same way for every module and turn a bad value into a
/// <see cref="StartupException"/> that names the setting.
/// </summary>
/// <param name="Configuration">The merged configuration.</param>
/// <param name="Host">The host's settings: node id, cluster membership, limits, backend.</param>
/// <param name="DataDir">The data directory, as a full path (created).</param>
/// <param name="Time">The server's clock: every module and the store use it (a fake one in tests).</param>
internal sealed record ModuleContext(IConfiguration Configuration, CairnOptions Host, string DataDir, TimeProvider Time)
{
    /// <summary>The node's id.</summary>
    public string NodeId => Host.NodeId!;

    /// <summary>Binds configuration section <paramref name="section"/> to a new <typeparamref name="T"/>.</summary>
    /// <exception cref="StartupException">A value cannot be converted to its setting's type.</exception>
    public T Bind<T>(string section)
        where T : new()
    {
        var options = new T();
        try
        {
            Configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new StartupException($"The {section} settings are invalid: " + (ex.InnerException?.Message ?? ex.Message), ex);
        }

        return options;
    }

    /// <summary>A list setting: its items, or one string of comma-separated items (as an environment variable such as
    /// <c>CAIRN_JOURNAL__LISTEN</c> gives it), split and trimmed.</summary>
    public IReadOnlyList<string> List(string setting) => Settings.List(Configuration, setting);

    /// <summary>The listeners a list setting names (<c>http://IP:PORT</c>, <c>unix:PATH?mode=…&amp;owner=…&amp;group=…</c>),
    /// a Unix socket <paramref name="defaultSocketMode"/> unless it gives a mode.</summary>
    /// <exception cref="StartupException">One of them is not understood.</exception>
    public IReadOnlyList<ListenerAddress> Listeners(string setting, UnixFileMode defaultSocketMode = UnixSocketOptions.Private) =>
        [.. List(setting).Select(l => ListenerAddress.Parse(l, defaultSocketMode))];
}
