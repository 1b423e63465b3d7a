using System.Text;
using System.Text.Json;
using Cairn.Jobs;

namespace Cairn.Jobs.Tests;

/// <summary>
/// The script runner on its own (no store): what a script sees (arguments on stdin and in its environment, an output
/// directory), what its attempt records (its output as the log, its exit code, its result and files), the names it refuses
/// before anything runs, process-tree kills, and seed-style Python jobs run unchanged through the shim.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ScriptJobsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cairn-scripts-").FullName;
    private readonly ScriptJobs _scripts;

    public ScriptJobsTests()
    {
        Directory.CreateDirectory(Jobs);
        _scripts = new ScriptJobs(new ScriptJobOptions
        {
            Directory = Jobs,
            WorkDirectory = Path.Combine(_root, "work"),
            PulzarDataPath = (key, _) => Task.FromResult<string?>(key == "data-key" ? DataFile : null),
        });
        File.WriteAllText(DataFile, "line one\nline two\n");

        // A script that would leave a marker if anything ran it.
        Script("x", $"touch '{Marker}'");
    }

    private string Jobs => Path.Combine(_root, "jobs");

    private string Marker => Path.Combine(_root, "marker");

    private string DataFile => Path.Combine(_root, "data.txt");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Script_OutputAndErrors_AreTheLog_InOrderOfArrival()
    {
        Script("talk.sh", "echo out-1\nsleep 1\necho err-1 >&2\nsleep 1\necho out-2\n");
        var run = new FakeRun("script:talk.sh");

        var result = await _scripts.ExecuteAsync(run.Context, CancellationToken.None);

        Assert.Null(result);
        Assert.Equal("out-1\nerr-1\nout-2\n", run.Log);
    }

    [Fact]
    public async Task Script_GetsItsArgs_OnStdinAndInTheEnvironment_AndReturnsResultAndFiles()
    {
        Script("sub/args.sh", """
            echo "stdin=$(cat)"
            echo "env=$CAIRN_JOB_ARGS"
            echo "job=$CAIRN_JOB_ID attempt=$CAIRN_JOB_ATTEMPT"
            echo "files=$(ls -A "$CAIRN_JOB_OUTPUT" | wc -l)"
            printf '{"sum": 5}' > "$CAIRN_JOB_OUTPUT/result.json"
            printf 'report body' > "$CAIRN_JOB_OUTPUT/report.txt"
            """);
        var run = new FakeRun("script:sub/args.sh", """{"a":2,"b":3}""", id: 41, attempt: 2);

        var result = await _scripts.ExecuteAsync(run.Context, CancellationToken.None);

        Assert.Contains("""stdin={"a":2,"b":3}""", run.Log);
        Assert.Contains("""env={"a":2,"b":3}""", run.Log);
        Assert.Contains("job=41 attempt=2", run.Log);
        Assert.Contains("files=0", run.Log);
        Assert.Equal(5, result!.Value.GetProperty("sum").GetInt32());
        Assert.Equal(["report.txt"], run.Files.Keys);
        Assert.Equal("report body", run.Files["report.txt"]);
        Assert.Equal(["blob/report.txt"], run.Context.Files);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_root, "work", "attempts")));
    }

    [Fact]
    public async Task Script_ThatExitsWithACode_FailsWithTheCodeAndItsLastErrorLine()
    {
        Script("fail.sh", "echo working\necho 'first problem' >&2\necho 'disk full' >&2\nexit 3\n");
        var run = new FakeRun("script:fail.sh");

        var e = await Assert.ThrowsAsync<ScriptFailedException>(() => _scripts.ExecuteAsync(run.Context, CancellationToken.None));

        Assert.Equal(3, e.ExitCode);
        Assert.Equal("exit code 3: disk full", e.Message);
        Assert.Equal("working\nfirst problem\ndisk full\n", run.Log);
    }

    [Fact]
    public async Task Script_WithAResultThatIsNotJson_Fails()
    {
        Script("bad-result.sh", "echo 'not json' > \"$CAIRN_JOB_OUTPUT/result.json\"\n");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => _scripts.ExecuteAsync(new FakeRun("script:bad-result.sh").Context, CancellationToken.None));

        Assert.StartsWith("result.json is not valid JSON", e.Message);
    }

    [Theory]
    [InlineData("script:../x")]
    [InlineData("script:a/../../etc/passwd")]
    [InlineData("script:/etc/passwd")]
    [InlineData("script:a//b")]
    [InlineData("script:./x")]
    [InlineData("script:x/")]
    [InlineData("script:")]
    [InlineData("script:.x")]
    [InlineData("script:-x")]
    [InlineData("script:x;rm -rf /")]
    [InlineData("script:x|id")]
    [InlineData("script:x&")]
    [InlineData("script:$(id)")]
    [InlineData("script:`id`")]
    [InlineData("script:x'")]
    [InlineData("script:x\"")]
    [InlineData("script:x>y")]
    [InlineData("script:x*")]
    [InlineData("script:x?")]
    [InlineData("script:x y")]
    [InlineData("script:x\ny")]
    [InlineData("script:x\0")]
    [InlineData("pulzar:../x")]
    [InlineData("pulzar:/etc/passwd")]
    [InlineData("pulzar:x;id")]
    public async Task BadNames_AreRefused_AndNothingRuns(string type)
    {
        Assert.Throws<InvalidArgumentException>(() => _scripts.Resolve(type));
        var e = await Assert.ThrowsAsync<InvalidArgumentException>(() => _scripts.ExecuteAsync(new FakeRun(type).Context, CancellationToken.None));

        Assert.StartsWith("type:", e.Message);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task Links_ThatLeaveTheDirectory_AreRefused_AndNothingRuns()
    {
        var outside = Path.Combine(_root, "outside");
        Directory.CreateDirectory(outside);
        var escapee = Path.Combine(outside, "escapee");
        File.WriteAllText(escapee, $"#!/bin/sh\ntouch '{Marker}'\n");
        File.SetUnixFileMode(escapee, (UnixFileMode)0b111_101_101);
        File.CreateSymbolicLink(Path.Combine(Jobs, "link"), escapee);
        Directory.CreateSymbolicLink(Path.Combine(Jobs, "dir"), outside);
        File.CreateSymbolicLink(Path.Combine(Jobs, "dangling"), Path.Combine(outside, "missing"));
        File.CreateSymbolicLink(Path.Combine(Jobs, "inside"), Path.Combine(Jobs, "x"));

        foreach (var type in new[] { "script:link", "script:dir/escapee", "script:dangling" })
        {
            Assert.Throws<InvalidArgumentException>(() => _scripts.Resolve(type));
            await Assert.ThrowsAsync<InvalidArgumentException>(() => _scripts.ExecuteAsync(new FakeRun(type).Context, CancellationToken.None));
        }

        Assert.False(File.Exists(Marker));

        // A link that stays inside is fine.
        Assert.Equal(Path.Combine(Jobs, "inside"), _scripts.Resolve("script:inside"));
    }

    [Fact]
    public async Task UnknownOrNotExecutableScripts_AreNotFound_AndOtherTypesAreNotScripts()
    {
        File.WriteAllText(Path.Combine(Jobs, "plain.sh"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(Jobs, "plain.sh"), (UnixFileMode)0b110_100_100);

        await Assert.ThrowsAsync<NotFoundException>(() => _scripts.ExecuteAsync(new FakeRun("script:nope").Context, CancellationToken.None));
        Assert.Throws<NotFoundException>(() => _scripts.Resolve("pulzar:example/nope"));
        var e = Assert.Throws<NotFoundException>(() => _scripts.Resolve("script:plain.sh"));
        Assert.Contains("not executable", e.Message);
        Assert.Null(_scripts.Resolve("email.send"));
        Assert.Equal(Path.Combine(Jobs, "x"), _scripts.Resolve("script:x"));
    }

    [Fact]
    public async Task Cancelling_KillsTheWholeProcessTree()
    {
        var pids = Path.Combine(_root, "pids");
        Script("tree.sh", $"sleep 1000 &\necho \"$$ $!\" > '{pids}.tmp'\nmv '{pids}.tmp' '{pids}'\necho started\nwait\n");
        var run = new FakeRun("script:tree.sh");
        using var cts = new CancellationTokenSource();

        var execution = _scripts.ExecuteAsync(run.Context, cts.Token);
        await Eventually.UntilAsync(() => File.Exists(pids), TimeSpan.FromSeconds(30), "the script wrote its pids");
        var both = File.ReadAllText(pids).Split(' ', StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        Assert.True(Alive(both[0]) && Alive(both[1]));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => execution);
        await Eventually.UntilAsync(() => !Alive(both[0]) && !Alive(both[1]), TimeSpan.FromSeconds(30), "the script and its child are gone");
    }

    [Fact]
    public async Task SeedStyleJob_RunsUnchanged_AndLogsAsItGoes()
    {
        Pulzar("example/answer.py", """
            from pulzarcore.core_jobs import CoreJobs


            class Answer(CoreJobs):
                def __init__(self, params):
                    super().__init__(params)

                def run_job(self):
                    self.pulzar_add_log('Result is: ' + str(self.parameters['a'] * 2))
                    print('job', self.pulzar_parameters['job_id'], 'scheduled', self._pulzar_config['scheduled'])


            def execute(arguments):
                job = Answer(arguments)
                job.run_job()
                job.notification()
                return job.is_the_job_ok()
            """);
        var run = new FakeRun("pulzar:example/answer", """{"a":21}""", id: 9);

        var result = await _scripts.ExecuteAsync(run.Context, CancellationToken.None);

        Assert.Null(result);
        Assert.Contains("Result is: 42\n", run.Log);
        Assert.Contains("job 9 scheduled False\n", run.Log);
    }

    [Fact]
    public async Task SeedStyleJob_ThatRaises_FailsWithPulzarError()
    {
        Pulzar("example/raises.py", """
            from pulzarcore.core_jobs import CoreJobs


            def execute(arguments):
                print('about to divide')
                return 1 / 0
            """);
        var run = new FakeRun("pulzar:example/raises");

        var e = await Assert.ThrowsAsync<ScriptFailedException>(() => _scripts.ExecuteAsync(run.Context, CancellationToken.None));

        Assert.Equal("exit code 1: PULZAR_ERROR::division by zero", e.Message);
        Assert.Contains("about to divide\n", run.Log);
        Assert.Contains("PULZAR_ERROR::division by zero", run.Log);
    }

    [Fact]
    public async Task SeedStyleJob_ThatMarksItselfFailed_Fails()
    {
        // As the seed's example_01: catches the error, marks the job failed, logs it and returns False.
        Pulzar("example/example_01.py", """
            from pulzarcore.core_jobs import CoreJobs


            class Example(CoreJobs):
                def __init__(self, params):
                    super().__init__(params)

                def run_job(self):
                    try:
                        r = 1/0
                        return True
                    except Exception as err:
                        self.mark_as_failed()
                        self.add_log(str(err))
                    return False


            def execute(arguments):
                example = Example(arguments)
                example.run_job()
                example.notification()
                return example.is_the_job_ok()
            """);
        var run = new FakeRun("pulzar:example/example_01", """{"arg1":"12"}""");

        var e = await Assert.ThrowsAsync<ScriptFailedException>(() => _scripts.ExecuteAsync(run.Context, CancellationToken.None));

        Assert.Equal("exit code 1: job reported failure", e.Message);
        Assert.Contains("division by zero\n", run.Log);
    }

    [Fact]
    public async Task SeedStyleJob_WithTheDecorator_StoresFilesAndReadsItsDataFile()
    {
        // As the seed's example_02: the run_job decorator, a stored file, and the pulzar_data file.
        Pulzar("example/example_02.py", """
            import tempfile
            from pulzarcore.core_jobs import CoreJobs


            class Example(CoreJobs):
                def __init__(self, params):
                    super().__init__(params)

                @CoreJobs._pulzar_run_job
                def run_my_code(self):
                    with open(self.pulzar_get_filepath(), 'rb') as f:
                        for number, line in enumerate(f, 1):
                            print('(' + str(number) + ')', line.decode().strip())
                    temporary_file = tempfile.NamedTemporaryFile(delete=False, suffix='.txt')
                    with open(temporary_file.name, 'w') as f:
                        f.write('x' * self.parameters['arg1'])
                    if self._pulzar_store_file(temporary_file.name):
                        self.pulzar_add_log('Job done')
                    self.pulzar_set_output('done')


            def execute(arguments):
                example = Example(arguments)
                example.run_my_code()
                return example.is_the_job_ok()
            """);
        var run = new FakeRun("pulzar:example/example_02", """{"arg1":7,"pulzar_data":"data-key"}""");

        var result = await _scripts.ExecuteAsync(run.Context, CancellationToken.None);

        Assert.Contains("(2) line two\n", run.Log);
        Assert.Contains("Job done\n", run.Log);
        var file = Assert.Single(run.Files);
        Assert.Contains("FILE: " + file.Key + "\n", run.Log);
        Assert.Equal("xxxxxxx", file.Value);
        Assert.Equal("done", result!.Value.GetProperty("output").GetString());
    }

    [Fact]
    public async Task SeedStyleJob_WhoseDecoratedCodeRaises_FailsWithTheErrorLogged()
    {
        Pulzar("example/decorated.py", """
            from pulzarcore.core_jobs import CoreJobs


            class Example(CoreJobs):
                @CoreJobs._pulzar_run_job
                def run_my_code(self):
                    raise ValueError('no such column')


            def execute(arguments):
                example = Example(arguments)
                example.run_my_code()
                return example.is_the_job_ok()
            """);
        var run = new FakeRun("pulzar:example/decorated");

        var e = await Assert.ThrowsAsync<ScriptFailedException>(() => _scripts.ExecuteAsync(run.Context, CancellationToken.None));

        Assert.Equal("exit code 1: PULZAR_ERROR::no such column", e.Message);
    }

    [Fact]
    public async Task ChattyScript_IsLoggedInBatches_NotALineAWrite()
    {
        Script("chatty.sh", "i=0\nwhile [ $i -lt 5000 ]; do echo \"line $i\"; i=$((i+1)); done\n");
        var run = new FakeRun("script:chatty.sh");

        await _scripts.ExecuteAsync(run.Context, CancellationToken.None);

        Assert.Equal(string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i}\n")), run.Log);
        Assert.True(run.Writes < 500, $"{run.Writes} log writes for 5000 lines");
    }

    internal static bool Alive(int pid)
    {
        try
        {
            // A zombie (state Z) waits only to be reaped: it runs no more.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void Script(string relative, string body)
    {
        var path = Path.Combine(Jobs, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }

    private void Pulzar(string relative, string body)
    {
        var path = Path.Combine(Jobs, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, body + "\n");
    }

    /// <summary>An attempt's context without a store: the log and the stored files, kept in memory.</summary>
    internal sealed class FakeRun
    {
        private readonly StringBuilder _log = new();
        private int _writes;

        public FakeRun(string type, string args = "{}", long id = 1, int attempt = 1)
        {
            var job = new JobDto { Id = id, Type = type, Args = JsonDocument.Parse(args).RootElement.Clone(), State = JobStates.Processing };
            Context = new JobContext(new JobClaim(job, attempt, 100, TimeSpan.FromSeconds(30)), (text, _) =>
            {
                lock (_log)
                {
                    _log.Append(text);
                    _writes++;
                }

                return Task.CompletedTask;
            }, async (name, content, ct) =>
            {
                using var reader = new StreamReader(content);
                Files[name] = await reader.ReadToEndAsync(ct);
                return "blob/" + name;
            });
        }

        public JobContext Context { get; }

        public Dictionary<string, string> Files { get; } = [];

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public int Writes => Volatile.Read(ref _writes);
    }
}
