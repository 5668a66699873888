using System.Text.RegularExpressions;
using IceSpec.Conformance.Cases;

namespace IceSpec.Conformance.Runner;

/// <summary>One line of an expected-fail list: a pattern over <c>SCENARIO/IMPLEMENTATION/CASE-ID</c> and why it fails.</summary>
public sealed record ExpectedFailure(string Pattern, string Reason, int Line);

/// <summary>
/// The expected-fail list: one entry per line, <c>PATTERN  REASON…</c>, where PATTERN is a glob (<c>*</c> matches anything)
/// over <c>SCENARIO/IMPLEMENTATION/CASE-ID</c> — for ICE cells IMPLEMENTATION is <c>controlling&gt;controlled</c>, for
/// server cases SCENARIO is <c>server</c>. Blank lines and <c>#</c> comments are skipped. A listed case that fails is an
/// expected failure; one that passes is an unexpected pass (the list is stale).
/// </summary>
public sealed class ExpectedFailures
{
    private readonly List<(ExpectedFailure Entry, Regex Match)> _entries;

    private ExpectedFailures(List<(ExpectedFailure, Regex)> entries) => _entries = entries;

    public static readonly ExpectedFailures None = new([]);

    public IReadOnlyList<ExpectedFailure> Entries => [.. _entries.Select(e => e.Entry)];

    /// <summary>Parses a list; throws <see cref="FormatException"/> naming the line for an entry without a reason.</summary>
    public static ExpectedFailures Parse(string text, string source = "expected-fail list")
    {
        var entries = new List<(ExpectedFailure, Regex)>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || parts[1].Trim().Length == 0)
                throw new FormatException($"{source}:{number}: '{line}' has no reason; write PATTERN REASON (e.g. 'both-symmetric-turn/aioice>*/* upstream bug #123')");
            if (parts[0].Count(c => c == '/') != 2)
                throw new FormatException($"{source}:{number}: pattern '{parts[0]}' must be SCENARIO/IMPLEMENTATION/CASE-ID (globs allowed)");
            var regex = new Regex("^" + Regex.Escape(parts[0]).Replace(@"\*", ".*") + "$", RegexOptions.CultureInvariant);
            entries.Add((new ExpectedFailure(parts[0], parts[1].Trim(), number), regex));
        }
        return new ExpectedFailures(entries);
    }

    public static ExpectedFailures Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : throw new FileNotFoundException($"expected-fail list {path} does not exist", path);

    /// <summary>The entry covering this result, if any.</summary>
    public ExpectedFailure? Find(CaseResult result)
    {
        var key = $"{result.Scenario}/{result.Implementation}/{result.Case.Id}";
        return _entries.FirstOrDefault(e => e.Match.IsMatch(key)).Entry;
    }

    /// <summary>Failed → expected failure, passed → unexpected pass, for listed cases; everything else unchanged.</summary>
    public CaseResult Apply(CaseResult result)
    {
        if (Find(result) is not { } entry) return result;
        return result.Outcome switch
        {
            CaseOutcome.Failed => result with { Outcome = CaseOutcome.ExpectedFailure, Detail = $"{result.Detail} (expected: {entry.Reason})" },
            CaseOutcome.Passed => result with { Outcome = CaseOutcome.UnexpectedPass, Detail = $"{result.Detail} (listed as expected to fail: {entry.Reason})" },
            _ => result,
        };
    }
}
