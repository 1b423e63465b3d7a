using System.Buffers.Binary;
using System.Text;

namespace Cairn.Cli.Tests;

/// <summary>Builds input in the seed's framed format: a 4-byte big-endian length, then that many bytes.</summary>
internal static class Frames
{
    public static byte[] Of(params string[] messages) => Concat(messages.Select(m => Frame(Encoding.UTF8.GetBytes(m))).ToArray());

    public static byte[] Frame(byte[] body) => Concat(Length((uint)body.Length), body);

    public static byte[] Length(uint length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, length);
        return header;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A seed-shaped message of request <paramref name="txid"/>, step <paramref name="step"/>.</summary>
    public static string Message(string txid, string step, string user = "user1") =>
        $$"""{"user_id":"{{user}}","resourcepk":null,"request_id":"{{txid}}","host":"host1","payload":null,"resourcegroup":"cookbook","transaction_id":"t-{{txid}}","cm":null,"step":"{{step}}","date":"2017-6-13 16:47:55","resource":"cookbook/todo","role":null,"authuser_id":"{{user}}","verb":"get"}""";
}
