using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IceSpec.Stun;

namespace IceSpec.Turn.Server;

/// <summary>A long-term credential user (RFC 8489 §9.2): a password, or coturn's precomputed MD5 key (<c>0x…</c>).</summary>
public sealed class TurnUser
{
    private StunKey? _md5;
    private StunKey? _sha256;

    public TurnUser(string username, string password)
    {
        Username = username;
        Password = password;
    }

    private TurnUser(string username, byte[] md5Key)
    {
        Username = username;
        _md5 = new StunKey(md5Key);
    }

    /// <summary>coturn's <c>user:0x&lt;32 hex digits&gt;</c> form: MD5(username:realm:password) already computed (MD5 only).</summary>
    public static TurnUser FromMd5Key(string username, ReadOnlySpan<byte> key) => new(username, key.ToArray());

    public string Username { get; }

    /// <summary>Null when only the MD5 key is known.</summary>
    public string? Password { get; }

    /// <summary>The long-term key for <paramref name="algorithm"/>, or null (SHA-256 asked of a user known only by MD5 key).</summary>
    public StunKey? KeyFor(string realm, StunPasswordAlgorithm algorithm)
    {
        if (algorithm == StunPasswordAlgorithm.Sha256)
            return Password is null ? null : _sha256 ??= StunKey.LongTerm(Username, realm, Password, StunPasswordAlgorithm.Sha256);
        return _md5 ??= StunKey.LongTerm(Username, realm, Password!, StunPasswordAlgorithm.Md5);
    }
}

/// <summary>
/// The credentials the server accepts (RFC 8489 §9.2): static users (a users file, <c>--user</c>) and TURN REST API
/// time-limited credentials (draft-uberti-behave-turn-rest; coturn's <c>use-auth-secret</c> / <c>static-auth-secret</c>):
/// the username is <c>"&lt;expiry unix timestamp&gt;[:&lt;user&gt;]"</c> and the password
/// <c>base64(HMAC-SHA1(secret, username))</c>, so credentials minted for a coturn deployment work unchanged. As coturn
/// does, the timestamp may also be the last part (<c>user:timestamp</c>). Several secrets may be active (rotation).
/// </summary>
public sealed class TurnCredentials
{
    private const int MaxCachedRestKeys = 10_000;
    private readonly Dictionary<string, TurnUser> _users;
    private readonly List<byte[]> _secrets;
    private readonly Dictionary<(string Username, int Secret, StunPasswordAlgorithm Algorithm), StunKey> _restKeys = new();

    public TurnCredentials(string realm, IEnumerable<TurnUser>? users = null, IEnumerable<string>? restSecrets = null, char restSeparator = ':')
    {
        Realm = realm;
        _users = new Dictionary<string, TurnUser>(StringComparer.Ordinal);
        foreach (var user in users ?? []) _users[user.Username] = user;
        _secrets = [.. (restSecrets ?? []).Select(Encoding.UTF8.GetBytes)];
        RestSeparator = restSeparator;
    }

    public string Realm { get; }

    public char RestSeparator { get; }

    public int UserCount => _users.Count;

    public bool UsesRestApi => _secrets.Count > 0;

    /// <summary>Whether any credential at all is configured (a server without any cannot authenticate anybody).</summary>
    public bool IsEmpty => _users.Count == 0 && _secrets.Count == 0;

    /// <summary>
    /// The candidate keys for <paramref name="username"/> (the request's MESSAGE-INTEGRITY decides which, if any, is
    /// right). An expired REST username yields none and says why.
    /// </summary>
    public void FindKeys(string username, StunPasswordAlgorithm algorithm, long unixNow, List<StunKey> keys, out string? rejection)
    {
        rejection = null;
        if (_users.TryGetValue(username, out var user) && user.KeyFor(Realm, algorithm) is { } key) keys.Add(key);
        if (_secrets.Count == 0) return;
        if (!TryReadRestExpiry(username, RestSeparator, out var expiry))
        {
            if (keys.Count == 0) rejection = "unknown-user";
            return;
        }
        if (expiry < unixNow)
        {
            rejection = "rest-credential-expired";
            return;
        }
        if (_restKeys.Count > MaxCachedRestKeys) _restKeys.Clear();
        for (var i = 0; i < _secrets.Count; i++)
        {
            if (!_restKeys.TryGetValue((username, i, algorithm), out var restKey))
            {
                restKey = StunKey.LongTerm(username, Realm, RestPassword(_secrets[i], username), algorithm);
                _restKeys[(username, i, algorithm)] = restKey;
            }
            keys.Add(restKey);
        }
    }

    /// <summary>The TURN REST API password of <paramref name="username"/>: base64(HMAC-SHA1(secret, username)).</summary>
    public static string RestPassword(string secret, string username) => RestPassword(Encoding.UTF8.GetBytes(secret), username);

    private static string RestPassword(byte[] secret, string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(secret, Encoding.UTF8.GetBytes(username)));

    /// <summary>The expiry timestamp of a REST API username: the whole username, its first part, or its last part (coturn's rules).</summary>
    public static bool TryReadRestExpiry(string username, char separator, out long expiry)
    {
        var first = username.IndexOf(separator);
        if (first < 0) return long.TryParse(username, NumberStyles.None, CultureInfo.InvariantCulture, out expiry);
        if (long.TryParse(username.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out expiry)) return true;
        var last = username.LastIndexOf(separator);
        return long.TryParse(username.AsSpan(last + 1), NumberStyles.None, CultureInfo.InvariantCulture, out expiry);
    }
}
