using System.Diagnostics;
using System.Globalization;

namespace Cairn.Processes;

/// <summary>
/// Starts programs as an unprivileged user, within resource limits, with a clean environment: the way extension
/// executables and jobs run. Made once from a module's settings by <see cref="Create"/>, which checks that the user and
/// the tools exist; <see cref="Prepare"/> then turns each start into the wrapped command.
/// </summary>
/// <remarks>
/// <para>Why wrapper programs and not a library: .NET starts a process with fork and exec in native code of its own and
/// runs no managed code in between, which is where setrlimit, setgroups, setgid, setuid and
/// <c>prctl(PR_SET_NO_NEW_PRIVS)</c> would have to be called for the child alone (calling them in the server would change
/// the server). <see cref="ProcessStartInfo.UserName"/> does switch the user on Unix, but sets no limits and no
/// no_new_privs and keeps the user's supplementary groups. So the command is prefixed with util-linux tools, always there
/// on Debian, that each do one thing and exec in place, so that the process id the server holds is the program's own:
/// <c>setsid</c> (a new session and process group, killable whole), <c>prlimit</c> (the limits, set while still the
/// server's user, so that root may set hard limits to anything) and <c>setpriv</c> (the user's uid and gid, no
/// supplementary groups, no_new_privs, so that no set-uid program gives privileges back).</para>
/// <para>Files: a directory the program must write to is given to it (<see cref="GiveDirectory"/>) and taken back before
/// the server reads what it left there (<see cref="TakeBackDirectory"/>), so that nothing the program still runs can
/// swap a file for a link to one of the server's; a file it must read is shared with its group only
/// (<see cref="ShareForReading"/>). The server's data directory is 0700, so the program cannot read it.</para>
/// </remarks>
public sealed partial class ProcessSandbox
{
    /// <summary>The <c>PATH</c> of a program that runs as another user: the system's directories only (the server's own
    /// <c>PATH</c> may name directories that user cannot enter, such as root's home).</summary>
    public const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static readonly string[] ToolDirectories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

    private readonly Account? _user;
    private readonly uint _serverUid;
    private readonly uint _serverGid;
    private readonly string? _setsid;
    private readonly string? _prlimit;
    private readonly string? _setpriv;
    private readonly long _maxMemory;
    private readonly long _maxOpenFiles;
    private readonly long _maxProcesses;

    private ProcessSandbox(ProcessLimits limits, Account? user, uint serverUid, uint serverGid, bool wrap)
    {
        Limits = limits;
        _user = user;
        _serverUid = serverUid;
        _serverGid = serverGid;
        _setsid = Tool("setsid");
        if (!wrap)
        {
            return;
        }

        _prlimit = Tool("prlimit");
        _setpriv = SwitchesUser ? Tool("setpriv") : null;

        // A server that is not root cannot raise a hard limit: it gets as much as it has.
        _maxMemory = Clamp(limits.MaxMemoryBytes, Native.RlimitAs);
        _maxOpenFiles = Clamp(limits.MaxOpenFiles, Native.RlimitNofile);
        _maxProcesses = Clamp(limits.MaxProcesses, Native.RlimitNproc);
    }

    /// <summary>No sandbox: programs run as the caller's user, with the caller's environment and limits (only a new
    /// session when asked for). What a library user gets by default; the server and <c>cairn worker</c> always make one
    /// with <see cref="Create"/>.</summary>
    public static ProcessSandbox None { get; } = new(new ProcessLimits { MaxMemoryBytes = 0, MaxOpenFiles = 0, MaxCpuSeconds = 0 }, null, 0, 0, wrap: false);

    /// <summary>The settings it was made from.</summary>
    public ProcessLimits Limits { get; }

    /// <summary>Whether it does anything (false for <see cref="None"/>).</summary>
    public bool IsActive => _user is not null;

    /// <summary>The name of the user programs run as; null for <see cref="None"/>.</summary>
    public string? UserName => _user?.Name;

    /// <summary>The uid programs run as; null for <see cref="None"/>.</summary>
    public uint? UserId => _user?.Uid;

