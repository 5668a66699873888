using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace IceSpec.Signalling;

/// <summary>
/// The room token a peer presents (query parameter <c>token</c>): <c>EXPIRY.SIGNATURE</c>, where EXPIRY is a Unix time
/// in seconds and SIGNATURE is base64url(HMAC-SHA256(secret, ROOM + "\n" + EXPIRY)). Whoever knows the server's secret
/// (an application server, or <c>icespec ice --signal-secret</c>) mints tokens; the secret itself never travels.
/// </summary>
public static class SignalToken
{
    public static string Mint(string secret, string room, long expiryUnixSeconds)
    {
        var expiry = expiryUnixSeconds.ToString(CultureInfo.InvariantCulture);
        return expiry + "." + Signature(secret, room, expiry);
    }

    /// <summary>Null when <paramref name="token"/> admits its holder to <paramref name="room"/> at <paramref name="unixNow"/>; else why not.</summary>
    public static string? Verify(string secret, string room, string? token, long unixNow)
    {
        if (string.IsNullOrEmpty(token)) return "no token (query parameter token=EXPIRY.SIGNATURE)";
        var dot = token.IndexOf('.');
        if (dot <= 0 || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expiry))
            return "malformed token (expected EXPIRY.SIGNATURE)";
        var expected = Encoding.ASCII.GetBytes(Signature(secret, room, token[..dot]));
        var given = Encoding.ASCII.GetBytes(token[(dot + 1)..]);
        if (!CryptographicOperations.FixedTimeEquals(expected, given)) return "token signature does not match this room and secret";
        return expiry < unixNow ? "token expired" : null;
    }

    private static string Signature(string secret, string room, string expiry)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(room + "\n" + expiry));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
