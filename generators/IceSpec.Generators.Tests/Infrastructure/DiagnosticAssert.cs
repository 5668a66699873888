using System.Globalization;
using Microsoft.CodeAnalysis;

namespace IceSpec.Generators.Tests.Infrastructure;

public static class DiagnosticAssert
{
    /// <summary>
    /// Asserts everything a user sees of a diagnostic: ID, severity, file, character span, line/column span, message, and
    /// that the span covers <paramref name="expectedText"/> of the spec (which names the mistake in the failure output).
    /// </summary>
    public static void Is(Diagnostic actual, string id, DiagnosticSeverity severity, string path, string text, ExpectedSpan expected, string message)
    {
        var lineSpan = actual.Location.GetLineSpan();
        var covered = actual.Location.SourceSpan.End <= text.Length ? text.Substring(actual.Location.SourceSpan.Start, actual.Location.SourceSpan.Length) : "(beyond the text)";
        var expectedText = text.Substring(expected.Span.Start, expected.Span.Length);
        Assert.Equal((id, severity), (actual.Id, actual.Severity));
        Assert.Equal(path, lineSpan.Path);
        Assert.Equal(expectedText, covered);
        Assert.Equal(expected.Span, actual.Location.SourceSpan);
        Assert.Equal(expected.Lines, lineSpan.Span);
        Assert.Equal(message, actual.GetMessage(CultureInfo.InvariantCulture));
    }

    public static void IsError(Diagnostic actual, string id, string path, string text, ExpectedSpan expected, string message) =>
        Is(actual, id, DiagnosticSeverity.Error, path, text, expected, message);
}
