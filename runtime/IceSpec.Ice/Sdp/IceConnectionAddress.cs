using System.Net;
using System.Net.Sockets;

namespace IceSpec.Ice.Sdp;

public enum IceAddressKind { IPv4, IPv6, Fqdn }

/// <summary>
/// An RFC 4566 connection-address as used by RFC 8839: an IPv4 or IPv6 literal, or a host name (FQDN, including
/// RFC 8838/mDNS "….local" names) kept as text. <see cref="Text"/> is exactly what was written, so formatting is lossless.
/// </summary>
public readonly record struct IceConnectionAddress
{
    private IceConnectionAddress(IceAddressKind kind, string text, IPAddress? ip) { Kind = kind; Text = text; IPAddress = ip; }

    public IceAddressKind Kind { get; }
    public string Text { get; }
    /// <summary>The IP address for <see cref="IceAddressKind.IPv4"/>/<see cref="IceAddressKind.IPv6"/>, null for a name.</summary>
    public IPAddress? IPAddress { get; }
    /// <summary>True for an RFC 6762 multicast DNS name ("….local"), as RFC 8838 browsers use to hide host addresses.</summary>
    public bool IsMdnsName => Kind == IceAddressKind.Fqdn && Text.EndsWith(".local", StringComparison.OrdinalIgnoreCase);

    public static IceConnectionAddress FromIP(IPAddress address) =>
        new(address.AddressFamily == AddressFamily.InterNetworkV6 ? IceAddressKind.IPv6 : IceAddressKind.IPv4, address.ToString(), address);

    /// <summary>Parses an IPv4/IPv6 literal or an FQDN; false (no exception) for anything else.</summary>
    public static bool TryParse(string? text, out IceConnectionAddress address, out string reason)
    {
        address = default;
        if (string.IsNullOrEmpty(text)) { reason = "empty"; return false; }
        if (text.Contains(':'))
        {
            // RFC 4566 IP6-address: hex groups and at most one "::", optionally ending in an IPv4 address; no zone, no brackets.
            foreach (var c in text)
                if (!(char.IsAsciiHexDigit(c) || c is ':' or '.')) { reason = $"'{c}' is not allowed in an IPv6 address (no zone, no brackets)"; return false; }
            if ( !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            { reason = "not a valid IPv6 address"; return false; }
            address = new(IceAddressKind.IPv6, text, v6); reason = ""; return true;
        }
        if (IsDottedQuadShape(text))
        {
            if (!TryParseIPv4(text, out var v4)) { reason = "not a valid IPv4 address (each part 0..255)"; return false; }
            address = new(IceAddressKind.IPv4, text, v4); reason = ""; return true;
        }
        if (text.Length < 4) { reason = "too short for an FQDN (at least 4 characters)"; return false; }
        foreach (var c in text)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            { reason = $"'{c}' is not allowed in an FQDN (letters, digits, '-', '.')"; return false; }
        address = new(IceAddressKind.Fqdn, text, null); reason = ""; return true;
    }

    private static bool IsDottedQuadShape(string text)
    {
        foreach (var c in text) if (!(c is '.' or (>= '0' and <= '9'))) return false;
        return true;
    }

    // Strict: four decimal parts 0..255 of 1-3 digits (IPAddress.TryParse also accepts "1", "0x7f.1", …).
    private static bool TryParseIPv4(string text, out IPAddress? address)
    {
        address = null;
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            if (parts[i].Length is < 1 or > 3 || !int.TryParse(parts[i], out var v) || v > 255) return false;
            bytes[i] = (byte)v;
        }
        address = new IPAddress(bytes);
        return true;
    }

    public override string ToString() => Text;
}
