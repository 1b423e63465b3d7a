using System.Globalization;
using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.ZooKeeper.Import;

/// <summary>
/// One row of a history node as the step it records: request <c>request_id</c>, step <c>step</c>, and the message the
/// original's status answered for it.
/// </summary>
/// <remarks>
/// For a folded request the original ran <c>SELECT host, authuser_id, user_id, date, request_id, transaction_id, step,
/// as_role, resourcegroup, resource, verb, resourcepk, payload, cm FROM journal WHERE request_id=? AND step=?</c> and
/// answered <c>{"status": row}</c>: those fourteen columns in that order, with <c>payload</c> (a JSON text) parsed.
/// The message built here is that object, written as Python's <c>json.dumps</c> wrote it (<see cref="PythonJson"/>), so
/// Cairn's <c>GET /status/&lt;txid&gt;</c> — <c>{"status": message}</c> — answers the original's bytes.
/// A row the original's status failed on is imported where it can be: a NULL payload (Python's <c>json.loads(None)</c>
/// raised) becomes <c>null</c>; a payload that is not JSON, a blob, or a request_id or step that is not text is refused.
/// </remarks>
internal static class HistoryRow
{
    /// <summary>The columns the original's status read from a history row, in its order.</summary>
    public static IReadOnlyList<string> AnsweredColumns { get; } =
        ["host", "authuser_id", "user_id", "date", "request_id", "transaction_id", "step", "as_role", "resourcegroup", "resource", "verb", "resourcepk", "payload", "cm"];

    /// <summary>Where each of <see cref="AnsweredColumns"/> is in <paramref name="dump"/>; throws
    /// <see cref="InvalidDataException"/> when the table lacks one (the original's query failed on it too).</summary>
    public static int[] Indexes(JournalHistoryDump dump)
    {
        var indexes = new int[AnsweredColumns.Count];
        for (var i = 0; i < indexes.Length; i++)
        {
            indexes[i] = dump.IndexOf(AnsweredColumns[i]);
            if (indexes[i] < 0)
            {
                throw new InvalidDataException($"its journal table has no column {AnsweredColumns[i]}, which the original's status read.");
            }
        }

        return indexes;
    }

    /// <summary>The request id, step and message of <paramref name="row"/>; throws <see cref="InvalidDataException"/>
    /// when it cannot be one (request_id or step not text, a blob, a payload that is not JSON).</summary>
    /// <param name="indexes">From <see cref="Indexes"/>.</param>
    /// <param name="row">The row's values.</param>
    public static (string RequestId, string Step, byte[] Message) Map(int[] indexes, SqlValue[] row)
    {
        var requestId = TextOf(row[indexes[4]], "request_id");
        var step = TextOf(row[indexes[6]], "step");
        var json = new StringBuilder(256).Append('{');
        for (var i = 0; i < indexes.Length; i++)
        {
            var name = AnsweredColumns[i];
            if (i > 0)
            {
                json.Append(", ");
            }

            PythonJson.AppendString(json, name);
            json.Append(": ");
            var value = row[indexes[i]];
            if (name == "payload")
            {
                AppendPayload(json, value);
            }
            else
            {
                AppendValue(json, value, name);
            }
        }

        var message = Encoding.UTF8.GetBytes(json.Append('}').ToString());
        return (requestId, step, message);
    }

    private static string TextOf(SqlValue value, string column) => value is SqlValue.Text text
        ? text.Value
        : throw new InvalidDataException($"its {column} is {value.Kind}, not text (the original looked rows up by text).");

    private static void AppendValue(StringBuilder json, SqlValue value, string column)
    {
        switch (value)
        {
            case SqlValue.Null:
                json.Append("null");
                break;
            case SqlValue.Integer integer:
                json.Append(integer.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case SqlValue.Real real:
                json.Append(PythonJson.Float(real.Value));
                break;
            case SqlValue.Text text:
                PythonJson.AppendString(json, text.Value);
                break;
            default:
                throw new InvalidDataException($"its {column} is a blob, which JSON cannot hold (the original's status failed on it too).");
        }
    }

    // The payload column holds json.dumps(payload); the original answered json.loads of it. That text is embedded as it
    // is: it is what json.dumps wrote, so writing its parse again would give the same bytes.
    private static void AppendPayload(StringBuilder json, SqlValue value)
    {
        if (value is not SqlValue.Text text)
        {
            AppendValue(json, value, "payload");
            return;
        }

        try
        {
            JournalMessages.Validate(Encoding.UTF8.GetBytes(text.Value), int.MaxValue);
        }
        catch (InvalidArgumentException ex)
        {
            throw new InvalidDataException($"its payload is not JSON, which the original's status parsed ({ex.Message.TrimEnd('.')}).", ex);
        }

        json.Append(text.Value.Trim(' ', '\t', '\r', '\n'));
    }
}
