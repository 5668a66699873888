
namespace IceSpec.Turn.Server;

/// <summary>
/// Reads static long-term users, one per line. Accepted forms (blank lines and <c>#</c> comments are skipped):
/// <list type="bullet">
/// <item><c>alice:secret</c> — username, colon, password (the password may itself contain colons);</item>
/// <item><c>user=alice:secret</c> — coturn's <c>turnserver.conf</c> line, so its <c>user=</c> lines can be copied as they are;</item>
/// <item><c>alice:0x6d7a…</c> — coturn's precomputed key (<c>turnadmin -k</c>): 0x and 32 hex digits of
/// MD5(username:realm:password); such a user can only use MD5 (RFC 8489 §9.2.2).</item>
/// </list>
/// </summary>
public static class TurnUserFile
{
    public static IReadOnlyList<TurnUser> Load(string path) => Parse(File.ReadAllLines(path), path);

    public static IReadOnlyList<TurnUser> Parse(IEnumerable<string> lines, string source = "users")
    {
        var users = new List<TurnUser>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.StartsWith("user=", StringComparison.Ordinal)) line = line[5..].Trim();
            if (!TryParseUser(line, out var user, out var error)) throw new FormatException($"{source}:{number}: {error}");
            users.Add(user);
        }
        return users;
    }

    /// <summary>One <c>name:password</c> (or <c>name:0x&lt;md5 key&gt;</c>) entry, as in a file line or <c>--user</c>.</summary>
    public static bool TryParseUser(string entry, out TurnUser user, out string error)
    {
        user = null!;
        error = "";
        var colon = entry.IndexOf(':');
        if (colon <= 0 || colon == entry.Length - 1)
        {
            error = $"expected 'user:password', got '{entry}'";
            return false;
        }
        var name = entry[..colon];
        var secret = entry[(colon + 1)..];
        if (secret.Length == 34 && secret.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
            secret.AsSpan(2).IndexOfAnyExcept("0123456789abcdefABCDEF") < 0)
        {
            user = TurnUser.FromMd5Key(name, Convert.FromHexString(secret.AsSpan(2)));
            return true;
        }
        user = new TurnUser(name, secret);
        return true;
    }
}
