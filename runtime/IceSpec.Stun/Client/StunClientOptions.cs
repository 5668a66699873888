using IceSpec.Stun.Transports;

namespace IceSpec.Stun.Client;

/// <summary>Settings of <see cref="StunClient.BindingAsync(StunClientOptions, CancellationToken)"/>.</summary>
public sealed record StunClientOptions
{
    /// <summary><c>host[:port]</c>; the port defaults to 3478 (5349 over TLS).</summary>
    public required string Server { get; init; }

    public TransportProtocol Transport { get; init; } = TransportProtocol.Udp;

    public TlsClientOptions? Tls { get; init; }

    /// <summary>SOFTWARE to send, or null for none.</summary>
    public string? Software { get; init; } = "IceSpec";

    /// <summary>The initial RTO over UDP (RFC 8489 §6.2.1); null for the spec's default (500 ms).</summary>
    public TimeSpan? Rto { get; init; }

    /// <summary>Rc: how many requests to send over UDP (RFC 8489 §6.2.1); null for the spec's default (7).</summary>
    public int? MaxTransmissions { get; init; }

    /// <summary>How many 300 (Try Alternate) redirections to follow (RFC 8489 §10). More would risk a loop.</summary>
    public int MaxRedirections { get; init; } = 1;

    /// <summary>
    /// Bounds the whole request: name resolution, the TCP connect and TLS handshake, the transaction and any redirection.
    /// When it runs out, <see cref="StunClientException"/> with <see cref="StunClientException.TimedOut"/> names the stage.
    /// Null: only the transaction's own schedule bounds it (RFC 8489 §6.2.1: 39.5 s over UDP; §6.2.2: Ti 39.5 s over TCP).
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
