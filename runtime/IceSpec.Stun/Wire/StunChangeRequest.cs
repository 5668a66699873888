using System.Buffers.Binary;

namespace IceSpec.Stun;

/// <summary>
/// CHANGE-REQUEST's 32-bit value (RFC 5780 §7.2; RFC 3489 §11.2.4 has the same layout): flag A asks the server to answer
/// from its other IP address, flag B from its other port; the other bits are unused. The flags are spec/stun.spec's
/// <c>ChangeIpFlag</c> and <c>ChangePortFlag</c>.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 A B 0|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly record struct StunChangeRequest(uint Value)
{
    /// <summary>Flag A: change IP.</summary>
    public const uint ChangeIpFlag = (uint)StunFormulas.ChangeIpFlag;

    /// <summary>Flag B: change port.</summary>
    public const uint ChangePortFlag = (uint)StunFormulas.ChangePortFlag;

    public StunChangeRequest(bool changeIp, bool changePort) : this((changeIp ? ChangeIpFlag : 0) | (changePort ? ChangePortFlag : 0)) { }

    public bool ChangeIp => (Value & ChangeIpFlag) != 0;

    public bool ChangePort => (Value & ChangePortFlag) != 0;

    /// <summary>Whether the request asks for another address or port at all (no flag set asks for nothing).</summary>
    public bool AsksForChange => ChangeIp || ChangePort;

    /// <summary>The value of a CHANGE-REQUEST attribute (4 bytes, big-endian; check its length first).</summary>
    public static StunChangeRequest Read(ReadOnlySpan<byte> value) => new(BinaryPrimitives.ReadUInt32BigEndian(value));

    public override string ToString() => $"change IP {(ChangeIp ? "yes" : "no")}, change port {(ChangePort ? "yes" : "no")}";
}
