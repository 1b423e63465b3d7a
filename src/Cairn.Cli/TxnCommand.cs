using System.CommandLine;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn txn [FILE]</c>: runs a transaction written as the JSON body of <c>POST /v1/txn</c>.</summary>
internal static class TxnCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo?>("FILE") { Description = "The txn as JSON ({\"compare\":[…],\"success\":[…],\"failure\":[…]}); standard input when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("txn", "Run an atomic compare-then-ops transaction.") { file };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var path = parse.GetValue(file);
            var source = path?.FullName ?? "standard input";
            var input = path is null ? context.OpenStdin() : File.OpenRead(path.FullName);
            TxnDto? body;
            await using (input.ConfigureAwait(false))
            {
                try
                {
                    body = await JsonSerializer.DeserializeAsync<TxnDto>(input, WireJson.Options, ct).ConfigureAwait(false);
                }
                catch (JsonException ex)
                {
                    throw new InvalidArgumentException($"The txn in {source} is not valid: {ex.Message}");
                }
            }

            var request = (body ?? throw new InvalidArgumentException($"The txn in {source} is empty; write a JSON object.")).ToModel();
            var result = await client.TxnAsync(request, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(TxnResultDto.From(result)).ConfigureAwait(false);
                return 0;
            }

            await context.Out.WriteLineAsync($"{(result.Succeeded ? "succeeded" : "failed")} at revision {KvCommands.Num(result.Revision)}").ConfigureAwait(false);
            foreach (var op in result.Results)
            {
                await context.Out.WriteLineAsync(Describe(op)).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static string Describe(KvResult result) => result switch
    {
        PutResult put => $"put: revision {KvCommands.Num(put.Revision)}",
        DeleteResult delete => $"delete: {KvCommands.Num(delete.Deleted)} deleted",
        RangeResult range => $"range: {KvCommands.Num(range.Count)} keys" + string.Concat(range.Kvs.Select(kv => $"{Environment.NewLine}  {kv.Key} = {Text.Preview(kv.Value.Span)}")),
        _ => result.ToString(),
    };
}
