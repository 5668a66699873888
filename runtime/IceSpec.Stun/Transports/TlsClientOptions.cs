using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace IceSpec.Stun.Transports;

/// <summary>
/// How the client checks the server's certificate over TLS (RFC 8489 §6.2.3: the client MUST verify the server's
/// identity). By default the system's roots and the host name; a self-signed server is trusted by adding its
/// certificate to <see cref="TrustedCertificates"/>, or (tests, diagnostics) by <see cref="AcceptAnyCertificate"/>.
/// </summary>
public sealed record TlsClientOptions
{
    /// <summary>The name to check and send as SNI; defaults to the host the caller named, else the server's IP address.</summary>
    public string? TargetHost { get; init; }

    /// <summary>Certificates trusted as roots in addition to (not instead of) the system's: e.g. a test server's self-signed one.</summary>
    public X509Certificate2Collection? TrustedCertificates { get; init; }

    /// <summary>Skips every certificate check. Explicit opt-in: the connection is encrypted but the server is not authenticated.</summary>
    public bool AcceptAnyCertificate { get; init; }

    public SslProtocols EnabledProtocols { get; init; } = SslProtocols.None;

    internal bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (AcceptAnyCertificate) return true;
        if (errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || TrustedCertificates is not { Count: > 0 }) return false;

        // Only the chain failed: build it again with the caller's roots.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(TrustedCertificates);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
