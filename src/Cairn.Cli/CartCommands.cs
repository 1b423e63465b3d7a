using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn cart get|ls|show|rm|purge|fix|dump</c>: pacifica-cartd's staged downloads, and its admin commands.</summary>
internal static class CartCommands
{
    /// <summary>The exit code of an interrupted <c>cart get</c> (the partial file is kept for a resume).</summary>
    public const int Interrupted = 130;

    // How often a broken download is resumed before the command gives up (the .part stays for a later run).
    private const int DownloadAttempts = 5;

    public static Command Create(CliContext context) => new("cart", "Carts: files staged from an archive onto a node's disk, then downloaded as one tar (pacifica-cartd).")
    {
        Get(context),
        List(context),
        Show(context),
        Remove(context),
        Purge(context),
        Fix(context),
        Dump(context),
    };

    private static Command Get(CliContext context)
    {
        var uid = new Argument<string>("UID") { Description = "The cart's uid: ASCII letters, digits and -_.:@ (at most 128)." };
        var files = new Argument<string[]>("FILE") { Description = "Archive ids to put in the cart, each at its id as path.", Arity = ArgumentArity.ZeroOrMore };
        var from = new Option<string?>("--from") { Description = """A JSON file of the files: pacifica-cartd's cart ({"fileids": [{"id", "path", "hashtype", "hashsum"}], "bundle": …}) or an array of fileids.""" };
        var output = new Option<string>("--output", "-o") { Description = "Where the tar goes; written to OUTPUT.part first (kept on failure or Ctrl-C, and resumed by the next run).", Required = true };
        var bundle = new Option<bool>("--bundle") { Description = "Build the tar once on the server (pacifica-cartd's bundle mode)." };
        var archive = new Option<string?>("--archive") { Description = "The archive the ids are in (pacifica, directory, blobs; default: the server's)." };
        var fileName = new Option<string?>("--filename") { Description = "The download's name: its root directory in the tar is this minus a trailing .tar (default: OUTPUT's file name)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress on standard error." };
        var command = new Command(
            "get",
            "Create the cart (unless a cart of that uid exists), show its staging and then the download on standard error, and write the tar. "
            + "An interrupted download is resumed by running the same command again.")
        {
            uid, files, from, output, bundle, archive, fileName, quiet,
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var cartUid = parse.GetValue(uid)!;
            var request = CartRequests.Build(parse.GetValue(files) ?? [], parse.GetValue(from), parse.GetValue(bundle), parse.GetValue(archive));
            var target = Path.GetFullPath(parse.GetValue(output)!);
            if (Directory.Exists(target))
            {
                throw new ArgumentException($"-o {parse.GetValue(output)} is a directory: name the tar file.");
            }

            if (Path.GetDirectoryName(target) is { } directory && !Directory.Exists(directory))
            {
                throw new ArgumentException($"-o {parse.GetValue(output)}: there is no directory '{directory}'.");
            }

            var name = parse.GetValue(fileName) ?? Path.GetFileName(target);
            var progress = new CartProgress(context.Error, CartProgress.IsTerminal(context.Error), parse.GetValue(quiet), TimeProvider.System);
            using var interruption = new Interruption(ct);
            try
            {
                var cart = await client.GetCartAsync(cartUid, interruption.Token).ConfigureAwait(false);
                if (cart is null)
                {
                    if (request is null)
                    {
                        throw new ArgumentException($"There is no cart {cartUid}: give its FILEs or --from LIST to create it.");
                    }

                    cart = await client.CreateCartAsync(cartUid, request, interruption.Token).ConfigureAwait(false);
                    progress.Say($"cart {cartUid} created: {Num(cart.FileCount)} file(s)");
                }
                else if (request is not null)
                {
                    progress.Say($"cart {cartUid} exists ({cart.State}): getting it as it is");
                }

                cart = await WaitSettledAsync(client, cart, progress, interruption.Token).ConfigureAwait(false);
                var (result, path) = await DownloadAsync(client, cartUid, target, name, progress, interruption.Token).ConfigureAwait(false);
                progress.Finish();
                if (context.WantsJson(parse))
                {
                    await context.WriteJsonAsync(new { uid = cartUid, path, bytes = result.Length, etag = result.ETag, resumed = result.Resumed, offset = result.Offset }).ConfigureAwait(false);
                }
                else
                {
                    var resumed = result.Resumed ? $", resumed at byte {Num(result.Offset)}" : "";
                    await context.Out.WriteLineAsync($"{path}: {Num(result.Length)} bytes ({CartProgress.Bytes(result.Length)}{resumed})").ConfigureAwait(false);
                }

                return 0;
            }
            catch (OperationCanceledException) when (interruption.Interrupted)
            {
                progress.Finish();
                var part = target + ".part";
                var kept = File.Exists(part) ? $"; {part} is kept: run the same command again to resume" : "";
                await context.Error.WriteLineAsync($"cairn: interrupted{kept}").ConfigureAwait(false);
                return Interrupted;
            }
            catch
            {
                progress.Finish();
                throw;
            }
        });
        return command;
    }

    /// <summary>Follows the cart's stream until it is ready (returned) or failed or deleted (thrown).</summary>
    private static async Task<CartDto> WaitSettledAsync(CairnClient client, CartDto cart, CartProgress progress, CancellationToken ct)
    {
        progress.Cart(cart);
        if (!CartStates.IsSettled(cart.State))
        {
            // From the revision after the cart as read: a change between the read and the stream's start is not missed.
            await foreach (var change in client.WatchCartAsync(cart.Uid, cart.ModRevision + 1, ct).ConfigureAwait(false))
            {
                if (change.Type == CartEventTypes.Deleted)
                {
                    throw new NotFoundException($"Cart {cart.Uid} was deleted while it was staging.");
                }

                if (change.Type != CartEventTypes.Cart || change.Cart is null)
                {
                    continue;
                }

                cart = change.Cart;
                progress.Cart(cart);
                if (CartStates.IsSettled(cart.State))
                {
                    break;
                }
            }
        }

        if (cart.State == CartStates.Error)
        {
            throw new InvalidOperationException($"Cart {cart.Uid} failed: {cart.Message} (cairn cart show {cart.Uid} names each file's error; cairn cart fix {cart.Uid} tries again).");
        }

        return cart;
    }

    /// <summary>Downloads into <c>TARGET.part</c> (resuming it when its ETag, kept in <c>TARGET.part.etag</c>, is still the
    /// tar's), retrying a broken connection from where it broke, then renames it to TARGET.</summary>
    private static async Task<(CartDownloadResult Result, string Path)> DownloadAsync(CairnClient client, string uid, string target, string fileName, CartProgress progress, CancellationToken ct)
    {
        var part = target + ".part";
        var etagFile = part + ".etag";
        for (var attempt = 1; ; attempt++)
        {
            var info = await client.GetCartTarInfoAsync(uid, fileName, ct).ConfigureAwait(false);
            var kept = File.Exists(part) && File.Exists(etagFile) ? (await File.ReadAllTextAsync(etagFile, ct).ConfigureAwait(false)).Trim() : null;
            var stream = new FileStream(part, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                var offset = 0L;
                if (kept is not null && kept == info.ETag && stream.Length <= info.Length)
                {
                    offset = stream.Length;
                    if (offset > 0 && attempt == 1)
                    {
                        progress.Say($"resuming {part} at {CartProgress.Bytes(offset)} of {CartProgress.Bytes(info.Length)}");
                    }
                }
                else
                {
                    if (stream.Length > 0)
                    {
                        progress.Say($"{part} is of another version of the cart: downloading it again");
                    }

                    stream.SetLength(0);
                    await WriteETagAsync(etagFile, info.ETag, ct).ConfigureAwait(false);
                }

                stream.Position = offset;
                progress.StartDownload(offset, info.Length);
                CartDownloadResult result;
                try
                {
                    result = await client.DownloadCartAsync(uid, stream, offset, offset > 0 ? info.ETag : null, fileName, progress, ct).ConfigureAwait(false);
                }
                catch (UnavailableException) when (attempt < DownloadAttempts && !ct.IsCancellationRequested)
                {
                    await stream.FlushAsync(ct).ConfigureAwait(false);
                    progress.Say($"the download broke off at {CartProgress.Bytes(stream.Length)}; resuming");
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct).ConfigureAwait(false);
                    continue;
                }
                catch (RangeNotSatisfiableException) when (attempt < DownloadAttempts)
                {
                    // The partial file is longer than the tar: start again.
                    stream.SetLength(0);
                    continue;
                }

                if (result.ETag is not null && result.ETag != info.ETag)
                {
                    await WriteETagAsync(etagFile, result.ETag, ct).ConfigureAwait(false);
                }

                await stream.FlushAsync(ct).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
                if (stream.Length != result.Length)
                {
                    throw new UnavailableException($"{part} holds {Num(stream.Length)} bytes of a {Num(result.Length)}-byte tar: run the command again to resume.");
                }

                progress.Report(result.Length);
                await stream.DisposeAsync().ConfigureAwait(false);
                File.Move(part, target, overwrite: true);
                File.Delete(etagFile);
                return (result, target);
            }
        }
    }

    private static async Task WriteETagAsync(string path, string? etag, CancellationToken ct)
    {
        if (etag is null)
        {
            File.Delete(path);
            return;
        }

        await File.WriteAllTextAsync(path, etag + "\n", ct).ConfigureAwait(false);
    }

    private static Command List(CliContext context)
    {
        var state = new Option<string?>("--state") { Description = "Only carts in this state: waiting, staging, bundling, ready or error." };
        var command = new Command("ls", "List carts by uid: state, files staged, bytes, last change.") { state };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var carts = new List<CartDto>();
            await foreach (var cart in client.ListAllCartsAsync(parse.GetValue(state), cancellationToken: ct).ConfigureAwait(false))
            {
                carts.Add(cart);
            }

            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new CartListDto { Items = carts }).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["UID", "STATE", "FILES", "BYTES", "NODE", "UPDATED", "MESSAGE"],
                carts.Select(c => (IReadOnlyList<string>)
                [
                    c.Uid, c.State, $"{Num(c.FilesStaged)}/{Num(c.FileCount)}", CartProgress.Bytes(c.TotalBytes), c.Node ?? "-", Time(c.Updated), OneLine(c.Message),
                ])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var uid = new Argument<string>("UID") { Description = "The cart's uid." };
        var command = new Command("show", "Print a cart: its state and progress, and a table of its files (state, size, bytes done, error).") { uid };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var cartUid = parse.GetValue(uid)!;
            var cart = await client.GetCartAsync(cartUid, ct).ConfigureAwait(false) ?? throw NoSuchCart(cartUid);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(cart).ConfigureAwait(false);
                return 0;
            }

            var fields = new List<IReadOnlyList<string>>
            {
                new[] { "uid", cart.Uid },
                new[] { "cart id", cart.CartId },
                new[] { "state", cart.State },
            };
            if (cart.Message.Length > 0)
            {
                fields.Add(["message", OneLine(cart.Message)]);
            }

            fields.Add(["archive", cart.Archive]);
            fields.Add(["bundle", cart.Bundle ? "yes" : "no"]);
            fields.Add(["node", cart.Node ?? "-"]);
            fields.Add(["files", $"{Num(cart.FilesStaged)}/{Num(cart.FileCount)} staged"]);
            fields.Add(["bytes", $"{Num(cart.BytesDone)}/{Num(cart.TotalBytes)}"]);
            if (cart.EtaSeconds is { } eta)
            {
                fields.Add(["eta", eta.ToString("0", CultureInfo.InvariantCulture) + " s"]);
            }

            if (cart.TarBytes is { } tar)
            {
                fields.Add(["tar bytes", Num(tar)]);
            }

            fields.Add(["created", Time(cart.Created)]);
            fields.Add(["updated", Time(cart.Updated)]);
            fields.Add(["last used", Time(cart.LastUsed)]);
            if (cart.ReadyAt is { } ready)
            {
                fields.Add(["ready at", Time(ready)]);
            }

            await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"], fields).ConfigureAwait(false);
            await context.Out.WriteLineAsync().ConfigureAwait(false);
            await Text.WriteTableAsync(context.Out, ["INDEX", "ID", "PATH", "STATE", "SIZE", "DONE", "MEDIA", "ERROR"],
                (cart.Files ?? []).Select(f => (IReadOnlyList<string>)
                [
                    Num(f.Index), OneLine(f.Id), OneLine(f.Path), f.State, f.Size is { } size ? Num(size) : "-", Num(f.BytesDone), f.Media ?? "-", OneLine(f.Error ?? ""),
                ])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var uids = new Argument<string[]>("UID") { Description = "The carts to delete.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("rm", "Delete carts: their staging stops and their files are removed from the node that keeps them.") { uids };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var missing = new List<string>();
            foreach (var cartUid in parse.GetValue(uids)!)
            {
                if (await client.DeleteCartAsync(cartUid, ct).ConfigureAwait(false))
                {
                    await context.Out.WriteLineAsync($"cart {cartUid} deleted").ConfigureAwait(false);
                }
                else
                {
                    missing.Add(cartUid);
                }
            }

            return missing.Count == 0 ? 0 : await context.FailAsync($"There is no cart {string.Join(", ", missing)}.").ConfigureAwait(false);
        });
        return command;
    }

    private static Command Purge(CliContext context)
    {
        var olderThan = new Option<string>("--older-than")
        {
            Description = "Delete carts not changed or used for this long (default 180d, the seed's): 90s, 12h, 7d, a number of seconds.",
            DefaultValueFactory = _ => "180d",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Delete nothing; print what would go." };
        var command = new Command("purge", "Delete old carts (pacifica-cartd's purge --time-ago), oldest first.") { olderThan, dryRun };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var age = parse.GetValue(olderThan)!;
            Durations.Parse(age, "--older-than"); // refused here, before any request
            var dry = parse.GetValue(dryRun);
            var result = await client.PurgeCartsAsync(age, dry, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(result).ConfigureAwait(false);
                return 0;
            }

            foreach (var cartUid in result.Deleted)
            {
                await context.Out.WriteLineAsync((dry ? "would delete " : "deleted ") + cartUid).ConfigureAwait(false);
            }

            await context.Out.WriteLineAsync($"{Num(result.Deleted.Count)} cart(s) {(dry ? "would be deleted (dry run)" : "deleted")}").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Fix(CliContext context)
    {
        var uids = new Argument<string[]>("CART") { Description = "The carts to fix.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("fix", "Restart the staging of carts (pacifica-cartd's fixit): files in error or missing from the node are fetched again.") { uids };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var carts = new List<CartDto>();
            foreach (var cartUid in parse.GetValue(uids)!)
            {
                carts.Add(await client.FixCartAsync(cartUid, ct).ConfigureAwait(false));
            }

            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(carts).ConfigureAwait(false);
                return 0;
            }

            foreach (var cart in carts)
            {
                await context.Out.WriteLineAsync($"cart {cart.Uid}: {cart.State}").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Dump(CliContext context)
    {
        var command = new Command("dump", "Print every cart with its files, as YAML (pacifica-cartd's dump), or JSON with --json.");
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var carts = new List<CartDto>();
            await foreach (var cart in client.ListAllCartsAsync(files: true, cancellationToken: ct).ConfigureAwait(false))
            {
                carts.Add(cart);
            }

            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(carts).ConfigureAwait(false);
                return 0;
            }

            await context.Out.WriteAsync(Yaml(carts)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>The carts as YAML, with the JSON's names and values (so that both dumps read alike).</summary>
    private static string Yaml(List<CartDto> carts)
    {
        var tree = Plain(JsonSerializer.SerializeToElement(carts, WireJson.Options));
        return new YamlDotNet.Serialization.SerializerBuilder().Build().Serialize(tree);
    }

    private static object? Plain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => element.EnumerateArray().Select(Plain).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var n) ? n : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static NotFoundException NoSuchCart(string uid) => new($"There is no cart {uid}.");

    private static string OneLine(string text) => text.Length == 0 ? "" : Text.Preview(System.Text.Encoding.UTF8.GetBytes(text), 80);

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
