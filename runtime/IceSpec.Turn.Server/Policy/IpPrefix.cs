using System.Net;
using System.Net.Sockets;
using IceSpec.Stun;

namespace IceSpec.Turn.Server;

/// <summary>An address prefix in CIDR notation ("10.0.0.0/8", "fc00::/7", or a bare address for /32 and /128).</summary>
public readonly record struct IpPrefix(byte Family, ulong High, ulong Low, int Length)
{
    public static IpPrefix Parse(string text)
    {
        if (!TryParse(text, out var prefix, out var error)) throw new FormatException(error);
        return prefix;
    }

    public static bool TryParse(string text, out IpPrefix prefix, out string error)
    {
        prefix = default;
        error = "";
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text.Trim() : text[..slash].Trim();
        if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            error = $"'{text}' is not an IP address or CIDR prefix (e.g. 10.0.0.0/8, fc00::/7).";
            return false;
        }
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var length = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], out length) || length < 0 || length > max))
        {
            error = $"'{text}': the prefix length must be 0 to {max}.";
            return false;
        }
        var endpoint = TurnEndpoint.From(address, 0);
        prefix = Masked(endpoint.Family, endpoint.High, endpoint.Low, length);
        return true;
    }

    private static IpPrefix Masked(byte family, ulong high, ulong low, int length)
    {
        var (maskHigh, maskLow) = Mask(family, length);
        return new IpPrefix(family, high & maskHigh, low & maskLow, length);
    }

    private static (ulong High, ulong Low) Mask(byte family, int length)
    {
        if (family == StunAddress.FamilyIPv4)
            return (0, length == 0 ? 0 : (0xFFFF_FFFFUL << (32 - length)) & 0xFFFF_FFFFUL);
        ulong high = length >= 64 ? ulong.MaxValue : length == 0 ? 0 : ulong.MaxValue << (64 - length);
        ulong low = length <= 64 ? 0 : length == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - length);
        return (high, low);
    }

    public bool Contains(in TurnEndpoint address)
    {
        if (address.Family != Family) return false;
        var (maskHigh, maskLow) = Mask(Family, Length);
        return (address.High & maskHigh) == High && (address.Low & maskLow) == Low;
    }

    public override string ToString() =>
        $"{(Family == StunAddress.FamilyIPv4 ? TurnEndpoint.IPv4((uint)Low, 0) : TurnEndpoint.IPv6(High, Low, 0)).AddressText}/{Length}";
}
