namespace IceSpec.Captures.Credentials;

/// <summary>A TURN long-term credential (RFC 8489 §9.2): username, realm, password.</summary>
public sealed record TurnUser(string Username, string Realm, string Password);

/// <summary>
/// The credentials known for a capture: ICE agents' ufrag/password pairs (RFC 8445 §5.3, short-term) and TURN users
/// (long-term). Written on the command line as <c>--ice-credentials ufrag:pwd,ufrag:pwd</c> and
/// <c>--turn-user user:realm:pwd</c>, or in a credentials file with one such option per line:
/// <code>
/// # comment
/// ice-credentials Xk2a:9vQ8dlZ1m4uO7LkE0pSbRt
/// turn-user alice:example.org:secret
/// </code>
/// </summary>
public sealed class CaptureCredentials
{
    private readonly Dictionary<string, string> _icePasswords = new(StringComparer.Ordinal);
    private readonly List<TurnUser> _turnUsers = [];

    /// <summary>Password by ufrag.</summary>
    public IReadOnlyDictionary<string, string> IcePasswords => _icePasswords;
    public IReadOnlyList<TurnUser> TurnUsers => _turnUsers;
    public bool IsEmpty => _icePasswords.Count == 0 && _turnUsers.Count == 0;

    /// <summary>Adds <c>ufrag:pwd[,ufrag:pwd…]</c>; false with the reason when a pair is not <c>ufrag:pwd</c>.</summary>
    public bool TryAddIce(string text, out string error)
    {
        error = "";
        foreach (var pair in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // RFC 8839 §5.4: ice-char is ALPHA / DIGIT / "+" / "/": neither the ufrag nor the password contains ':'.
            var parts = pair.Split(':');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                error = $"--ice-credentials: '{pair}' is not ufrag:password (RFC 8839 ufrags and passwords contain no ':')";
                return false;
            }
            if (_icePasswords.TryGetValue(parts[0], out var known) && known != parts[1])
            {
                error = $"--ice-credentials: ufrag '{parts[0]}' is given two different passwords";
                return false;
            }
            _icePasswords[parts[0]] = parts[1];
        }
        if (_icePasswords.Count == 0) error = "--ice-credentials: no ufrag:password given";
        return _icePasswords.Count > 0;
    }

    /// <summary>Adds <c>user:realm:password</c> (the password may itself contain ':').</summary>
    public bool TryAddTurnUser(string text, out string error)
    {
        error = "";
        var parts = text.Split(':', 3);
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            error = $"--turn-user: '{text}' is not user:realm:password";
            return false;
        }
        _turnUsers.Add(new TurnUser(parts[0], parts[1], parts[2]));
        return true;
    }

    /// <summary>Reads a credentials file (format above); false with the file, line and reason on the first bad line.</summary>
    public bool TryLoad(string path, out string error)
    {
        error = "";
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"--credentials: {path}: {e.Message}";
            return false;
        }
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var space = line.IndexOfAny([' ', '\t']);
            var (option, value) = space < 0 ? (line, "") : (line[..space], line[(space + 1)..].Trim());
            var ok = option switch
            {
                "ice-credentials" => TryAddIce(value, out error),
                "turn-user" => TryAddTurnUser(value, out error),
                _ => Fail($"unknown entry '{option}' (expected ice-credentials or turn-user)", out error),
            };
            if (!ok)
            {
                error = $"{path}:{i + 1}: {error}";
                return false;
            }
        }
        return true;
    }

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
