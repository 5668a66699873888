using System.CommandLine;
using IceSpec.Captures.Credentials;

namespace IceSpec.Cli.Analysis;

/// <summary>
/// The capture credential options shared by decode, analyze and replay: <c>--ice-credentials ufrag:pwd,…</c> (repeatable),
/// <c>--turn-user user:realm:pwd</c> (repeatable) and <c>--credentials FILE</c> (see <see cref="CaptureCredentials"/>).
/// </summary>
public sealed class CredentialOptions
{
    public Option<string[]> Ice { get; } = new("--ice-credentials")
    {
        Description = "ICE agents' ufrag:password pairs, comma-separated (short-term; a check is verified with the password of the agent whose ufrag comes first in its USERNAME).",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string[]> TurnUser { get; } = new("--turn-user")
    {
        Description = "A TURN long-term credential user:realm:password (repeatable).",
    };

    public Option<string?> File { get; } = new("--credentials")
    {
        Description = "A file of credentials, one 'ice-credentials ufrag:pwd' or 'turn-user user:realm:pwd' per line (# comments).",
    };

    public IEnumerable<Option> All => [Ice, TurnUser, File];

    /// <summary>The credentials the options give (empty when none), or false with a usage message.</summary>
    public bool TryRead(ParseResult parse, out CaptureCredentials credentials, out string error)
    {
        credentials = new CaptureCredentials();
        error = "";
        foreach (var ice in parse.GetValue(Ice) ?? [])
            if (!credentials.TryAddIce(ice, out error)) return false;
        foreach (var user in parse.GetValue(TurnUser) ?? [])
            if (!credentials.TryAddTurnUser(user, out error)) return false;
        if (parse.GetValue(File) is { } path && !credentials.TryLoad(path, out error)) return false;
        return true;
    }
}
