using System.Text.RegularExpressions;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// Cases known to fail against a named implementation, with the reason. One entry per line:
/// <c>&lt;case-id-or-glob&gt; &lt;target-name-or-*&gt; &lt;reason…&gt;</c>; <c>*</c> and <c>?</c> are globs; blank lines and
/// lines starting with <c>#</c> are skipped. A line without a reason is an error: a known failure must say why. A reason
/// that starts with <c>intermittent:</c> marks a failure seen in some runs only (third-party peers under packet loss):
/// its failures are expected, its passes are not "unexpected".
/// </summary>
public sealed class ExpectedFailures
{
    private readonly IReadOnlyList<Entry> _entries;

    private ExpectedFailures(IReadOnlyList<Entry> entries) => _entries = entries;

    public int Count => _entries.Count;

    /// <exception cref="FormatException">A line has no reason (the message names the file and line).</exception>
    public static ExpectedFailures Load(string path) => Parse(File.ReadAllText(path), path);

    public static ExpectedFailures Parse(string text, string source = "expected-failures")
    {
        var entries = new List<Entry>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3)
                throw new FormatException($"{source}:{i + 1}: expected '<case-id-or-glob> <target-or-*> <reason>', got '{line}'");
            entries.Add(new Entry(Glob(parts[0]), Glob(parts[1]), parts[2], parts[2].StartsWith(IntermittentPrefix, StringComparison.OrdinalIgnoreCase)));
        }
        return new ExpectedFailures(entries);
    }

    /// <summary>The reason <paramref name="caseId"/> is expected to fail against <paramref name="target"/>, or null.</summary>
    public string? ReasonFor(string caseId, string target) => Find(caseId, target)?.Reason;

    /// <summary>Whether the entry for <paramref name="caseId"/> and <paramref name="target"/> is marked <c>intermittent:</c> (a pass is then no surprise).</summary>
    public bool IsIntermittent(string caseId, string target) => Find(caseId, target)?.Intermittent ?? false;

    private const string IntermittentPrefix = "intermittent:";

    private Entry? Find(string caseId, string target) => _entries.FirstOrDefault(e => e.Case.IsMatch(caseId) && e.Target.IsMatch(target));

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private sealed record Entry(Regex Case, Regex Target, string Reason, bool Intermittent);
}
