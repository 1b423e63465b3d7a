using System.Globalization;
using System.Reflection;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Storage.Sqlite;

public sealed partial class SqliteKeyspace
{
    // What meta.cairn_version records: this build's version.
    private static readonly string CairnVersion =
        typeof(SqliteKeyspace).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// Brings the store at <paramref name="path"/> to <see cref="Schema.Version"/>: creates a new one; migrates an older
    /// one forward (a backup copy first, then each step in its own transaction); refuses a newer one.
    /// </summary>
    /// <exception cref="UnavailableException">The store's schema is newer than this Cairn knows, or it is not a Cairn store.</exception>
    private static void PrepareSchema(SqliteSession writer, string path, ILogger logger)
    {
        var exists = (long)writer.Command("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'").ExecuteScalar()! != 0;
        if (!exists)
        {
            writer.Execute("BEGIN IMMEDIATE;" + Schema.Create + "COMMIT;");
        }
        else
        {
            var version = writer.Command("SELECT schema_version FROM meta WHERE id = 1").ExecuteScalar() is long v
                ? v
                : throw new UnavailableException($"Cannot open the store at '{path}': its meta row is missing; it is not a Cairn store.");
            if (version > Schema.Version)
            {
                var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
                throw new UnavailableException($"data dir {directory} has schema version {version}; this cairn knows up to {Schema.Version}; use a newer cairn");
            }

            if (version < 1)
            {
                throw new UnavailableException($"Cannot open the store at '{path}': its schema version is {version}; it is not a Cairn store.");
            }

            if (version < Schema.Version)
            {
                Migrate(writer, path, (int)version, logger);
            }
        }

        var stamp = writer.Command("UPDATE meta SET cairn_version = @p0 WHERE id = 1");
        stamp.Parameters["@p0"].Value = CairnVersion;
        stamp.ExecuteNonQuery();
    }

    private static void Migrate(SqliteSession writer, string path, int from, ILogger logger)
    {
        // A copy of the store as it was, before anything changes: a step that goes wrong (or a Cairn that has to be
        // rolled back) leaves a store the old Cairn can open again.
        var backup = path + ".v" + from.ToString(CultureInfo.InvariantCulture) + "-backup-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        if (File.Exists(backup))
        {
            File.Delete(backup); // A backup of this very second from an attempt that failed before its first step.
        }

        var vacuum = writer.Command("VACUUM INTO @p0");
        vacuum.Parameters["@p0"].Value = backup;
        vacuum.ExecuteNonQuery();
        using (var copy = new FileStream(backup, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
        {
            copy.Flush(flushToDisk: true);
        }

        Core.IO.FileSync.Directory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(backup))!);
        LogBackedUp(logger, path, from, backup);

        foreach (var step in SchemaMigrations.Steps.Where(s => s.To > from && s.To <= Schema.Version))
        {
            writer.Execute("BEGIN IMMEDIATE;");
            try
            {
                writer.Execute(step.Sql);
                var bump = writer.Command("UPDATE meta SET schema_version = @p0 WHERE id = 1");
                bump.Parameters["@p0"].Value = step.To;
                bump.ExecuteNonQuery();
                writer.Execute("COMMIT;");
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                RollbackQuietly(writer);
                throw;
            }

            LogMigrated(logger, path, step.To - 1, step.To, step.What);
        }
    }

    private static void RollbackQuietly(SqliteSession session)
    {
        try
        {
            session.Execute("ROLLBACK;");
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // SQLite rolled back already (the failed statement ended the transaction).
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Path} has schema version {Version}; copied it to {Backup} before migrating")]
    private static partial void LogBackedUp(ILogger logger, string path, int version, string backup);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Path} migrated from schema version {From} to {To}: {What}")]
    private static partial void LogMigrated(ILogger logger, string path, int from, int to, string what);
}