    /// <summary>The gid programs run as; null for <see cref="None"/>.</summary>
    public uint? GroupId => _user?.Gid;

    /// <summary>Whether programs run as another user than the server's (the server is root).</summary>
    public bool SwitchesUser => _user is { } user && user.Uid != _serverUid;

    /// <summary>
    /// Checks the settings of section <paramref name="section"/> (<c>Extensions</c>, <c>Jobs</c>) and makes the sandbox:
    /// the user exists and is not root, a server that is not root runs programs as itself, the limits are not negative,
    /// and <c>prlimit</c> (and <c>setpriv</c>, to switch users) are installed. Off Linux it is <see cref="None"/>.
    /// </summary>
    /// <param name="limits">The settings.</param>
    /// <param name="section">The settings section, which the messages name (<c>Jobs:RunAs</c>).</param>
    /// <param name="settingName">How a message names a setting (<c>RunAs</c>, <c>MaxMemoryBytes</c>, …) where it is not
    /// <c>section:Setting</c>, e.g. as a command-line option.</param>
    /// <exception cref="ArgumentException">A setting cannot work; the message names it (<c>Jobs:RunAs</c>, …) and says
    /// what to do.</exception>
    public static ProcessSandbox Create(ProcessLimits limits, string section, Func<string, string>? settingName = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentException.ThrowIfNullOrEmpty(section);
        if (!OperatingSystem.IsLinux())
        {
            return None;
        }

        string Name(string setting) => settingName?.Invoke(setting) ?? $"{section}:{setting}";

        Check(limits.MaxMemoryBytes >= 0, $"{Name("MaxMemoryBytes")} must be a number of bytes, or 0 for no limit; got {limits.MaxMemoryBytes}.");
        Check(limits.MaxOpenFiles >= 0, $"{Name("MaxOpenFiles")} must be a number of files, or 0 for the server's own limit; got {limits.MaxOpenFiles}.");
        Check(limits.MaxCpuSeconds is null or >= 0, $"{Name("MaxCpuSeconds")} must be a number of seconds, or 0 for no limit; got {limits.MaxCpuSeconds}.");
        Check(limits.MaxProcesses >= 0, $"{Name("MaxProcesses")} must be a number of processes, or 0 for no limit; got {limits.MaxProcesses}.");
        foreach (var name in limits.Environment.Keys)
        {
            Check(
                name.Length > 0 && !name.Contains('=', StringComparison.Ordinal) && !name.Contains('\0', StringComparison.Ordinal),
                $"{Name("Environment")} has a variable named '{name}'; a name is not empty and has no '=' or NUL.");
        }

        var serverUid = Native.GetEffectiveUserId();
        var serverGid = Native.GetEffectiveGroupId();
        var user = ResolveUser(limits.RunAs, Name("RunAs"), serverUid);
        var sandbox = new ProcessSandbox(limits, user, serverUid, serverGid, wrap: true);
        Check(sandbox._prlimit is not null, $"{section}: programs are started under resource limits with prlimit (util-linux), which is not installed; install util-linux.");
        Check(!sandbox.SwitchesUser || sandbox._setpriv is not null, $"{Name("RunAs")}: programs are started as user '{user.Name}' with setpriv (util-linux), which is not installed; install util-linux.");
        return sandbox;
    }

    /// <summary>
    /// Sets <paramref name="start"/> up to run <paramref name="program"/> with <paramref name="arguments"/> in the sandbox:
    /// its file name and arguments become the wrapped command, and (unless this is <see cref="None"/>) its environment a
    /// clean one (<c>PATH</c>, <c>HOME</c>, <c>LANG</c>, <c>USER</c>, <c>LOGNAME</c>, <c>TZ</c> if the server has it, and
    /// <see cref="ProcessLimits.Environment"/>). The caller adds its own variables afterwards.
    /// </summary>
    public void Prepare(ProcessStartInfo start, string program, IEnumerable<string> arguments, ProcessRun run)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(run);
        var argv = new List<string>();
        if (run.NewSession && _setsid is not null)
        {
            argv.Add(_setsid);
        }

