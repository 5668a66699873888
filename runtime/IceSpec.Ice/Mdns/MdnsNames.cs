namespace IceSpec.Ice.Mdns;

/// <summary>The names of draft-ietf-mmusic-mdns-ice-candidates: what is one, and making a new one.</summary>
public static class MdnsNames
{
    private const string LocalSuffix = ".local";

    /// <summary>
    /// Draft §3.2.1 step 1: a connection address that ends with ".local" and has exactly one "." is resolved with mDNS;
    /// anything else (an IP address, "a.b.local", "x.example") is processed as RFC 8445 says.
    /// </summary>
    public static bool IsCandidateName(string? address) =>
        address is { Length: > 6 } && address.EndsWith(LocalSuffix, StringComparison.OrdinalIgnoreCase)
        && address.IndexOf('.') == address.Length - LocalSuffix.Length;

    /// <summary>Draft §3.1.1 step 3: "a version 4 UUID as defined in [RFC4122], followed by '.local'".</summary>
    public static string New() => Guid.NewGuid().ToString("D") + LocalSuffix;
}
