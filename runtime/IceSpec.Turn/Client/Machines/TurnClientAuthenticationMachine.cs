namespace IceSpec.Turn;

/// <summary>
/// The runtime side of the generated machine (spec/turn.spec, RFC 8489 §9.2): its <c>call RetryWithCredentials</c>
/// action asks the client to send the request again with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY.
/// </summary>
public sealed partial class TurnClientAuthenticationMachine
{
    /// <summary>Set by the machine's action; the client clears it when it has resent the request.</summary>
    internal bool RetryRequested { get; set; }

    partial void RetryWithCredentials() => RetryRequested = true;
}
