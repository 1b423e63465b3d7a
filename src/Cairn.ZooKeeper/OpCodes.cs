namespace Cairn.ZooKeeper;

// The request types of the protocol (ZooDefs.OpCode) this client sends, and the special xids.
internal static class OpCodes
{
    public const int Notification = 0;
    public const int Create = 1;
    public const int Delete = 2;
    public const int Exists = 3;
    public const int GetData = 4;
    public const int SetData = 5;
    public const int GetAcl = 6;
    public const int Sync = 9;
    public const int Ping = 11;
    public const int GetChildren2 = 12;
    public const int Check = 13;
    public const int Multi = 14;
    public const int Create2 = 15;
    public const int RemoveWatches = 18;
    public const int CreateContainer = 19;
    public const int CreateTtl = 21;
    public const int Auth = 100;
    public const int SetWatches2 = 105;
    public const int GetEphemerals = 103;
    public const int AddWatch = 106;
    public const int CloseSession = -11;
    public const int Error = -1;

    // Replies with these xids are not answers to numbered requests; numbered xids are always positive.
    public const int NotificationXid = -1;
    public const int PingXid = -2;
    public const int AuthXid = -4;
    public const int SetWatchesXid = -8;
}
