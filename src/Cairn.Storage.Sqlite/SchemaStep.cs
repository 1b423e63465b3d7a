namespace Cairn.Storage.Sqlite;

/// <summary>One step of <see cref="SchemaMigrations"/>.</summary>
/// <param name="To">The schema version the store has after it.</param>
/// <param name="What">What it changes, for the log.</param>
/// <param name="Sql">The DDL (and data changes) of the step; <c>meta.schema_version</c> is set by the caller.</param>
internal sealed record SchemaStep(int To, string What, string Sql);
