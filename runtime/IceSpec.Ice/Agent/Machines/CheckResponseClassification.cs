using IceSpec.Stun;

namespace IceSpec.Ice;

/// <summary>
/// RFC 8445 §7.2.5: which <see cref="CandidatePairEvent"/> a response to a connectivity check is. Decided here only: the
/// agent (<c>IceAgent.HandleCheckResponse</c>) fires what this says, and the capture monitors judge traffic with it.
/// </summary>
public static class CheckResponseClassification
{
    /// <param name="responseClass">Success or error response.</param>
    /// <param name="errorCode">The ERROR-CODE of an error response (null when it has none).</param>
    /// <param name="symmetric">
    /// RFC 8445 §7.2.5.2.1: "the source IP address and port of the response MUST be equal to the destination IP address
    /// and port to which the Binding request was sent, and the destination IP address and port of the response MUST be
    /// equal to the source IP address and port from which the Binding request was sent".
    /// </param>
    public static CandidatePairEvent PairEventOf(StunClass responseClass, int? errorCode, bool symmetric) =>
        // §7.2.5.2.1: "If the addresses are not symmetric, the agent MUST set the candidate pair state to Failed" (whatever the class).
        !symmetric ? CandidatePairEvent.AsymmetricResponse
        // §7.2.5.3: "The Binding request generated a success response" and the addresses are symmetric.
        : responseClass == StunClass.Success ? CandidatePairEvent.SuccessResponse
        // §7.2.5.1: "If the Binding request generates a 487 (Role Conflict) error response".
        : errorCode == StunErrorCodes.RoleConflict ? CandidatePairEvent.RoleConflict
        // §7.2.5.2.4: "a STUN error response that is unrecoverable"; every other error code is taken as one.
        : CandidatePairEvent.ErrorResponse;
}
