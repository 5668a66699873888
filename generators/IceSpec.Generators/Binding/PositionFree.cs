using System.Linq;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Binding;

/// <summary>
/// Copies of model parts without source positions, for the bound model the emitters read. Positions matter only to
/// diagnostics (reported from the Bind step); leaving them in the emit input would make a blank line at the top of a
/// spec change every generated file's input, so nothing would stay cached.
/// </summary>
internal static class PositionFree
{
    private static readonly SourceSpan None = SourceSpan.None;

    public static WireType Of(WireType type) => type switch
    {
        PrimitiveType p => p with { Span = None },
        BytesType b => b with { Span = None },
        Utf8Type u => u with { Span = None },
        ListType l => l with { Element = Of(l.Element), Span = None },
        NamedType n => n with { Span = None },
        InlineStructType s => s with { Fields = s.Fields.Select(Of).ToEquatableArray(), Span = None },
        _ => type,
    };

    public static FieldDecl Of(FieldDecl field) => field with { Type = Of(field.Type), Span = None };

    public static Expr? Of(Expr? expr) => expr switch
    {
        NumberExpr n => n with { Span = None },
        NameExpr n => n with { Span = None },
        BinaryExpr b => b with { Left = Of(b.Left)!, Right = Of(b.Right)!, Span = None },
        NotExpr n => n with { Operand = Of(n.Operand)!, Span = None },
        CallExpr c => c with { Arguments = c.Arguments.Select(a => Of(a)!).ToEquatableArray(), Span = None },
        _ => expr,
    };

    public static MachineAction Of(MachineAction action) =>
        action with { Target = action.Target with { Span = None }, Duration = Of(action.Duration), Span = None };

    public static Citation? Of(Citation? citation) => citation is null ? null : citation with { Span = None };

    public static ValueMember Of(ValueMember value) => value with { Value = Of(value.Value)!, Span = None, Citation = Of(value.Citation) };

    public static CounterMember Of(CounterMember counter) => counter with { Span = None, Citation = Of(counter.Citation) };

    public static TimerMember Of(TimerMember timer) => timer with { Span = None, Citation = Of(timer.Citation) };

    public static StateMember Of(StateMember state) => state with { Span = None, Citation = Of(state.Citation) };
}
