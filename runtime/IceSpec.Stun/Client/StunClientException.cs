using System.Net;

namespace IceSpec.Stun.Client;

/// <summary>A STUN or TURN request that did not succeed: an error response, no response, or a response that broke a rule.</summary>
public class StunClientException : Exception
{
    public StunClientException(string message, int? errorCode = null, string? reason = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorCode = errorCode;
        Reason = reason;
    }

    /// <summary>The ERROR-CODE of the error response (RFC 8489 §14.8), or null when there was none.</summary>
    public int? ErrorCode { get; }

    /// <summary>The reason phrase of the error response.</summary>
    public string? Reason { get; }

    /// <summary>ALTERNATE-SERVER of a 300 (Try Alternate) response (RFC 8489 §10).</summary>
    public IPEndPoint? AlternateServer { get; init; }

    /// <summary>No response came before the transaction gave up (RFC 8489 §6.2.1: Rc sends and Rm·RTO; §6.2.2: Ti).</summary>
    public bool TimedOut { get; init; }
}
