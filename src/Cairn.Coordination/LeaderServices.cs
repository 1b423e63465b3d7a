using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Coordination;

/// <summary>
/// Runs the <see cref="ILeaderService"/>s while this node leads: starts them when it becomes leader, cancels and awaits
/// them when it stops being leader or is disposed. A service that fails is logged and restarted after a pause, as
/// long as the node still leads.
/// </summary>
public sealed partial class LeaderServices : IAsyncDisposable
{
    private readonly ILeaderElection _election;
    private readonly IReadOnlyList<ILeaderService> _services;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CancellationTokenSource? _term;
    private Task _running = Task.CompletedTask;
    private bool _disposed;

    /// <summary>Follows <paramref name="election"/> from now on (and starts the services at once if it already leads).</summary>
    public LeaderServices(ILeaderElection election, IEnumerable<ILeaderService> services, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(election);
        ArgumentNullException.ThrowIfNull(services);
        _election = election;
        _services = services.ToList();
        _logger = logger ?? NullLogger.Instance;
        _election.LeadershipChanged += OnLeadershipChanged;
        if (_election.IsLeader)
        {
            _ = ApplyAsync(true);
        }
    }

    /// <summary>True while the services run (this node leads).</summary>
    public bool Running => _term is not null;

    /// <summary>Stops following the election and stops the services.</summary>
    public async ValueTask DisposeAsync()
    {
        _election.LeadershipChanged -= OnLeadershipChanged;
        await ApplyAsync(false).ConfigureAwait(false);
        _disposed = true;
    }

    private void OnLeadershipChanged(object? sender, bool isLeader) => _ = ApplyAsync(isLeader);

    private async Task ApplyAsync(bool lead)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed || lead == (_term is not null))
            {
                return;
            }

            if (lead)
            {
                _term = new CancellationTokenSource();
                var token = _term.Token;
                _running = Task.WhenAll(_services.Select(s => Task.Run(() => KeepRunningAsync(s, token), CancellationToken.None)));
                return;
            }

            await _term!.CancelAsync().ConfigureAwait(false);
            await _running.ConfigureAwait(false);
            _term.Dispose();
            _term = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task KeepRunningAsync(ILeaderService service, CancellationToken cancellationToken)
    {
        LogStarting(_logger, service.Name);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await service.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                LogFailed(_logger, service.Name, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        LogStopped(_logger, service.Name);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader service {Service} starting on this node")]
    private static partial void LogStarting(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader service {Service} stopped on this node")]
    private static partial void LogStopped(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Error, Message = "Leader service {Service} failed; restarting it")]
    private static partial void LogFailed(ILogger logger, string service, Exception exception);
}
