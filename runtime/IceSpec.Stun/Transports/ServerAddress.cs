using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IceSpec.Stun.Transports;

/// <summary>A server as a user writes it: <c>host</c>, <c>host:port</c>, <c>1.2.3.4:port</c>, <c>[::1]:port</c> or <c>::1</c>.</summary>
public sealed record ServerAddress(string Host, int? Port)
{
    public static bool TryParse(string text, [NotNullWhen(true)] out ServerAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        error = null;
        text = text.Trim();
        if (text.Length == 0)
        {
            error = "the server address is empty";
            return false;
        }
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                error = $"'{text}': missing ']' after the IPv6 address";
                return false;
            }
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = $"'{text}': expected ':PORT' after ']'";
                    return false;
                }
                port = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') > 1)
        {
            host = text; // a bare IPv6 address
        }
        else
        {
            var colon = text.IndexOf(':');
            host = colon < 0 ? text : text[..colon];
            if (colon >= 0) port = text[(colon + 1)..];
        }
        int? portNumber = null;
        if (port is not null)
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                error = $"'{text}': the port must be 1..65535";
                return false;
            }
            portNumber = p;
        }
        if (host.Length == 0)
        {
            error = $"'{text}': the host is empty";
            return false;
        }
        address = new ServerAddress(host, portNumber);
        return true;
    }

    public static ServerAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    public static ServerAddress From(IPEndPoint endPoint) => new(endPoint.Address.ToString(), endPoint.Port);

    /// <summary>The host is an IP address literal (no DNS, and TLS checks it against the certificate's IP SAN).</summary>
    public bool IsAddressLiteral => IPAddress.TryParse(Host, out _);

    /// <summary>Resolves the host (an IP literal, or DNS A/AAAA records; IPv4 first unless <paramref name="family"/> says otherwise).</summary>
    public async Task<IPEndPoint> ResolveAsync(TransportProtocol protocol, AddressFamily family = AddressFamily.Unspecified,
        CancellationToken cancellationToken = default)
    {
        var port = Port ?? protocol.DefaultPort();
        if (IPAddress.TryParse(Host, out var literal)) return new IPEndPoint(literal, port);
        var addresses = await Dns.GetHostAddressesAsync(Host, family, cancellationToken).ConfigureAwait(false);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        return new IPEndPoint(chosen, port);
    }

    public override string ToString() => Port is { } p ? (Host.Contains(':') ? $"[{Host}]:{p}" : $"{Host}:{p}") : Host;
}
