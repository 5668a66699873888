using System.Globalization;
using System.Linq;
using System.Numerics;
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

    /// <summary>From the start of <paramref name="first"/> to the end of <paramref name="last"/>.</summary>
    public static SourceSpan Join(SourceSpan first, SourceSpan last) =>
        new(first.Start, last.Start + last.Length - first.Start, first.Line, first.Column, last.EndLine, last.EndColumn);

    /// <summary>Trivia, then <paramref name="parser"/>: for the later words of a construct whose span must not include the
    /// trivia after it (its last token is read without Tok). Fails without consuming input when the parser fails.</summary>
    public static Parser<T> AfterTrivia<T>(this Parser<T> parser) =>
        (from leading in Trivia
         from value in parser
         select value).Atomic();

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

    /// <summary>A keyword without the trivia after it: the word, not followed by more identifier characters.</summary>
    public static Parser<string> Word(string word) =>
        (from text in Parse.String(word).Text()
         from end in Parse.LetterOrDigit.Or(Parse.Char('_')).Or(Parse.Char('-').Then(_ => Parse.LetterOrDigit)).Not()
         select text).Atomic().Named("'" + word + "'");

    /// <summary>A keyword and the trivia after it.</summary>
    public static Parser<string> Keyword(string word) => Word(word).Tok();

    public static Parser<char> Symbol(char c) => Parse.Char(c).Named("'" + c + "'").Tok();

    public static Parser<string> Symbol(string s) => Parse.String(s).Text().Atomic().Named("'" + s + "'").Tok();

    // Digits are read as BigInteger so a long literal is a syntax error at the number, not an OverflowException.
    private static readonly Parser<BigInteger> Hex =
        from prefix in Parse.String("0x").Or(Parse.String("0X"))
        from digits in Parse.Chars("0123456789abcdefABCDEF").AtLeastOnce().Text()
        select BigInteger.Parse("0" + digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static readonly Parser<BigInteger> Binary =
        from prefix in Parse.String("0b")
        from digits in Parse.Chars("01").AtLeastOnce().Text()
        select digits.Aggregate(BigInteger.Zero, (acc, d) => acc * 2 + (d - '0'));

    /// <summary>ASCII digits only: <c>Parse.Digit</c> is <c>char.IsDigit</c>, which takes every Unicode decimal digit (e.g. NKo
    /// U+07C7), and BigInteger.Parse refuses those (found by the spec fuzz target: regressions/spec/nko-digit-*).</summary>
    private static readonly Parser<BigInteger> Decimal =
        Parse.Chars("0123456789").AtLeastOnce().Text().Select(d => BigInteger.Parse(d, CultureInfo.InvariantCulture));

    private static readonly Parser<BigInteger> AnyNumber = Hex.Atomic().Or(Binary.Atomic()).Or(Decimal).Named("number");

    /// <summary>42, 0x0020 or 0b01, at most 0x7FFFFFFF (so <see cref="Int"/> never wraps), without the trivia after it.</summary>
    public static readonly Parser<long> RawNumber = input =>
    {
        var result = AnyNumber(input);
        if (!result.WasSuccessful) return Result.Failure<long>(result.Remainder, result.Message, result.Expectations);
        return result.Value <= int.MaxValue
            ? Result.Success((long)result.Value, result.Remainder)
            : Result.Failure<long>(input, "number too large", new[] { "a number of at most 0x7FFFFFFF" });
    };

    /// <summary>42, 0x0020 or 0b01.</summary>
    public static readonly Parser<long> Number = RawNumber.Tok();

    public static readonly Parser<int> Int = Number.Select(n => (int)n);

    public static readonly Parser<int> RawInt = RawNumber.Select(n => (int)n);

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
