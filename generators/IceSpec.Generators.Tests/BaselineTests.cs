using IceSpec.Generators.Tests.Infrastructure;
using IceSpec.Generators.Tests.Repository;

namespace IceSpec.Generators.Tests;

/// <summary>
/// The generator's whole output for the base specs (stun, turn, ice, classic) is committed under <c>Baselines/</c>; this
/// test regenerates it and compares, so a changed emitter shows as a diff in review. After an intended change, rewrite
/// the baselines with <c>ICESPEC_UPDATE_BASELINES=1 dotnet test generators/IceSpec.Generators.Tests --filter
/// FullyQualifiedName~BaselineTests</c> and commit them with the emitter.
/// </summary>
[Trait("Category", "unit")]
public sealed class BaselineTests
{
    public const string UpdateVariable = "ICESPEC_UPDATE_BASELINES";

    private static string Directory => Path.Combine(RepositoryFiles.Root, "generators", "IceSpec.Generators.Tests", "Baselines");

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Generated = new(Run);

    /// <summary>Every file the generator emits for the base specs, by hint name (one run, shared by the tests that read it).</summary>
    internal static IReadOnlyDictionary<string, string> Generate() => Generated.Value;

    private static IReadOnlyDictionary<string, string> Run()
    {
        var run = GeneratorHarness.Run(
            new SpecInput("/specs/stun.spec", SpecFiles.Stun),
            new SpecInput("/specs/turn.spec", SpecFiles.Turn),
            new SpecInput("/specs/ice.spec", SpecFiles.Ice),
            new SpecInput("/specs/classic.spec", SpecFiles.Classic));
        return run.Generator.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);
    }

    [Fact]
    public void Generated_sources_match_the_committed_baselines()
    {
        var generated = Generate();
        Assert.True(generated.Count > 10, $"only {generated.Count} generated files");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            System.IO.Directory.CreateDirectory(Directory);
            foreach (var stale in System.IO.Directory.EnumerateFiles(Directory, "*.g.cs")) File.Delete(stale);
            foreach (var (name, text) in generated) File.WriteAllText(Path.Combine(Directory, name), text);
        }
        var committed = System.IO.Directory.EnumerateFiles(Directory, "*.g.cs")
            .ToDictionary(p => Path.GetFileName(p), File.ReadAllText, StringComparer.Ordinal);
        var problems = Compare(committed, generated);
        Assert.True(problems.Count == 0,
            $"The generator's output differs from generators/IceSpec.Generators.Tests/Baselines ({problems.Count} files). If the change is intended, " +
            $"run {UpdateVariable}=1 dotnet test generators/IceSpec.Generators.Tests --filter FullyQualifiedName~BaselineTests and commit the baselines.\n\n" +
            string.Join("\n", problems));
    }

    [Fact]
    public void This_test_shows_a_changed_line_as_a_diff()
    {
        var before = new Dictionary<string, string> { ["A.g.cs"] = "one\ntwo\nthree\nfour\n", ["Gone.g.cs"] = "x\n" };
        var after = new Dictionary<string, string> { ["A.g.cs"] = "one\ntwo\nTHREE\nfour\n", ["New.g.cs"] = "y\n" };
        var problems = Compare(before, after);
        Assert.Equal(3, problems.Count);
        Assert.Equal("--- Baselines/A.g.cs\n+++ generated\n@@ line 1 @@\n  one\n  two\n- three\n+ THREE\n  four\n  \n", problems[0]);
        Assert.Contains(problems, p => p.Contains("Gone.g.cs") && p.Contains("no longer generated"));
        Assert.Contains(problems, p => p.Contains("New.g.cs") && p.Contains("no baseline"));
        Assert.Empty(Compare(before, before));
    }

    /// <summary>One message per differing file: missing, extra, or the changed lines with context.</summary>
    internal static List<string> Compare(IReadOnlyDictionary<string, string> committed, IReadOnlyDictionary<string, string> generated)
    {
        var problems = new List<string>();
        foreach (var name in committed.Keys.Union(generated.Keys).Order(StringComparer.Ordinal))
        {
            if (!generated.TryGetValue(name, out var now)) problems.Add($"Baselines/{name}: no longer generated");
            else if (!committed.TryGetValue(name, out var then)) problems.Add($"{name}: generated, but no baseline");
            else if (then.ReplaceLineEndings("\n") != now) problems.Add(Diff(name, then.ReplaceLineEndings("\n"), now));
        }
        return problems;
    }

    /// <summary>
    /// A line diff of the two texts (longest common subsequence of the lines between the common head and tail), in
    /// hunks with 2 lines of context and at most 200 changed lines shown.
    /// </summary>
    private static string Diff(string name, string then, string now)
    {
        const int Context = 2, MaxShown = 200;
        var a = then.Split('\n');
        var b = now.Split('\n');
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head]) head++;
        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[^(tail + 1)] == b[^(tail + 1)]) tail++;
        int n = a.Length - head - tail, m = b.Length - head - tail;
        // Edit script over the middle: ' ' kept, '-' removed from the baseline, '+' added by the generator.
        var script = new List<(char Mark, int Line, string Text)>();
        if ((long)n * m <= 4_000_000)
        {
            var lcs = new int[n + 1, m + 1];
            for (var i = n - 1; i >= 0; i--)
                for (var j = m - 1; j >= 0; j--)
                    lcs[i, j] = a[head + i] == b[head + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            int x = 0, y = 0;
            while (x < n || y < m)
            {
                if (x < n && y < m && a[head + x] == b[head + y]) { script.Add((' ', head + x, a[head + x])); x++; y++; }
                else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1])) { script.Add(('-', head + x, a[head + x])); x++; }
                else { script.Add(('+', head + x, b[head + y])); y++; }
            }
        }
        else
        {
            for (var i = 0; i < n; i++) script.Add(('-', head + i, a[head + i]));
            for (var j = 0; j < m; j++) script.Add(('+', head + n, b[head + j]));
        }
        for (var i = Math.Max(0, head - Context); i < head; i++) script.Insert(i - Math.Max(0, head - Context), (' ', i, a[i]));
        for (var i = a.Length - tail; i < Math.Min(a.Length, a.Length - tail + Context); i++) script.Add((' ', i, a[i]));

        var text = new System.Text.StringBuilder($"--- Baselines/{name}\n+++ generated\n");
        var shown = 0;
        var lastPrinted = -2;
        for (var k = 0; k < script.Count; k++)
        {
            var near = false;
            for (var d = Math.Max(0, k - Context); d <= Math.Min(script.Count - 1, k + Context) && !near; d++) near = script[d].Mark != ' ';
            if (!near) continue;
            if (lastPrinted != k - 1) text.Append($"@@ line {script[k].Line + 1} @@\n");
            lastPrinted = k;
            if (script[k].Mark != ' ' && ++shown > MaxShown) { text.Append("… more changes\n"); break; }
            text.Append(script[k].Mark).Append(' ').Append(script[k].Text).Append('\n');
        }
        return text.ToString();
    }
}
