namespace Cairn.ZooKeeper;

// multi: a transaction of creates, deletes, set-datas and checks that applies as a whole or not at all.
public sealed partial class ZooKeeperClient
{
    /// <summary>
    /// Applies the operations as one transaction: all of them, or none. A failed transaction is a result
    /// (<see cref="MultiResult.Succeeded"/> false, the failing operation's code in its <see cref="ErrorOpResult"/>),
    /// not an exception; <see cref="MultiResult.ThrowIfFailed"/> turns it into one.
    /// </summary>
    /// <param name="ops">The operations, made with <see cref="Op"/>'s factory methods; none is a success with no results.</param>
    /// <param name="cancellationToken">Abandons the wait (not the request).</param>
    /// <returns>One result per operation, in order.</returns>
    /// <exception cref="ConnectionLossException">The connection was lost before the reply; the transaction may or may not have applied.</exception>
    public Task<MultiResult> MultiAsync(IReadOnlyList<Op> ops, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ops);
        if (ops.Count == 0)
        {
            return Task.FromResult(new MultiResult(true, []));
        }

        foreach (var op in ops)
        {
            ArgumentNullException.ThrowIfNull(op, nameof(ops));
        }

        return SubmitAsync(new MultiRequest(this, [.. ops]), cancellationToken);
    }

    private sealed class MultiRequest(ZooKeeperClient client, Op[] ops) : Request<MultiResult>(OpCodes.Multi, null)
    {
        // MultiOperationRecord: a header (type, done=false, err=-1) and the request of each op, then a closing header.
        public override void WriteBody(JuteWriter writer)
        {
            foreach (var op in ops)
            {
                writer.WriteInt(op.Type);
                writer.WriteBool(false);
                writer.WriteInt(-1);
                op.WriteRequest(writer, client.ToServer(op.Path));
            }

            writer.WriteInt(-1);
            writer.WriteBool(true);
            writer.WriteInt(-1);
        }

        // MultiResponse: a header (type, done, err) and a result per op until the closing header.
        protected override MultiResult Read(int error, ref JuteReader body)
        {
            var results = new List<OpResult>(ops.Length);
            var succeeded = true;
            while (true)
            {
                var type = body.ReadInt();
                var done = body.ReadBool();
                body.ReadInt(); // err: repeated in the error result's body
                if (done)
                {
                    break;
                }

                var path = results.Count < ops.Length ? ops[results.Count].Path : null;
                switch (type)
                {
                    case OpCodes.Create:
                        results.Add(new CreateOpResult(client.FromServer(body.ReadString())));
                        break;
                    case OpCodes.Create2:
                        var created = client.FromServer(body.ReadString());
                        body.ReadStat();
                        results.Add(new CreateOpResult(created));
                        break;
                    case OpCodes.Delete:
                        results.Add(new DeleteOpResult());
                        break;
                    case OpCodes.SetData:
                        results.Add(new SetDataOpResult(body.ReadStat()));
                        break;
                    case OpCodes.Check:
                        results.Add(new CheckOpResult());
                        break;
                    case OpCodes.Error:
                        succeeded = false;
                        results.Add(new ErrorOpResult((ZooKeeperErrorCode)body.ReadInt()) { Path = path });
                        break;
                    default:
                        throw new InvalidDataException($"A multi reply holds a result of unknown type {type}.");
                }
            }

            if (results.Count != ops.Length)
            {
                throw new InvalidDataException($"A multi of {ops.Length} operations was answered with {results.Count} results.");
            }

            return new MultiResult(succeeded, results);
        }
    }
}
