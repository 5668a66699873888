using IceSpec.Stun;
using IceSpec.Stun.Transports;

namespace IceSpec.Turn.Client;

/// <summary>
/// Entry point of the TURN client: <c>await using var allocation = await TurnClient.AllocateAsync(options)</c>, then
/// <c>CreatePermissionAsync</c>/<c>BindChannelAsync</c>, <c>SendAsync</c> and <c>ReceiveAllAsync</c>.
/// </summary>
public static class TurnClient
{
    /// <summary>How many 300 (Try Alternate) redirections an Allocate follows (RFC 8656 §7.4, RFC 8489 §10).</summary>
    public const int MaxRedirections = 1;

    /// <summary>
    /// Connects to <see cref="TurnClientOptions.Server"/> and allocates a relayed address (RFC 8656 §7), answering the
    /// server's 401 with the credentials and a 438 with the new nonce.
    /// </summary>
    /// <exception cref="TurnAuthenticationException">The server rejected the credentials (a 401 to the authenticated Allocate).</exception>
    /// <exception cref="TurnClientException">Any other error response, or no response (RFC 8489 §6.2).</exception>
    public static async Task<TurnAllocation> AllocateAsync(TurnClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Server is null) throw new ArgumentException("TurnClientOptions.Server is required (host[:port]).", nameof(options));
        var address = ServerAddress.Parse(options.Server);
        var server = await address.ResolveAsync(options.Transport, cancellationToken: cancellationToken).ConfigureAwait(false);
        var tls = options.Tls ?? new TlsClientOptions();
        if (tls.TargetHost is null && !address.IsAddressLiteral) tls = tls with { TargetHost = address.Host };

        for (var redirections = 0; ; redirections++)
        {
            try
            {
                return await TurnAllocation.StartAsync(options, server, tls, cancellationToken).ConfigureAwait(false);
            }
            catch (TurnClientException e) when (e.ErrorCode == StunErrorCodes.TryAlternate && e.AlternateServer is { } alternate
                                               && redirections < MaxRedirections && !alternate.Equals(server))
            {
                server = alternate;
            }
        }
    }
}
