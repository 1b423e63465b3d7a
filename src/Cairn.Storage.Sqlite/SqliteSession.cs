using System.Text;
using Cairn.Core;
using Microsoft.Data.Sqlite;

namespace Cairn.Storage.Sqlite;

/// <summary>
/// One connection and its prepared statements. Readers rent one from the pool; the writer owns one. All range logic
/// lives here so that a read inside a write txn and a read on a pooled connection give the same answers.
/// Not thread-safe: one user at a time.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteSession(string connectionString, bool readOnly, SqliteDurability durability)
    {
        Connection = new SqliteConnection(connectionString);
        Connection.Open();
        var pragmas = readOnly
            ? "PRAGMA query_only = 1;"
            : $"PRAGMA synchronous = {(durability == SqliteDurability.Full ? "FULL" : "OFF")};";
        Execute("PRAGMA busy_timeout = 5000; PRAGMA cache_size = -16000; " + pragmas);
    }

    public SqliteConnection Connection { get; }

    public void Execute(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A prepared statement, created once per session and reused; parameters are named @p0, @p1….</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < 10; i++)
            {
                if (sql.Contains($"@p{i}", StringComparison.Ordinal))
                {
                    command.Parameters.Add(new SqliteParameter($"@p{i}", null));
                }
            }

            command.Prepare();
            _commands[sql] = command;
        }

        return command;
    }

    public (long Revision, long CompactRevision) ReadMeta()
    {
        using var reader = Command("SELECT revision, compact_revision FROM meta WHERE id = 1").ExecuteReader();
        if (!reader.Read())
        {
            throw new InvalidOperationException("The store's meta row is missing; the database is not a Cairn store.");
        }

        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The live value of one key, or null.</summary>
    public KeyValue? GetCurrent(string key, byte[] keyBytes)
    {
        var command = Command("SELECT value, create_rev, mod_rev, version, lease FROM kv WHERE key = @p0");
        command.Parameters[0].Value = keyBytes;
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new KeyValue(key, (byte[])reader.GetValue(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4))
            : null;
    }

    /// <summary>
    /// The latest value of one key together with the store revision, in one statement (so one snapshot, without an
    /// explicit transaction): the common "get a key" read.
    /// </summary>
    public RangeResult GetLatest(string key, bool keysOnly)
    {
        var command = Command(keysOnly
            ? "SELECT m.revision, NULL, kv.create_rev, kv.mod_rev, kv.version, kv.lease FROM meta AS m LEFT JOIN kv ON kv.key = @p0 WHERE m.id = 1"
            : "SELECT m.revision, kv.value, kv.create_rev, kv.mod_rev, kv.version, kv.lease FROM meta AS m LEFT JOIN kv ON kv.key = @p0 WHERE m.id = 1");
        command.Parameters["@p0"].Value = Encoding.UTF8.GetBytes(key);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new InvalidOperationException("The store's meta row is missing; the database is not a Cairn store.");
        }

        var revision = reader.GetInt64(0);
        if (reader.IsDBNull(3))
        {
            return new RangeResult(revision, [], false, 0);
        }

        var value = reader.IsDBNull(1) ? ReadOnlyMemory<byte>.Empty : (byte[])reader.GetValue(1);
        return new RangeResult(revision, [new KeyValue(key, value, reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5))], false, 1);
    }

    /// <summary>Runs a range read at <paramref name="readRevision"/>, which the caller has already resolved.</summary>
    public RangeResult Range(RangeRequest request, long readRevision, long currentRevision)
    {
        var past = readRevision < currentRevision;
        var range = request.Range;
        var where = KeyFilter(range, 0);
        var limit = request.Limit > 0 && !range.IsSingleKey ? request.Limit : 0;

        // Past reads take, per key, the newest history row at or below the read revision (SQLite returns the bare
        // columns of the row that holds max(rev)), then drop the keys whose newest row is a delete.
        var source = past
            ? $"(SELECT key, value, create_rev, max(rev) AS mod_rev, version, lease FROM history WHERE {where} AND rev <= @p2 GROUP BY key) WHERE version > 0"
            : $"kv WHERE {where}";

        var kvs = new List<KeyValue>();
        if (!request.CountOnly)
        {
            var columns = request.KeysOnly ? "key, NULL, create_rev, mod_rev, version, lease" : "key, value, create_rev, mod_rev, version, lease";
            var sql = $"SELECT {columns} FROM {source} ORDER BY key" + (limit > 0 ? " LIMIT @p3" : "");
            var command = Command(sql);
            Bind(command, range, readRevision, limit);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var keyBytes = (byte[])reader.GetValue(0);
                var value = reader.IsDBNull(1) ? ReadOnlyMemory<byte>.Empty : (byte[])reader.GetValue(1);
                kvs.Add(new KeyValue(Encoding.UTF8.GetString(keyBytes), value, reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }
        }

        long count = kvs.Count;
        if (request.CountOnly || (limit > 0 && kvs.Count >= limit))
        {
            var command = Command($"SELECT count(*) FROM {source}");
            Bind(command, range, readRevision, 0);
            count = (long)command.ExecuteScalar()!;
        }

        return new RangeResult(currentRevision, kvs, count > kvs.Count && !request.CountOnly, count);
    }

    /// <summary>The SQL condition on column <c>key</c> that selects <paramref name="range"/>, its bounds in parameters
    /// <c>@p{first}</c> and (for a bounded range) <c>@p{first + 1}</c>; see <see cref="BindKeyFilter"/>.</summary>
    public static string KeyFilter(KeyRange range, int first) =>
        range.IsSingleKey ? $"key = @p{first}"
        : range.EndBytes!.Length > 0 ? $"key >= @p{first} AND key < @p{first + 1}"
        : $"key >= @p{first}";

    /// <summary>Sets the parameters of <see cref="KeyFilter"/>.</summary>
    public static void BindKeyFilter(SqliteCommand command, KeyRange range, int first)
    {
        command.Parameters[$"@p{first}"].Value = range.StartBytes;
        if (command.Parameters.Contains($"@p{first + 1}"))
        {
            command.Parameters[$"@p{first + 1}"].Value = range.EndBytes;
        }
    }

    private static void Bind(SqliteCommand command, KeyRange range, long readRevision, long limit)
    {
        var parameters = command.Parameters;
        BindKeyFilter(command, range, 0);
        if (parameters.Contains("@p2"))
        {
            parameters["@p2"].Value = readRevision;
        }

        if (parameters.Contains("@p3"))
        {
            parameters["@p3"].Value = limit;
        }
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        Connection.Dispose();
    }
}
