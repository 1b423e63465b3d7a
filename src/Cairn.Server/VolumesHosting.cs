using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Extensions;
using Cairn.Volumes;
using Microsoft.Extensions.Logging;

namespace Cairn.Server;

/// <summary>Builds the Volumes module's and the extension runner's settings from the server's.</summary>
internal static class VolumesHosting
{
    /// <exception cref="StartupException">A setting cannot work.</exception>
    public static VolumeOptions Options(CairnOptions options, string dataDir)
    {
        var settings = options.Volumes;
        var directories = settings.Directories
            .SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(d => Path.GetFullPath(d))
            .ToList();
        if (directories.Count == 0)
        {
            directories.Add(Path.Combine(dataDir, "volumes"));
        }

        if (settings.InlineThreshold < 0 || settings.MaxBlobBytes < 0 || settings.MinFreeBytes < 0)
        {
            throw new StartupException("Volumes:InlineThreshold, MaxBlobBytes and MinFreeBytes must not be negative.");
        }

        if (!(settings.OrphanGraceSeconds > 0) || !(settings.ReconcileIntervalSeconds > 0))
        {
            throw new StartupException("Volumes:OrphanGraceSeconds and Volumes:ReconcileIntervalSeconds must be positive.");
        }

        return new VolumeOptions
        {
            Directories = directories,
            NodeId = options.NodeId!,
            InlineThreshold = settings.InlineThreshold,
            MaxBlobBytes = settings.MaxBlobBytes == 0 ? null : settings.MaxBlobBytes,
            MinFreeBytes = settings.MinFreeBytes,
            OrphanGrace = TimeSpan.FromSeconds(settings.OrphanGraceSeconds),
            ReconcileInterval = TimeSpan.FromSeconds(settings.ReconcileIntervalSeconds),
            RecordTtlSeconds = options.Cluster.NodeTtlSeconds,

            // Volume records are cluster membership, like the node's registration: none without a cluster.
            PublishRecords = options.Cluster.Enabled,
        };
    }

    /// <exception cref="StartupException">A setting cannot work.</exception>
    public static ExtensionOptions ExtensionOptions(CairnOptions options)
    {
        var settings = options.Extensions;
        if (!(settings.TimeoutSeconds > 0) || settings.MaxOutputBytes <= 0)
        {
            throw new StartupException("Extensions:TimeoutSeconds and Extensions:MaxOutputBytes must be positive.");
        }

        return new ExtensionOptions
        {
            Directory = Path.GetFullPath(settings.Directory),
            Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
            MaxOutputBytes = settings.MaxOutputBytes,
        };
    }

    /// <summary>Opens the volumes and registers them.</summary>
    /// <exception cref="StartupException">A volume directory cannot be used.</exception>
    public static async Task<BlobStore> StartAsync(IKeyspace store, VolumeOptions options, IBlobRemote remote, ILogger logger, CancellationToken cancellationToken)
    {
        var blobs = new BlobStore(store, options, remote, logger);
        try
        {
            await blobs.StartAsync(cancellationToken).ConfigureAwait(false);
            return blobs;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await blobs.DisposeAsync().ConfigureAwait(false);
            throw new StartupException($"Cannot use the volume directories ({string.Join(", ", options.Directories)}; Volumes:Directories): {ex.Message}", ex);
        }
    }
}

/// <summary>The seed's <c>search</c> extension, built in: <c>/v1/extensions/search/&lt;text&gt;?eq=|lt=|gt=mm-dd-yyyy</c>
/// answers <c>{"results":[{"key":…}]}</c>.</summary>
internal sealed class SearchExtension(BlobStore blobs) : ICairnExtension
{
    public async Task<JsonNode?> ExecuteAsync(ExtensionRequest request, CancellationToken cancellationToken)
    {
        if (request.Arguments.Count == 0 || request.Arguments.All(a => a.Length == 0))
        {
            return new JsonObject { ["err"] = "no args detected" };
        }

        var query = SearchQueries.Seed(name => request.Query.GetValueOrDefault(name), string.Join('/', request.Arguments));
        var page = await blobs.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["results"] = new JsonArray([.. page.Items.Select(i => (JsonNode)new JsonObject { ["key"] = i.Key, ["size"] = i.Size, ["created"] = i.Created.ToString("O") })]),
        };
    }
}