        if (_prlimit is not null)
        {
            argv.Add(_prlimit);
            argv.AddRange(LimitArguments(run));
            argv.Add("--");
        }

        if (SwitchesUser)
        {
            argv.Add(_setpriv!);
            argv.Add(string.Create(CultureInfo.InvariantCulture, $"--reuid={_user!.Uid}"));
            argv.Add(string.Create(CultureInfo.InvariantCulture, $"--regid={_user.Gid}"));
            argv.Add("--clear-groups");
            argv.Add("--no-new-privs");
            argv.Add("--");
        }

        argv.Add(program);
        argv.AddRange(arguments);
        start.FileName = argv[0];
        start.ArgumentList.Clear();
        foreach (var argument in argv.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        if (_user is not { } user)
        {
            return;
        }

        var inherited = System.Environment.GetEnvironmentVariables();
        start.Environment.Clear();
        start.Environment["PATH"] = SwitchesUser ? DefaultPath : System.Environment.GetEnvironmentVariable("PATH") ?? DefaultPath;
        start.Environment["HOME"] = run.Home ?? user.Home;
        start.Environment["LANG"] = System.Environment.GetEnvironmentVariable("LANG") is { Length: > 0 } lang ? lang : "C.UTF-8";
        start.Environment["USER"] = user.Name;
        start.Environment["LOGNAME"] = user.Name;
        if (inherited["TZ"] is string tz)
        {
            start.Environment["TZ"] = tz;
        }

        foreach (var (name, value) in Limits.Environment)
        {
            start.Environment[name] = value;
        }
    }

    /// <summary>Makes directory <paramref name="path"/> the programs' own (their user's, mode 0700): a scratch directory
    /// a program writes to.</summary>
    public void GiveDirectory(string path)
    {
        if (SwitchesUser)
        {
            Native.ChangeOwner(path, _user!.Uid, _user.Gid);
        }

        if (IsActive)
        {
            SetMode(path, Private);
        }
    }

    /// <summary>Makes directory <paramref name="path"/> the server's again (mode 0700), so that no program still running
    /// can change what is in it while the server reads it.</summary>
    public void TakeBackDirectory(string path)
    {
        if (SwitchesUser)
        {
            Native.ChangeOwner(path, _serverUid, _serverGid);
        }

        if (IsActive)
        {
            SetMode(path, Private);
        }
    }

    /// <summary>Lets the programs read (and, for a directory, enter) <paramref name="path"/>, which stays the server's:
    /// group the user's group, mode 0750 (directory) or 0640 (file). Other local users still cannot read it.</summary>
    public void ShareForReading(string path)
    {
        if (!SwitchesUser)
        {
            return;
        }

        Native.ChangeOwner(path, _serverUid, _user!.Gid);
        SetMode(path, Directory.Exists(path)
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
    }

    /// <summary>
    /// Makes <paramref name="path"/> a directory the server keeps the programs' scratch directories in: created if
    /// missing, mode 0711 (the programs may pass through it to their own directory but not list it), and it must be the
    /// server's own and not a link, since the server changes owners of what it creates there.
    /// </summary>
    /// <exception cref="InvalidOperationException">It is a link, or belongs to another user.</exception>
    public void PrepareWorkRoot(string path)
    {
        Directory.CreateDirectory(path);
        if (!IsActive || !OperatingSystem.IsLinux())
        {
            return;
        }

        var status = Native.Status(path) ?? throw new InvalidOperationException($"'{path}' vanished while it was being made.");
        if (status.Kind != FileKind.Directory)
        {
            throw new InvalidOperationException($"'{path}' is a link or not a directory; the work directory must be a directory of the server's own.");
        }

        if (status.Uid != _serverUid)
        {
            throw new InvalidOperationException(
                $"'{path}' belongs to uid {status.Uid}, not to the server's user (uid {_serverUid}); the server changes owners of files in its work directory, so another user's directory is refused. Remove it, or choose another work directory.");
        }

        SetMode(path, Private | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    /// <summary>Whether <paramref name="path"/> is a regular file itself: not a link, directory, FIFO, socket or device
    /// (so opening it neither follows a link a program planted nor blocks).</summary>
    public static bool IsRegularFile(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            return info.Exists && info.LinkTarget is null;
        }

        return Native.Status(path)?.Kind == FileKind.Regular;
    }

    /// <summary>What a process that exited with <paramref name="exitCode"/> (as .NET reports a signal: 128 + its number)
    /// ran into, when it was a limit of this sandbox; null otherwise.</summary>
    public string? DescribeExit(int exitCode) => exitCode switch
    {
        128 + 24 => "it used up its CPU time limit and was stopped with SIGXCPU",
        128 + 9 when IsActive => "it was killed (SIGKILL: its CPU time ran out, or the system ran out of memory)",
        _ => null,
    };

    private IEnumerable<string> LimitArguments(ProcessRun run)
    {
        // Soft and hard limits alike, so that the program cannot raise them again.
        yield return "--core=0:0";
        if (_maxMemory > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"--as={_maxMemory}:{_maxMemory}");
        }

        if (_maxOpenFiles > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"--nofile={_maxOpenFiles}:{_maxOpenFiles}");
        }

        if (_maxProcesses > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"--nproc={_maxProcesses}:{_maxProcesses}");
        }

