namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>
/// History dumps as the original wrote them: its CREATE TABLE and INSERT run on Debian's Python 3.11 / SQLite 3.40, then
/// <c>'\n'.join(conn.iterdump())</c>, and the <c>json.dumps({'status': row})</c> its status answered for each row.
/// </summary>
internal static class OriginalDumps
{
    /// <summary>Two rows of request r-1: a begin (payload None) and a commit whose message had odd values (a quote, a
    /// semicolon, a newline and ATTACH inside a string; a non-ASCII letter; a float date; an integer resourcepk stored
    /// as text by the column's affinity; a nested payload).</summary>
    public const string TwoRows = """
        BEGIN TRANSACTION;
        CREATE TABLE journal (
                  id             INTEGER PRIMARY KEY AUTOINCREMENT,
                  date           DATETIME DEFAULT CURRENT_TIMESTAMP,
                  authuser_id    VARCHAR(64)   NOT NULL,
                  user_id        VARCHAR(64)   NOT NULL,
                  as_role        VARCHAR(16)   NULL,
                  request_id     VARCHAR(36)   NOT NULL,
                  transaction_id VARCHAR(36)   NOT NULL,
                  step           VARCHAR(16)   NOT NULL,
                  host           VARCHAR(254)  NOT NULL,
                  resource       VARCHAR(64)   NOT NULL,
                  resourcegroup  VARCHAR(64)   NOT NULL,
                  verb           VARCHAR(64)   NOT NULL,
                  resourcepk     VARCHAR(128)  NULL,
                  payload        TEXT          NULL,
                  cm             VARCHAR(20)   NULL
              );
        INSERT INTO "journal" VALUES(1,'2017-6-13 16:47:55','user1','user1',NULL,'r-1','t-1','begin','host1','cookbook/todo','cookbook','get',NULL,'null',NULL);
        INSERT INTO "journal" VALUES(2,1.5,'user1','usér','admin','r-1','t-1','commit','o''brien;
        ATTACH','cookbook/todo','cookbook','post','42','{"files": [1, 2.5, null, "\u2603"], "ok": true}','c1');
        DELETE FROM "sqlite_sequence";
        INSERT INTO "sqlite_sequence" VALUES('journal',2);
        COMMIT;
        """;

    /// <summary>The original's answer for r-1's begin row (had it been asked for the begin).</summary>
    public const string BeginAnswer = """
        {"status": {"host": "host1", "authuser_id": "user1", "user_id": "user1", "date": "2017-6-13 16:47:55", "request_id": "r-1", "transaction_id": "t-1", "step": "begin", "as_role": null, "resourcegroup": "cookbook", "resource": "cookbook/todo", "verb": "get", "resourcepk": null, "payload": null, "cm": null}}
        """;

    /// <summary>The original's answer for r-1 (its commit row).</summary>
    public const string CommitAnswer = """
        {"status": {"host": "o'brien;\nATTACH", "authuser_id": "user1", "user_id": "us\u00e9r", "date": 1.5, "request_id": "r-1", "transaction_id": "t-1", "step": "commit", "as_role": "admin", "resourcegroup": "cookbook", "resource": "cookbook/todo", "verb": "post", "resourcepk": "42", "payload": {"files": [1, 2.5, null, "\u2603"], "ok": true}, "cm": "c1"}}
        """;

    /// <summary>A dump with the journal table and <paramref name="inserts"/> (statements, each ending with ';').</summary>
    public static string With(params string[] inserts) =>
        "BEGIN TRANSACTION;\n" + CreateTable + ";\n" + string.Join('\n', inserts) + "\nCOMMIT;";

    /// <summary>A row of the table for request <paramref name="requestId"/>, step <paramref name="step"/>.</summary>
    public static string Row(int id, string requestId, string step, string payload = "'null'") =>
        $"INSERT INTO \"journal\" VALUES({id},'2017-6-13 16:47:55','user1','user1',NULL,'{requestId.Replace("'", "''", StringComparison.Ordinal)}','t-{id}','{step}','host1','cookbook/todo','cookbook','get',NULL,{payload},NULL);";

    private const string CreateTable = """
        CREATE TABLE journal (
                  id             INTEGER PRIMARY KEY AUTOINCREMENT,
                  date           DATETIME DEFAULT CURRENT_TIMESTAMP,
                  authuser_id    VARCHAR(64)   NOT NULL,
                  user_id        VARCHAR(64)   NOT NULL,
                  as_role        VARCHAR(16)   NULL,
                  request_id     VARCHAR(36)   NOT NULL,
                  transaction_id VARCHAR(36)   NOT NULL,
                  step           VARCHAR(16)   NOT NULL,
                  host           VARCHAR(254)  NOT NULL,
                  resource       VARCHAR(64)   NOT NULL,
                  resourcegroup  VARCHAR(64)   NOT NULL,
                  verb           VARCHAR(64)   NOT NULL,
                  resourcepk     VARCHAR(128)  NULL,
                  payload        TEXT          NULL,
                  cm             VARCHAR(20)   NULL
              )
        """;
}
