using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Cairn.Carts.Archives;
using Cairn.Carts.Tests.Node;
using Cairn.Contracts;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Carts.Tests;

/// <summary>What the store and node suites share: a store of the backend's per test, a fake archive, nodes started with
/// short timings (and stopped at the end), waits with deadlines, the seed's cart, and a tar reader.</summary>
public abstract class CartsHarness(Backend backend) : IAsyncLifetime
{
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    /// <summary>The seed's test files (pacifica-cartd's <c>TestCartdBase.test_files</c>).</summary>
    protected static readonly Dictionary<string, byte[]> SeedFiles = new()
    {
        ["foo.txt"] = "Writing content for first file"u8.ToArray(),
        ["bar.csv"] = "Writing,content,for,second,file"u8.ToArray(),
        ["baz.ini"] = "Writing content for the third and final file"u8.ToArray(),
    };

    private readonly List<CartNode> _nodes = [];
    private IKeyspace? _store;
    private CartStore? _carts;

    protected string Scratch { get; } = Directory.CreateTempSubdirectory("cairn-carts-").FullName;

    internal FakeArchive Archive { get; } = new();

    protected IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    protected CartStore Carts => _carts ?? throw new InvalidOperationException("Not initialized.");

    protected Backend Backend => backend;

    internal CartArchives Archives { get; private set; } = new([], null);

    protected virtual CartOptions StoreOptions => Fast;

    /// <summary>Short timings for tests: polls and retries in milliseconds, claims of 2 s.</summary>
    protected static CartOptions Fast { get; } = new()
    {
        PollInitial = TimeSpan.FromMilliseconds(20),
        PollMax = TimeSpan.FromMilliseconds(100),
        RetryInitial = TimeSpan.FromMilliseconds(10),
        RetryMax = TimeSpan.FromMilliseconds(50),
        ClaimTtl = TimeSpan.FromSeconds(2),
        MinFreeBytes = 0,
        StageTimeout = TimeSpan.FromSeconds(30),
        ProgressInterval = TimeSpan.FromMilliseconds(20),
        TransferSize = 64 * 1024,
    };

    public virtual async Task InitializeAsync()
    {
        _store = await backend.OpenEmptyAsync(Scratch);
        Archives = new CartArchives([Archive], "pacifica");
        _carts = new CartStore(_store, StoreOptions, Archives, TimeProvider.System);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        try
        {
            Directory.Delete(Scratch, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    protected string VolumePath(string name) => Path.Combine(Scratch, "volumes", name);

    /// <summary>Starts a node keeping <paramref name="volume"/> (under the scratch directory).</summary>
    internal async Task<CartNode> StartNodeAsync(string volume = "a", CartOptions? options = null, string? nodeId = null, CartArchives? archives = null, Func<long>? free = null)
    {
        var node = new CartNode(Store, Carts, archives ?? Archives, options ?? Fast, VolumePath(volume), nodeId ?? "node-" + volume, TimeProvider.System, NullLogger.Instance)
        {
            FreeSpaceProbe = free,
        };
        await node.StartAsync();
        _nodes.Add(node);
        return node;
    }

    protected static CreateCartDto Request(IEnumerable<(string Id, string Path, byte[]? Content)> files, bool? bundle = null, string hashType = "md5") => new()
    {
        Bundle = bundle,
        FileIds = [.. files.Select(f => new CartFileRequestDto
        {
            Id = JsonSerializer.SerializeToElement(f.Id),
            Path = f.Path,
            HashType = f.Content is null ? null : hashType,
            HashSum = f.Content is null ? null : Hash(hashType, f.Content),
        })],
    };

    protected static string Hash(string type, byte[] content)
    {
        // The seed's users send md5 sums: what is checked here is that they are honoured, not their strength.
        using var hash = CartHashes.Create(type);
        hash.AppendData(content);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The seed's three-file cart, its files added to the archive.</summary>
    protected CreateCartDto SeedCart(bool? bundle = null)
    {
        foreach (var (id, content) in SeedFiles)
        {
            Archive.Add(id, content);
        }

        return Request([("foo.txt", "1/2/3/foo.txt", SeedFiles["foo.txt"]), ("bar.csv", "1/2/3/bar.csv", SeedFiles["bar.csv"]), ("baz.ini", "2/3/4/baz.ini", SeedFiles["baz.ini"])], bundle);
    }

    /// <summary>Waits until the cart is in <paramref name="state"/>; a cart that settles in another state fails at once.</summary>
    protected async Task<CartDto> WaitForAsync(string uid, string state, TimeSpan? deadline = null)
    {
        CartDto? cart = null;
        await Eventually.UntilAsync(async () =>
        {
            cart = await Carts.GetAsync(uid, withFiles: false);
            if (cart is not null && cart.State != state && CartStates.IsSettled(cart.State) && CartStates.IsSettled(state))
            {
                throw new InvalidOperationException($"Cart {uid} is {cart.State} ({cart.Message}), not {state}.");
            }

            return cart?.State == state;
        }, deadline ?? Deadline, $"cart {uid} is {state} (it is {cart?.State}: {cart?.Message})");
        return cart!;
    }

    /// <summary>The members of a tar: name → bytes (null for directories).</summary>
    protected static async Task<List<(string Name, byte[]? Data)>> ReadTarAsync(Stream tar)
    {
        var copy = new MemoryStream();
        await tar.CopyToAsync(copy);
        copy.Position = 0;
        var members = new List<(string, byte[]?)>();
        using var reader = new TarReader(copy);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            if (entry.EntryType == TarEntryType.Directory)
            {
                members.Add((entry.Name, null));
                continue;
            }

            var data = new MemoryStream();
            if (entry.DataStream is { } s)
            {
                await s.CopyToAsync(data);
            }

            members.Add((entry.Name, data.ToArray()));
        }

        return members;
    }

    protected static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