        var cpu = Limits.MaxCpuSeconds ?? DerivedCpuSeconds(run.Timeout);
        cpu = Clamp(cpu, Native.RlimitCpu);
        if (cpu > 0)
        {
            // SIGXCPU at the soft limit (its default action ends the process), SIGKILL a second later if it is caught.
            yield return string.Create(CultureInfo.InvariantCulture, $"--cpu={cpu}:{cpu + 1}");
        }
    }

    /// <summary>The timeout times the number of processors, in whole seconds: more than a process can use within its
    /// run, so the limit only stops one that outlived it.</summary>
    private static long DerivedCpuSeconds(TimeSpan? timeout) =>
        timeout is { } t && t > TimeSpan.Zero
            ? (long)Math.Min(Math.Ceiling(t.TotalSeconds) * System.Environment.ProcessorCount, int.MaxValue)
            : 0;

    private long Clamp(long wanted, int resource)
    {
        if (wanted <= 0 || _serverUid == 0)
        {
            return wanted;
        }

        var hard = Native.HardLimit(resource);
        return hard is { } h && (ulong)wanted > h ? (long)h : wanted;
    }

    private static Account ResolveUser(string? runAs, string setting, uint serverUid)
    {
        Account user;
        if (string.IsNullOrWhiteSpace(runAs))
        {
            if (serverUid == 0)
            {
                user = Native.LookUp("nobody")
                    ?? throw new ArgumentException($"{setting} is not set and the server runs as root, so programs would run as 'nobody', but there is no such user; set {setting} to an unprivileged user.");
            }
            else
            {
                user = Native.LookUp(serverUid) ?? new Account(serverUid.ToString(CultureInfo.InvariantCulture), serverUid, Native.GetEffectiveGroupId(), "/");
            }
        }
        else
        {
            var name = runAs.Trim();
            user = Native.LookUp(name)
                ?? (uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? Native.LookUp(uid) : null)
                ?? throw new ArgumentException($"{setting} names user '{name}', which does not exist on this machine.");
        }

        Check(user.Uid != 0, $"{setting} is '{user.Name}', which is root; programs the server starts never run as root: name an unprivileged user (default nobody).");
        Check(
            serverUid == 0 || user.Uid == serverUid,
            $"{setting} is '{user.Name}', but the server runs as uid {serverUid}, which is not root and cannot start programs as another user; leave {setting} unset (programs then run as the server's user) or start the server as root.");
        return user;
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static string? Tool(string name) =>
        ToolDirectories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    /// <summary>A user as the system's name service knows it.</summary>
    private sealed record Account(string Name, uint Uid, uint Gid, string Home);
}
