using IceSpec.Stun.Client;
using System.Net;

namespace IceSpec.Turn.Client;

/// <summary>A TURN request failed (see <see cref="TurnRequestFailed"/>).</summary>
public class TurnClientException : StunClientException
{
    public TurnClientException(TurnRequestFailed failure)
        : base(failure.Reason, failure.ErrorCode, null)
    {
        Failure = failure;
        AlternateServer = failure.AlternateServer;
        TimedOut = failure.TimedOut;
    }

    public TurnRequestFailed Failure { get; }

    public TurnRequestKind Kind => Failure.Kind;

    public static TurnClientException From(TurnRequestFailed failure) =>
        failure.CredentialsRejected ? new TurnAuthenticationException(failure) : new TurnClientException(failure);
}

/// <summary>
/// The server rejected the credentials: a 401 (Unauthenticated) to a request that carried them (RFC 8489 §9.2.5), or
/// the server's REALM was not the expected one.
/// </summary>
public sealed class TurnAuthenticationException : TurnClientException
{
    public TurnAuthenticationException(TurnRequestFailed failure)
        : base(failure)
    {
    }

    /// <summary>The server's REALM.</summary>
    public string? Realm => Failure.Realm;
}
