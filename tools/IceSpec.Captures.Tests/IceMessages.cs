using System.Net;
using IceSpec.Stun;

namespace IceSpec.Captures.Tests;

/// <summary>ICE connectivity checks and responses built with the runtime's builder (RFC 8445 §7.1, §7.2.2), for tests.</summary>
internal static class IceMessages
{
    public static byte[] Check(byte id, string username, string receiverPassword, bool controlling, bool useCandidate = false, ulong tieBreaker = 42)
    {
        Span<byte> buffer = stackalloc byte[512];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), Id(id));
        builder.AddUsername(username);
        builder.AddPriority(1853824767);
        if (controlling) builder.AddIceControlling(tieBreaker);
        else builder.AddIceControlled(tieBreaker);
        if (useCandidate) builder.AddUseCandidate();
        builder.AddMessageIntegrity(StunKey.ShortTerm(receiverPassword));
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    public static byte[] Success(byte id, IPEndPoint mapped, string responderPassword)
    {
        Span<byte> buffer = stackalloc byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), Id(id));
        builder.AddXorMappedAddress(new StunAddress(mapped));
        builder.AddMessageIntegrity(StunKey.ShortTerm(responderPassword));
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    public static byte[] Error(byte id, int code, string responderPassword)
    {
        Span<byte> buffer = stackalloc byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Error), Id(id));
        builder.AddErrorCode(code, StunErrorCodes.ReasonPhrase(code) ?? "");
        builder.AddMessageIntegrity(StunKey.ShortTerm(responderPassword));
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    public static byte[] Id(byte id) => Enumerable.Repeat(id, 12).ToArray();
}
