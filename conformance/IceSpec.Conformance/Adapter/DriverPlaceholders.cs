using System.Text.RegularExpressions;

namespace IceSpec.Conformance.Adapter;

/// <summary>
/// The placeholders of a declared driver's argument vectors and environment values: <c>{sources}</c> (the driver's source
/// directory), <c>{build}</c> (its cached build output; only with a <c>build</c> step), <c>{kit}</c> (the directory of
/// the kit's assembly, where <c>icespec-driver.dll</c> is). A <c>{word}</c> of lowercase letters is a placeholder; other
/// braces (<c>{}</c>, <c>{"a": 1}</c>) are kept as they are.
/// </summary>
public sealed partial record DriverPlaceholders(string Sources, string? Build)
{
    public const string SourcesName = "sources";
    public const string BuildName = "build";
    public const string KitName = "kit";
    public static readonly IReadOnlyList<string> Known = [SourcesName, BuildName, KitName];

    /// <summary>The kit's assembly directory, without a trailing separator.</summary>
    public static string Kit => Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);

    [GeneratedRegex(@"\{([a-z][a-z0-9-]*)\}")]
    private static partial Regex Placeholder();

    /// <summary>The placeholder names <paramref name="value"/> uses, in order.</summary>
    public static IEnumerable<string> NamesIn(string value) => Placeholder().Matches(value).Select(m => m.Groups[1].Value);

    public string Expand(string value) => Placeholder().Replace(value, m => m.Groups[1].Value switch
    {
        SourcesName => Sources,
        BuildName => Build ?? throw new InvalidOperationException("{build} outside a driver with a build step"),
        KitName => Kit,
        var other => throw new InvalidOperationException($"unknown placeholder {{{other}}}"),
    });

    public IReadOnlyList<string> Expand(IEnumerable<string> argv) => [.. argv.Select(Expand)];
}
