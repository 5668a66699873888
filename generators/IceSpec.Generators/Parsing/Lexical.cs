using System.Globalization;
using System.Linq;
using IceSpec.Generators.Model;
using Sprache;

namespace IceSpec.Generators.Parsing;

/// <summary>Tokens of the spec language: identifiers, numbers, strings, keywords; comments are <c>// …</c>.</summary>
internal static class Lexical
{
    private static readonly Parser<string> LineComment =
        from _ in Parse.String("//")
        from text in Parse.CharExcept('\n').Many().Text()
        select text;

    /// <summary>Whitespace and comments. Tokens eat the trivia after them; the file reads the trivia before its first token.</summary>
    public static readonly Parser<string> Trivia =
        Parse.WhiteSpace.Once().Text().Or(LineComment).Many().Select(_ => "");

    /// <summary>
    /// Reads <paramref name="parser"/> then the trivia after it. A token never starts with trivia, so a token that
    /// does not match fails where it starts, and <c>XOr</c> alternatives and <c>XMany</c> work as intended.
    /// </summary>
    public static Parser<T> Tok<T>(this Parser<T> parser) =>
        from value in parser
        from trailing in Trivia
        select value;

    /// <summary>Fails without consuming input when <paramref name="parser"/> fails part-way (e.g. "co" of "counter" against "const").</summary>
    public static Parser<T> Atomic<T>(this Parser<T> parser) => input =>
    {
        var result = parser(input);
        return result.WasSuccessful ? result : Result.Failure<T>(input, result.Message, result.Expectations);
    };

    /// <summary>Runs <paramref name="parser"/> and also returns where its text stands.</summary>
    public static Parser<(T Value, SourceSpan Span)> Spanned<T>(this Parser<T> parser) =>
        parser.Span().Select(s => (s.Value, ToSpan(s)));

    public static SourceSpan ToSpan<T>(ITextSpan<T> span) =>
        new(span.Start.Pos, span.Length, span.Start.Line - 1, span.Start.Column - 1, span.End.Line - 1, span.End.Column - 1);

    /// <summary>Letters, digits and underscores, with single hyphens inside (so <c>A-&gt;B</c> still reads as A, -&gt;, B).</summary>
    public static readonly Parser<string> Identifier =
        (from first in Parse.Letter
         from rest in Parse.LetterOrDigit.Or(Parse.Char('_')).Many().Text()
         from parts in (from hyphen in Parse.Char('-')
                        from part in Parse.LetterOrDigit.Or(Parse.Char('_')).AtLeastOnce().Text()
                        select "-" + part).Many()
         select first + rest + string.Concat(parts)).Named("identifier");

    public static readonly Parser<NameRef> NameReference =
        Identifier.Spanned().Tok().Select(s => new NameRef(s.Value, s.Span));

    /// <summary>A keyword: the word, not followed by more identifier characters.</summary>
    public static Parser<string> Keyword(string word) =>
        (from text in Parse.String(word).Text()
         from end in Parse.LetterOrDigit.Or(Parse.Char('_')).Or(Parse.Char('-').Then(_ => Parse.LetterOrDigit)).Not()
         select text).Atomic().Named("'" + word + "'").Tok();

    public static Parser<char> Symbol(char c) => Parse.Char(c).Named("'" + c + "'").Tok();

    public static Parser<string> Symbol(string s) => Parse.String(s).Text().Atomic().Named("'" + s + "'").Tok();

    private static readonly Parser<long> Hex =
        from prefix in Parse.String("0x").Or(Parse.String("0X"))
        from digits in Parse.Chars("0123456789abcdefABCDEF").AtLeastOnce().Text()
        select long.Parse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static readonly Parser<long> Binary =
        from prefix in Parse.String("0b")
        from digits in Parse.Chars("01").AtLeastOnce().Text()
        select digits.Aggregate(0L, (acc, d) => acc * 2 + (d - '0'));

    private static readonly Parser<long> Decimal =
        Parse.Digit.AtLeastOnce().Text().Select(d => long.Parse(d, CultureInfo.InvariantCulture));

    /// <summary>42, 0x0020 or 0b01.</summary>
    public static readonly Parser<long> Number = Hex.Atomic().Or(Binary.Atomic()).Or(Decimal).Named("number").Tok();

    public static readonly Parser<int> Int = Number.Select(n => (int)n);

    public static readonly Parser<string> StringLiteral =
        (from open in Parse.Char('"')
         from text in Parse.CharExcept('"').Many().Text()
         from close in Parse.Char('"')
         select text).Named("string").Tok();

    /// <summary>The RFC citation every element carries: a string literal right before the closing ';' or '{'.</summary>
    public static readonly Parser<Citation> CitationLiteral =
        (from open in Parse.Char('"')
         from text in Parse.CharExcept('"').Many().Text()
         from close in Parse.Char('"')
         select text).Named("citation").Span().Tok().Select(s => new Citation(s.Value, ToSpan(s)));
}
