using System.CommandLine;
using System.Globalization;
using System.Text;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn kv get|put|del|ls</c>.</summary>
internal static class KvCommands
{
    public static Command Create(CliContext context) => new("kv", "Read and write keys.")
    {
        Get(context),
        Put(context),
        Delete(context),
        List(context),
    };

    private static Command Get(CliContext context)
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var revision = new Option<long>("--revision") { Description = "Read as of this revision (default: latest)." };
        var meta = new Option<bool>("--meta") { Description = "Print the key's revisions and version instead of its value." };
        var command = new Command("get", "Print a key's value (raw), or its metadata.") { key, revision, meta };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var name = parse.GetValue(key)!;
            var kv = await client.GetAsync(name, parse.GetValue(revision), ct).ConfigureAwait(false)
                ?? throw new NoSuchKeyException(name);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(KeyValueDto.From(kv)).ConfigureAwait(false);
            }
            else if (parse.GetValue(meta))
            {
                await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"],
                [
                    ["key", kv.Key],
                    ["createRevision", Num(kv.CreateRevision)],
                    ["modRevision", Num(kv.ModRevision)],
                    ["version", Num(kv.Version)],
                    ["lease", Num(kv.Lease)],
                    ["size", Num(kv.Value.Length)],
                ]).ConfigureAwait(false);
            }
            else if (context.RawOut is { } raw)
            {
                await context.Out.FlushAsync(ct).ConfigureAwait(false);
                await raw.WriteAsync(kv.Value, ct).ConfigureAwait(false);
                await raw.FlushAsync(ct).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteAsync(Encoding.UTF8.GetString(kv.Value.Span)).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Put(CliContext context)
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var value = new Argument<string?>("VALUE") { Description = "The value as text; omit it to read --file or standard input.", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<FileInfo?>("--file") { Description = "Read the value from this file." };
        var ifModRevision = new Option<long?>("--if-mod-revision") { Description = "Write only if the key's mod revision is N (compare-and-set)." };
        var ifAbsent = new Option<bool>("--if-absent") { Description = "Write only if the key does not exist." };
        var prevKv = new Option<bool>("--prev-kv") { Description = "Print the previous value too." };
        var lease = new Option<long?>("--lease") { Description = "Attach the key to this lease: it is deleted when the lease expires or is revoked." };
        var ttl = new Option<string?>("--ttl") { Description = "Delete the key after this long (e.g. 30s, 10m, 1h; a number is seconds), under a new lease for this key alone." };
        var command = new Command("put", "Set a key's value.") { key, value, file, ifModRevision, ifAbsent, prevKv, lease, ttl };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var text = parse.GetValue(value);
            var path = parse.GetValue(file);
            if (text is not null && path is not null)
            {
                throw new ArgumentException("Give the value as an argument or with --file, not both.");
            }

            if (parse.GetValue(ifModRevision) is not null && parse.GetValue(ifAbsent))
            {
                throw new ArgumentException("Give --if-mod-revision or --if-absent, not both.");
            }

            if (parse.GetValue(lease) is not null && parse.GetValue(ttl) is not null)
            {
                throw new ArgumentException("Give --lease or --ttl, not both.");
            }

            byte[] bytes;
            if (text is not null)
            {
                bytes = Encoding.UTF8.GetBytes(text);
            }
            else if (path is not null)
            {
                bytes = await File.ReadAllBytesAsync(path.FullName, ct).ConfigureAwait(false);
            }
            else
            {
                bytes = await ReadAllAsync(context.OpenStdin(), ct).ConfigureAwait(false);
            }

            var options = new PutOptions
            {
                IfModRevision = parse.GetValue(ifModRevision),
                IfAbsent = parse.GetValue(ifAbsent),
                PrevKv = parse.GetValue(prevKv),
                Lease = parse.GetValue(lease),
                TtlSeconds = parse.GetValue(ttl) is { } time ? Durations.WholeSeconds(Durations.Parse(time, "--ttl")) : null,
            };
            var result = await client.PutAsync(parse.GetValue(key)!, bytes, options, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(result).ConfigureAwait(false);
            }
            else
            {
                var leased = result.Lease is { } id ? $" with lease {Num(id)}" : "";
                await context.Out.WriteLineAsync($"{(result.Created == true ? "created" : "updated")} at revision {Num(result.Revision)}{leased}").ConfigureAwait(false);
                if (result.PrevKv is { } prev)
                {
                    await context.Out.WriteLineAsync($"previous (mod revision {Num(prev.ModRevision)}): {Text.Preview(prev.Value ?? [], 200)}").ConfigureAwait(false);
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var key = new Argument<string>("KEY") { Description = "The key, or the prefix with --prefix." };
        var prefix = new Option<bool>("--prefix") { Description = "Delete every key that starts with KEY." };
        var command = new Command("del", "Delete a key, or every key under a prefix.") { key, prefix };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var name = parse.GetValue(key)!;
            var result = parse.GetValue(prefix)
                ? await client.DeletePrefixAsync(name, ct).ConfigureAwait(false)
                : await client.DeleteKeyAsync(name, cancellationToken: ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(result).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync($"deleted {Num(result.Deleted)} at revision {Num(result.Revision)}").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var prefix = new Argument<string>("PREFIX") { Description = "List keys starting with this (default: every key).", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "" };
        var limit = new Option<int>("--limit") { Description = "Keys per page, 1 to 10000 (default 1000).", DefaultValueFactory = _ => 1000 };
        var keysOnly = new Option<bool>("--keys-only") { Description = "Leave values out." };
        var all = new Option<bool>("--all") { Description = "Follow every page (all read at the first page's revision)." };
        var command = new Command("ls", "List keys in key order.") { prefix, limit, keysOnly, all };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var page = await client.ListAsync(parse.GetValue(prefix) ?? "", parse.GetValue(limit), keysOnly: parse.GetValue(keysOnly), cancellationToken: ct).ConfigureAwait(false);
            if (parse.GetValue(all))
            {
                var next = page.Next;
                while (next is not null)
                {
                    var more = await client.ListAsync(parse.GetValue(prefix) ?? "", parse.GetValue(limit), next, page.Revision, parse.GetValue(keysOnly), ct).ConfigureAwait(false);
                    page.Kvs.AddRange(more.Kvs);
                    next = more.Next;
                }

                page.More = false;
                page.Next = null;
            }

            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(page).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["KEY", "VERSION", "MOD_REV", "VALUE"],
                page.Kvs.Select(kv => (IReadOnlyList<string>)[kv.Key, Num(kv.Version), Num(kv.ModRevision), Text.Preview(kv.Value ?? [])])).ConfigureAwait(false);
            if (page.Next is not null)
            {
                await context.Error.WriteLineAsync($"({Num(page.Count - page.Kvs.Count)} more; use --all, or --limit)").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static async Task<byte[]> ReadAllAsync(Stream input, CancellationToken cancellationToken)
    {
        await using (input.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    internal static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}
