namespace IceSpec.Generators.Model;

// State machines: states, events, guards, timers, counters, constants and parameters.

public abstract record MachineMember(SourceSpan Span, Citation? Citation);

/// <summary><c>const Rc = 7 "…";</c> fixed; <c>param Rto = 500 ms "…";</c> settable per instance.</summary>
public sealed record ValueMember(string Name, bool Settable, Expr Value, SourceSpan Span, Citation? Citation) : MachineMember(Span, Citation);

public sealed record CounterMember(string Name, SourceSpan Span, Citation? Citation) : MachineMember(Span, Citation);

/// <summary>A timer; when it expires the machine receives the event of the same name.</summary>
public sealed record TimerMember(string Name, SourceSpan Span, Citation? Citation) : MachineMember(Span, Citation);

public sealed record StateMember(string Name, bool Initial, bool Final, SourceSpan Span, Citation? Citation) : MachineMember(Span, Citation);

public sealed record EventMember(string Name, SourceSpan Span, Citation? Citation) : MachineMember(Span, Citation);

/// <summary><c>A, B -> C on E | F when guard / action, action "citation";</c></summary>
public sealed record TransitionMember(
    EquatableArray<NameRef> From, NameRef To, EquatableArray<NameRef> Events, Expr? Guard,
    EquatableArray<MachineAction> Actions, SourceSpan Span, Citation? Citation) : MachineMember(Span, Citation);

/// <summary><c>call Transmit</c>, <c>count Sends</c>, <c>reset Sends</c>, <c>start T after expr</c>, <c>stop T</c>.</summary>
public sealed record MachineAction(string Kind, NameRef Target, Expr? Duration, SourceSpan Span);

/// <summary>Guard and duration expressions: integers (with ms / s units), names, arithmetic, comparisons, and/or/not.</summary>
public abstract record Expr(SourceSpan Span);

public sealed record NumberExpr(long Value, string? Unit, SourceSpan Span) : Expr(Span);

/// <summary>A const, param or counter of the machine — or, used alone as a guard, a named guard the runtime implements.</summary>
public sealed record NameExpr(string Name, SourceSpan Span) : Expr(Span);

public sealed record BinaryExpr(string Operator, Expr Left, Expr Right, SourceSpan Span) : Expr(Span);

public sealed record NotExpr(Expr Operand, SourceSpan Span) : Expr(Span);

/// <summary><c>min(a, b)</c>, <c>max(a, b)</c>.</summary>
public sealed record CallExpr(string Function, EquatableArray<Expr> Arguments, SourceSpan Span) : Expr(Span);
