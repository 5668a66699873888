using System.Linq;
using IceSpec.Generators.Model;
using Sprache;
using static IceSpec.Generators.Parsing.Lexical;

namespace IceSpec.Generators.Parsing;

/// <summary>The members of a <c>machine { … }</c> block and the small expression language of guards and timers.</summary>
internal static class MachineGrammar
{
    private static readonly Parser<Citation?> OptionalCitation =
        CitationLiteral.Optional().Select(c => c.GetOrDefault());

    // Closing tokens eat no trivia, so a declaration's span ends at its ';' or '}' (the caller eats the trivia).
    private static readonly Parser<char> Semicolon = Parse.Char(';').Named("';'");

    // ---- expressions: or < and < not < comparison < sum < product < power < primary ----

    // Every primary reads its own text, takes its span, then eats the trivia after it: an expression's span ends at its
    // last character.
    private static readonly Parser<Expr> NumberLiteral =
        (from value in RawNumber
         from unit in Word("ms").Or(Word("s")).AfterTrivia().Optional()
         select (value, unit: unit.GetOrDefault()))
        .Span().Tok().Select(s => (Expr)new NumberExpr(s.Value.value, s.Value.unit, ToSpan(s)));

    private static readonly Parser<Expr> NameLiteral =
        Identifier.Span().Tok().Select(s => (Expr)new NameExpr(s.Value, ToSpan(s)));

    /// <summary>The inner expression, its span widened to the parentheses (so "2 * (a + 1)" ends at its ')').</summary>
    private static readonly Parser<Expr> Parenthesised =
        (from open in Parse.Char('(').Named("'('").Span().Tok()
         from inner in Parse.Ref(() => Expression)
         from close in Parse.Char(')').Named("')'").Span()
         select inner with { Span = Join(ToSpan(open), ToSpan(close)) }).Tok();

    /// <summary><c>min(a, b)</c> / <c>max(a, b)</c>; the binder checks the name and the argument count.</summary>
    private static readonly Parser<Expr> Call =
        (from name in Identifier.Span()
         from open in Parse.Char('(').Named("'('").AfterTrivia()
         from arguments in Parse.Ref(() => Expression).DelimitedBy(Symbol(','))
         from close in Parse.Char(')').Named("')'").Span()
         select (Expr)new CallExpr(name.Value, arguments.ToEquatableArray(), Join(ToSpan(name), ToSpan(close)))).Tok();

    private static readonly Parser<Expr> Primary = Parenthesised.Or(NumberLiteral).Or(Call).Or(NameLiteral);

    private static Parser<Expr> Binary(Parser<string> op, Parser<Expr> operand, bool rightAssociative = false)
    {
        System.Func<string, Expr, Expr, Expr> make = (o, l, r) => new BinaryExpr(o, l, r, Join(l.Span, r.Span));
        return rightAssociative ? Parse.ChainRightOperator(op, operand, make) : Parse.ChainOperator(op, operand, make);
    }

    private static readonly Parser<Expr> Power = Binary(Symbol("^"), Primary, rightAssociative: true);
    private static readonly Parser<Expr> Product = Binary(Symbol("*"), Power); // no division: "/" starts the actions
    private static readonly Parser<Expr> Sum = Binary(Symbol("+").Or(Symbol("-")), Product);
    private static readonly Parser<Expr> Comparison =
        Binary(Symbol("<=").Or(Symbol(">=")).Or(Symbol("==")).Or(Symbol("!=")).Or(Symbol("<")).Or(Symbol(">")), Sum);

    private static readonly Parser<Expr> Negation =
        (from not in Word("not").Span().Tok()
         from operand in Parse.Ref(() => Negation)
         select (Expr)new NotExpr(operand, Join(ToSpan(not), operand.Span)))
        .Or(Comparison);

    private static readonly Parser<Expr> Conjunction = Binary(Keyword("and"), Negation);

    public static readonly Parser<Expr> Expression = Binary(Keyword("or"), Conjunction);

    // ---- members ----

    private static Parser<MachineMember> MemberOf<T>(Parser<T> parser, System.Func<T, SourceSpan, MachineMember> make) =>
        parser.Span().Tok().Select(s => make(s.Value, ToSpan(s)));

    private static readonly Parser<MachineMember> Value = MemberOf(
        from kind in Keyword("const").Or(Keyword("param"))
        from name in Identifier.Tok()
        from eq in Symbol('=')
        from value in Expression
        from citation in OptionalCitation
        from end in Semicolon
        select (kind, name, value, citation),
        (v, span) => new ValueMember(v.name, v.kind == "param", v.value, span, v.citation));

    private static readonly Parser<MachineMember> Counter = MemberOf(
        from kw in Keyword("counter")
        from name in Identifier.Tok()
        from citation in OptionalCitation
        from end in Semicolon
        select (name, citation),
        (v, span) => new CounterMember(v.name, span, v.citation));

    private static readonly Parser<MachineMember> Timer = MemberOf(
        from kw in Keyword("timer")
        from name in Identifier.Tok()
        from citation in OptionalCitation
        from end in Semicolon
        select (name, citation),
        (v, span) => new TimerMember(v.name, span, v.citation));

    private static readonly Parser<MachineMember> State = MemberOf(
        from kw in Keyword("state")
        from name in Identifier.Tok()
        from flags in Keyword("initial").Or(Keyword("final")).Many()
        from citation in OptionalCitation
        from end in Semicolon
        select (name, flags: flags.ToArray(), citation),
        (v, span) => new StateMember(v.name, v.flags.Contains("initial"), v.flags.Contains("final"), span, v.citation));

    private static readonly Parser<MachineMember> Event = MemberOf(
        from kw in Keyword("event")
        from name in Identifier.Tok()
        from citation in OptionalCitation
        from end in Semicolon
        select (name, citation),
        (v, span) => new EventMember(v.name, span, v.citation));

    private static readonly Parser<MachineAction> Action =
        (from kind in Keyword("call").Or(Keyword("count")).Or(Keyword("reset")).Or(Keyword("stop"))
         from target in NameReference
         select (kind, target, duration: (Expr?)null))
        .Or(from kind in Keyword("start")
            from target in NameReference
            from after in Keyword("after")
            from duration in Expression
            select (kind, target, duration: (Expr?)duration))
        .Span().Tok().Select(s => new MachineAction(s.Value.kind, s.Value.target, s.Value.duration, ToSpan(s)));

    private static readonly Parser<MachineMember> Transition = MemberOf(
        from sources in NameReference.DelimitedBy(Symbol(','))
        from arrow in Symbol("->")
        from to in NameReference
        from onKeyword in Keyword("on")
        from events in NameReference.DelimitedBy(Symbol('|'))
        from guard in Keyword("when").Then(_ => Expression).Optional()
        from actions in Symbol('/').Then(_ => Action.DelimitedBy(Symbol(','))).Optional()
        from citation in OptionalCitation
        from end in Semicolon
        select (sources, to, events, guard: guard.GetOrDefault(), actions: actions.GetOrElse(Enumerable.Empty<MachineAction>()), citation),
        (v, span) => new TransitionMember(v.sources.ToEquatableArray(), v.to, v.events.ToEquatableArray(), v.guard,
            v.actions.ToEquatableArray(), span, v.citation));

    public static readonly Parser<MachineMember> Member =
        Value.XOr(Counter).XOr(Timer).XOr(State).XOr(Event).XOr(Transition);
}
