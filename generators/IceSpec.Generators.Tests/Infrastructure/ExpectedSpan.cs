using Microsoft.CodeAnalysis.Text;

namespace IceSpec.Generators.Tests.Infrastructure;

/// <summary>
/// Where a piece of the test's own spec text stands, computed by Roslyn's <see cref="SourceText"/> from the text alone:
/// expected spans never come from the code under test.
/// </summary>
public readonly record struct ExpectedSpan(TextSpan Span, LinePositionSpan Lines)
{
    /// <summary>The <paramref name="occurrence"/>-th (1-based) occurrence of <paramref name="needle"/>.</summary>
    public static ExpectedSpan Of(string text, string needle, int occurrence = 1)
    {
        var start = -1;
        for (var i = 0; i < occurrence; i++)
        {
            start = text.IndexOf(needle, start + 1, StringComparison.Ordinal);
            if (start < 0) throw new ArgumentException($"occurrence {occurrence} of \"{needle}\" is not in the text");
        }
        return At(text, start, needle.Length);
    }

    /// <summary>The text from the first occurrence of <paramref name="from"/> to the end of the next <paramref name="through"/> after it.</summary>
    public static ExpectedSpan FromThrough(string text, string from, string through)
    {
        var start = text.IndexOf(from, StringComparison.Ordinal);
        if (start < 0) throw new ArgumentException($"\"{from}\" is not in the text");
        var end = text.IndexOf(through, start + from.Length, StringComparison.Ordinal);
        if (end < 0) throw new ArgumentException($"\"{through}\" does not follow \"{from}\"");
        return At(text, start, end + through.Length - start);
    }

    public static ExpectedSpan At(string text, int start, int length)
    {
        var span = new TextSpan(start, length);
        return new ExpectedSpan(span, SourceText.From(text).Lines.GetLinePositionSpan(span));
    }

    public override string ToString() => $"{Span} {Lines}";
}
