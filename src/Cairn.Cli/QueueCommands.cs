using System.CommandLine;
using System.Globalization;
using Cairn.Client;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn queue put|take|ls</c>: a queue with at-least-once delivery.</summary>
internal static class QueueCommands
{
    public static Command Create(CliContext context) => new("queue", "Queues with at-least-once delivery: an item taken by a consumer that dies before acknowledging it is delivered again.")
    {
        Put(context),
        Take(context),
        List(context),
    };

    private static Argument<string> Name() => new("NAME") { Description = "The queue's name." };

    private static Command Put(CliContext context)
    {
        var name = Name();
        var value = new Argument<string?>("VALUE") { Description = "The item (text); omit it to read standard input.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("put", "Add an item at the end of a queue; prints its id.") { name, value };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var text = parse.GetValue(value);
            if (text is null)
            {
                using var reader = new StreamReader(context.OpenStdin());
                text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
            }

            var item = await client.EnqueueAsync(parse.GetValue(name)!, text, ct).ConfigureAwait(false);
            await (context.WantsJson(parse) ? context.WriteJsonAsync(item) : context.Out.WriteLineAsync(item.Id)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Take(CliContext context)
    {
        var name = Name();
        var wait = new Option<string?>("--wait") { Description = "Give up (exit 1) when no item comes within this long; 0: only try (default: wait until one comes)." };
        var command = new Command("take", "Take the first ready item of a queue, print it, and acknowledge it once printed (if cairn dies first, the item is delivered again).") { name, wait };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var queue = parse.GetValue(name)!;
            var limit = ChildProcess.Wait(parse.GetValue(wait));
            using var interruption = new Interruption(ct);
            QueueDelivery? delivery;
            try
            {
                delivery = await client.DequeueAsync(queue, limit, cancellationToken: interruption.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (interruption.Interrupted)
            {
                return 130;
            }

            if (delivery is null)
            {
                return await context.FailAsync($"no item came in queue {queue} within {Durations.Format(limit!.Value)}").ConfigureAwait(false);
            }

            await using (delivery.ConfigureAwait(false))
            {
                await (context.WantsJson(parse) ? context.WriteJsonAsync(delivery.Item) : context.Out.WriteLineAsync(delivery.Value)).ConfigureAwait(false);
                await context.Out.FlushAsync(ct).ConfigureAwait(false);
                if (!await delivery.AckAsync(ct).ConfigureAwait(false))
                {
                    return await context.FailAsync($"item {delivery.Id} of queue {queue} was printed, but its delivery had ended before it was acknowledged: it will be delivered again").ConfigureAwait(false);
                }
            }

            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var name = Name();
        var command = new Command("ls", "Print how many items of a queue are ready and how many are delivered but not acknowledged.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var state = await client.GetQueueAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            await (context.WantsJson(parse)
                ? context.WriteJsonAsync(state)
                : context.Out.WriteLineAsync($"queue {state.Queue}: {state.Ready.ToString(CultureInfo.InvariantCulture)} ready, {state.InFlight.ToString(CultureInfo.InvariantCulture)} in flight")).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
