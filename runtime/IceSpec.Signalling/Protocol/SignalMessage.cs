using System.Text.Json;
using System.Text.Json.Serialization;

namespace IceSpec.Signalling;

/// <summary>
/// One message of the signalling protocol: a JSON object in one WebSocket text message (README.md, "Messages"). Which
/// fields are set depends on <see cref="Type"/> (<see cref="SignalMessageTypes"/>); absent ones are null.
/// </summary>
public sealed record SignalMessage
{
    public required string Type { get; init; }

    /// <summary>welcome: this peer's id; peer-joined, peer-left: the other peer's id.</summary>
    public string? Peer { get; init; }

    /// <summary>Set by the server on relayed messages: the id of the peer that sent it.</summary>
    public string? From { get; init; }

    /// <summary>welcome: the room joined.</summary>
    public string? Room { get; init; }

    /// <summary>welcome: the peers already in the room.</summary>
    public IReadOnlyList<string>? Peers { get; init; }

    /// <summary>welcome: the TURN servers, least loaded first, each with short-lived TURN REST credentials.</summary>
    public IReadOnlyList<SignalIceServer>? IceServers { get; init; }

    /// <summary>description: RFC 8839 attribute lines (a=ice-ufrag, a=ice-pwd, a=candidate…, maybe a=end-of-candidates).</summary>
    public string? Sdp { get; init; }

    /// <summary>candidate: one RFC 8839 a=candidate line.</summary>
    public string? Candidate { get; init; }

    /// <summary>error: what was wrong with a message that the server did not relay.</summary>
    public string? Message { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, SignalJson.Default.SignalMessage);

    /// <summary>Parses one message; null (with <paramref name="error"/>) when it is not JSON or has no type.</summary>
    public static SignalMessage? Parse(ReadOnlySpan<byte> utf8, out string? error)
    {
        try
        {
            var message = JsonSerializer.Deserialize(utf8, SignalJson.Default.SignalMessage);
            error = message is null ? "the message is JSON null, not an object with a \"type\"" : null;
            return message;
        }
        catch (JsonException e)
        {
            error = "the message is not a JSON object with a string \"type\": " + e.Message.Split('.')[0];
            return null;
        }
    }
}

/// <summary>A TURN server in a welcome, in the shape of WebRTC's RTCIceServer (<c>urls</c> <c>turn:HOST:PORT</c>).</summary>
public sealed record SignalIceServer(string Urls, string Username, string Credential);

/// <summary>The values of <see cref="SignalMessage.Type"/>.</summary>
public static class SignalMessageTypes
{
    /// <summary>Server → peer, first: the peer's id, the room, the peers already there, the TURN servers.</summary>
    public const string Welcome = "welcome";
    public const string PeerJoined = "peer-joined";
    public const string PeerLeft = "peer-left";

    /// <summary>Peer → server → the other peers: a description; a new one with other credentials is an ICE restart (RFC 8445 §9).</summary>
    public const string Description = "description";

    /// <summary>Peer → server → the other peers: one trickled candidate (RFC 8838 §4).</summary>
    public const string Candidate = "candidate";

    /// <summary>Peer → server → the other peers: no more candidates (RFC 8838 §13).</summary>
    public const string EndOfCandidates = "end-of-candidates";

    /// <summary>Peer → server: keeps the connection from the idle timeout; not relayed.</summary>
    public const string Ping = "ping";

    /// <summary>Server → peer: a message was not relayed, and why.</summary>
    public const string Error = "error";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SignalMessage))]
internal sealed partial class SignalJson : JsonSerializerContext;
