using Cairn.Contracts;

namespace Cairn.Carts;

/// <summary>The value of <c>carts/&lt;uid&gt;</c>. The aggregates (<see cref="FilesStaged"/>, <see cref="TotalBytes"/>,
/// <see cref="BytesDone"/>) are written with the file records they sum, in the same transaction.</summary>
internal sealed class CartRecord
{
    public string Uid { get; set; } = "";

    public string CartId { get; set; } = "";

    public string State { get; set; } = CartStates.Waiting;

    public string Message { get; set; } = "";

    public bool Bundle { get; set; }

    public string Archive { get; set; } = "";

    /// <summary>The volume holding its staged files, once a node took it.</summary>
    public string? Volume { get; set; }

    public string? Node { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }

    public DateTimeOffset LastUsed { get; set; }

    public DateTimeOffset? ReadyAt { get; set; }

    public DateTimeOffset? StagingStarted { get; set; }

    public int FileCount { get; set; }

    public int FilesStaged { get; set; }

    public long TotalBytes { get; set; }

    public long BytesDone { get; set; }

    /// <summary>Bytes done when <see cref="StagingStarted"/> was set (files kept from an earlier claim), for the rate.</summary>
    public long BytesAtStart { get; set; }

    public long? TarBytes { get; set; }

    /// <summary>Indexes of the file records written in the same transaction as this record (what a watcher reads at the
    /// revision of the change); null when more than <see cref="CartJson.MaxChanged"/> changed: then every file record of
    /// that revision.</summary>
    public List<int>? Changed { get; set; } = [];

    public CartRecord Copy()
    {
        var copy = (CartRecord)MemberwiseClone();
        copy.Changed = Changed is null ? null : [.. Changed];
        return copy;
    }
}

/// <summary>The value of <c>claims/&lt;cartId&gt;</c>.</summary>
internal sealed class CartClaimRecord
{
    public string Node { get; set; } = "";

    public string Volume { get; set; } = "";
}

/// <summary>The value of <c>volumes/&lt;volumeId&gt;</c>: which node serves that volume's carts, and where.</summary>
internal sealed class CartVolumeRecord
{
    public string VolumeId { get; set; } = "";

    public string NodeId { get; set; } = "";

    public List<string> Addresses { get; set; } = [];

    public string Path { get; set; } = "";
}
