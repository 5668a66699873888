using System.Net;
using IceSpec.Stun;

namespace IceSpec.Captures.Replay;

/// <summary>What the capture says a replayed request should get back: nothing, or a response of this class, error code and attribute types (in order).</summary>
public sealed record ExpectedAnswer(StunClass Class, int? ErrorCode, IReadOnlyList<ushort> AttributeTypes)
{
    public static ExpectedAnswer Of(byte[] message)
    {
        StunMessage.TryParse(message, out var parsed);
        var types = new List<ushort>();
        foreach (var attribute in parsed.Attributes) types.Add(attribute.Type);
        return new ExpectedAnswer(parsed.Class, parsed.TryGetErrorCode(out var code, out _) ? code : null, types);
    }

    public override string ToString() =>
        (Class == StunClass.Success ? "success" : $"error {ErrorCode}") + " [" + string.Join(" ", AttributeTypes.Select(Name)) + "]";

    public static string Name(ushort type) => StunAttributeRegistry.TryGet(type, out var info) ? info.Name : $"0x{type:X4}";
}

/// <summary>
/// One request of the replayed side: the captured bytes, when it was sent (from the first), what came back then, and
/// how it travelled: "udp" or "tcp", to <see cref="CapturedDestination"/> (on TCP, the connection it was sent on).
/// </summary>
public sealed record ReplayStep(int Frame, TimeSpan Offset, byte[] Request, string Label, ExpectedAnswer? Expected,
    string Transport, IPEndPoint CapturedDestination);

/// <summary>
/// The requests one side sent in a capture, in capture order (first transmissions only), over UDP and TCP, each with
/// the response the capture holds for it. The side is an address (IP:port) or, for ICE, the ufrag of the agent's checks.
/// </summary>
public static class ReplayPlan
{
    public static IReadOnlyList<ReplayStep> Build(IReadOnlyList<CapturedMessage> messages, IPEndPoint side)
    {
        var steps = new List<ReplayStep>();
        var byTransaction = new Dictionary<string, int>();
        var responses = new Dictionary<string, byte[]>();
        DateTime? first = null;
        // Messages relayed inside TURN messages are not replayed on their own: their carriers are.
        foreach (var message in messages.Where(m => m.Kind == CapturedKind.Stun && m.Relay is null))
        {
            if (StunMessage.TryParse(message.Bytes, out var parsed) != StunParseStatus.Ok) continue;
            var id = Convert.ToHexStringLower(parsed.TransactionId);
            if (parsed.Class == StunClass.Request && message.Source.Equals(side) && !byTransaction.ContainsKey(id))
            {
                first ??= message.Time;
                byTransaction[id] = steps.Count;
                var method = StunMethods.NameOf(parsed.Method) ?? IceSpec.Turn.TurnMethods.NameOf(parsed.Method) ?? $"0x{parsed.Method:X3}";
                steps.Add(new ReplayStep(message.Frame, message.Time - first.Value, message.Bytes, $"{method} request", null,
                    message.Transport, message.Destination));
            }
            else if (parsed.Class is StunClass.Success or StunClass.Error && message.Destination.Equals(side) &&
                     byTransaction.TryGetValue(id, out var index) && steps[index].Expected is null)
                steps[index] = steps[index] with { Expected = ExpectedAnswer.Of(message.Bytes) };
        }
        return steps;
    }

    /// <summary>The address of <paramref name="side"/>: itself when it is IP:port, else the source of the first ICE check whose USERNAME ends in ":side".</summary>
    public static IPEndPoint? Resolve(IReadOnlyList<CapturedMessage> messages, string side)
    {
        if (IPEndPoint.TryParse(side, out var address) && address.Port != 0) return address;
        foreach (var message in messages.Where(m => m.Kind == CapturedKind.Stun && m.Relay is null))
            if (StunMessage.TryParse(message.Bytes, out var parsed) == StunParseStatus.Ok && parsed.Class == StunClass.Request &&
                parsed.GetUsernameString() is { } username && username.EndsWith(":" + side, StringComparison.Ordinal))
                return message.Source;
        return null;
    }
}
