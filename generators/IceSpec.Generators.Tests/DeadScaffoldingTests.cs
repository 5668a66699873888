using System.Text.RegularExpressions;

namespace IceSpec.Generators.Tests;

/// <summary>
/// What the generator emits for the base specs is used: no private helper nothing calls (IntPow in a machine without a
/// power, DescribeList without a list), and no loop or switch with nothing inside (HandleTimeout of a machine without
/// timers, the structure check of a protocol without rules).
/// </summary>
[Trait("Category", "unit")]
public sealed class DeadScaffoldingTests
{
    private static readonly Regex PrivateHelper = new(@"private static [\w.<>?:]+ (?<name>\w+)\(", RegexOptions.Compiled);

    // A loop whose body only declares, or breaks: `for (…)\n{\n var next = …;\n if (…) break;\n}`.
    private static readonly Regex EmptyLoop = new(@"\b(?:for|foreach|while) \([^\n]*\)\n\s*\{\n(?:\s*(?:var \w+ = [^\n]*;|if \([^\n]*\) break;)\n)*\s*\}\n", RegexOptions.Compiled);

    // A switch whose only arm is the default.
    private static readonly Regex DefaultOnlySwitch = new(@"\bswitch \([^\n]*\)\n\s*\{\n\s*default:[^\n]*\n\s*\}\n", RegexOptions.Compiled);

    internal static List<string> Problems(string name, string source)
    {
        var problems = new List<string>();
        foreach (Match helper in PrivateHelper.Matches(source))
        {
            var callee = helper.Groups["name"].Value;
            if (Regex.Matches(source, $@"\b{callee}\(").Count < 2) problems.Add($"{name}: private {callee} is never called");
        }
        foreach (Match loop in EmptyLoop.Matches(source)) problems.Add($"{name}: a loop that does nothing: {loop.Value.Trim()}");
        foreach (Match empty in DefaultOnlySwitch.Matches(source)) problems.Add($"{name}: a switch with only a default: {empty.Value.Trim()}");
        return problems;
    }

    [Fact]
    public void The_base_specs_output_has_no_dead_scaffolding()
    {
        var problems = BaselineTests.Generate().SelectMany(file => Problems(file.Key, file.Value)).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void This_test_finds_the_scaffolding_the_emitter_used_to_write()
    {
        const string Old = """
            public bool HandleTimeout(global::System.TimeSpan now)
            {
                var fired = false;
                for (var guard = 0; guard < 1024; guard++)
                {
                    var next = NextDeadline;
                    if (next is null || next.Value > now) break;
                }
                return fired;
            }
            public static bool TryValidate(in StunMessage message, out StunViolation violation)
            {
                switch (message.RawType)
                {
                    default: return true;
                }
            }
            private static long IntPow(long value, long exponent) { var result = 1L; for (var i = 0L; i < exponent; i++) result *= value; return result; }

            """;
        var problems = Problems("Old.g.cs", Old.ReplaceLineEndings("\n"));
        Assert.Equal(3, problems.Count);
        Assert.Contains("Old.g.cs: private IntPow is never called", problems);
        Assert.Contains(problems, p => p.Contains("a loop that does nothing"));
        Assert.Contains(problems, p => p.Contains("a switch with only a default"));
    }
}
