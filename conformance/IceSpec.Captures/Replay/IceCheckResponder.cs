using System.Net;
using IceSpec.Stun;

namespace IceSpec.Captures.Replay;

/// <summary>
/// Answers the connectivity checks an ICE agent under replay sends to the replaying socket, as the replayed side would
/// (RFC 8445 §7.3): a Binding request whose USERNAME is <c>SIDEUFRAG:…</c> and whose MESSAGE-INTEGRITY verifies with the
/// side's password gets a success response with XOR-MAPPED-ADDRESS = the request's source (§7.3.1.2), MESSAGE-INTEGRITY
/// with that same short-term password (RFC 8489 §9.1.3) and FINGERPRINT, as the checks themselves carry. Anything else
/// is left unanswered.
/// </summary>
public sealed class IceCheckResponder(string sideUfrag, string sidePassword)
{
    private readonly StunKey _key = StunKey.ShortTerm(sidePassword);
    private int _answered;

    /// <summary>How many of the agent's checks were answered.</summary>
    public int Answered => Volatile.Read(ref _answered);

    public byte[]? Answer(byte[] request, IPEndPoint source)
    {
        if (StunMessage.TryParse(request, out var message) != StunParseStatus.Ok || message.Class != StunClass.Request ||
            message.Method != StunMethods.Binding || message.GetUsernameString() is not { } username ||
            !username.StartsWith(sideUfrag + ":", StringComparison.Ordinal) ||
            StunIntegrity.VerifyMessageIntegrity(message, _key) != IntegrityStatus.Valid)
            return null;
        var buffer = new byte[128];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), message.TransactionId);
        builder.AddXorMappedAddress(source);
        builder.AddMessageIntegrity(_key);
        builder.AddFingerprint();
        Interlocked.Increment(ref _answered);
        return builder.Written.ToArray();
    }
}
