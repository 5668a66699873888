using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Credentials;

/// <summary>The key a message's integrity is checked with, and where it came from (for reports).</summary>
public sealed record ResolvedKey(StunKey Key, string Description);

/// <summary>
/// Picks, message by message in capture order, the key that protects each one:
/// <list type="bullet">
/// <item>ICE (short-term, RFC 8445 §7.2.2): a check's USERNAME is <c>RFRAG:LFRAG</c> and it is signed with the password
/// of the agent that receives it (the RFRAG side); its response is signed by that same agent with the same password.</item>
/// <item>TURN (long-term, RFC 8489 §9.2.4): a request whose USERNAME (and REALM) is a known user; its response uses the
/// same key (MD5, or SHA-256 when the request's PASSWORD-ALGORITHM says so, RFC 8489 §9.2.2).</item>
/// </list>
/// Responses are matched to requests by transaction ID. At most <see cref="Remembered"/> open transactions are kept.
/// </summary>
public sealed class MessageKeys(CaptureCredentials credentials)
{
    public const int Remembered = 65536;
    private readonly Dictionary<string, ResolvedKey> _byTransaction = [];
    private readonly Queue<string> _order = new();
    private readonly Dictionary<(string, string, string, StunPasswordAlgorithm), StunKey> _longTermKeys = [];
    private readonly Dictionary<string, StunKey> _shortTermKeys = [];

    /// <summary>The key for <paramref name="message"/>, or null when no known credential applies.</summary>
    public ResolvedKey? Resolve(in StunMessage message)
    {
        if (credentials.IsEmpty) return null;
        var transaction = Convert.ToHexStringLower(message.TransactionId);
        if (message.Class is StunClass.Success or StunClass.Error)
            return _byTransaction.GetValueOrDefault(transaction);
        var username = message.GetUsernameString();
        if (username is null) return null;
        var key = LongTerm(message, username) ?? ShortTerm(username);
        if (key is not null && message.Class == StunClass.Request) Remember(transaction, key);
        return key;
    }

    private ResolvedKey? LongTerm(in StunMessage message, string username)
    {
        var realm = message.GetRealmString();
        var user = credentials.TurnUsers.FirstOrDefault(u => u.Username == username && (realm is null || u.Realm == realm));
        if (user is null) return null;
        var algorithm = message.TryGetPasswordAlgorithm(out var chosen) && chosen.Algorithm == (ushort)StunPasswordAlgorithm.Sha256
            ? StunPasswordAlgorithm.Sha256 : StunPasswordAlgorithm.Md5;
        var id = (user.Username, user.Realm, user.Password, algorithm);
        if (!_longTermKeys.TryGetValue(id, out var key))
            _longTermKeys[id] = key = StunKey.LongTerm(user.Username, user.Realm, user.Password, algorithm);
        return new ResolvedKey(key, $"long-term {(algorithm == StunPasswordAlgorithm.Sha256 ? "SHA-256" : "MD5")} key of {user.Username}@{user.Realm}");
    }

    private ResolvedKey? ShortTerm(string username)
    {
        var colon = username.IndexOf(':');
        if (colon <= 0) return null;
        var receiver = username[..colon];
        if (!credentials.IcePasswords.TryGetValue(receiver, out var password)) return null;
        if (!_shortTermKeys.TryGetValue(receiver, out var key)) _shortTermKeys[receiver] = key = StunKey.ShortTerm(password);
        return new ResolvedKey(key, $"short-term key of ufrag {receiver}");
    }

    private void Remember(string transaction, ResolvedKey key)
    {
        if (_byTransaction.TryAdd(transaction, key)) _order.Enqueue(transaction);
        while (_order.Count > Remembered) _byTransaction.Remove(_order.Dequeue());
    }
}
