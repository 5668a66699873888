using System.Text.RegularExpressions;

namespace IceSpec.Conformance.Adapter;

/// <summary>What makes a declared driver usable, checked when it is declared (in a file or with <c>--driver</c>), before anything runs.</summary>
public static partial class DriverDeclarationRules
{
    /// <summary>
    /// Names appear in <c>--impl a,b</c>, pairs <c>a&gt;b</c>, expected-failure targets and cell directories: letters,
    /// digits, '.', '_' and '-', starting with a letter or digit.
    /// </summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    public static string? NameProblem(string name) => NamePattern().IsMatch(name)
        ? null
        : $"bad name '{name}': use letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit)";

    /// <summary>The first problem of <paramref name="declaration"/>'s argument vectors and environment, or null.</summary>
    public static string? Problem(DriverDeclaration declaration)
    {
        var hasBuild = declaration.Build is not null;
        var vectors = new List<(string Field, IReadOnlyList<string>? Argv)>
            { ("command", declaration.Command), ("build", declaration.Build), ("check", declaration.Check) };
        foreach (var (field, argv) in vectors)
        {
            if (argv is null) continue;
            if (argv.Count == 0 || string.IsNullOrWhiteSpace(argv[0]))
                return $"\"{field}\" needs a program: [\"program\", \"argument\", …]";
            if (PlaceholderProblem(field, argv, hasBuild) is { } problem) return problem;
        }
        foreach (var (variable, value) in declaration.Environment ?? new Dictionary<string, string>())
        {
            if (variable.Length == 0 || variable.Contains('='))
                return $"\"environment\": bad variable name '{variable}'";
            if (PlaceholderProblem($"environment {variable}", [value], hasBuild) is { } problem) return problem;
        }
        return null;
    }

    private static string? PlaceholderProblem(string field, IEnumerable<string> values, bool hasBuild)
    {
        foreach (var name in values.SelectMany(DriverPlaceholders.NamesIn))
        {
            if (!DriverPlaceholders.Known.Contains(name))
                return $"unknown placeholder {{{name}}} in \"{field}\"; known: {string.Join(", ", DriverPlaceholders.Known.Select(k => $"{{{k}}}"))}";
            if (name == DriverPlaceholders.BuildName && !hasBuild)
                return $"{{build}} in \"{field}\" needs a \"build\" step (it is the build's output directory)";
        }
        return null;
    }
}
