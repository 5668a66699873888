using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary>
/// Machine expressions to C#. Values are durations (a number with ms or s, or a name bound to one) or integers;
/// <c>a ^ b</c> is an integer power. Bare names in guards that are not values are calls to the runtime's guard methods.
/// </summary>
internal sealed class ExprEmitter
{
    private readonly Dictionary<string, bool> _isDuration;

    public ExprEmitter(MachineModel machine)
    {
        _isDuration = new Dictionary<string, bool>();
        foreach (var v in machine.Values) _isDuration[v.Name] = false;
        foreach (var v in machine.Values) _isDuration[v.Name] = IsDuration(v.Value);
        foreach (var c in machine.Counters) _isDuration[c.Name] = false;
    }

    public bool IsValue(string name) => _isDuration.ContainsKey(name);

    /// <summary>Whether an emitted expression calls IntPow (the machine then needs the helper).</summary>
    public bool UsesPower { get; private set; }

    public bool IsDuration(Expr e) => e switch
    {
        NumberExpr n => n.Unit is not null,
        NameExpr n => _isDuration.TryGetValue(n.Name, out var d) && d,
        BinaryExpr { Operator: "+" or "-" or "*" } b => IsDuration(b.Left) || IsDuration(b.Right),
        _ => false,
    };

    public string Emit(Expr e) => e switch
    {
        NumberExpr { Unit: "ms" } n => $"global::System.TimeSpan.FromMilliseconds({n.Value.ToString(CultureInfo.InvariantCulture)})",
        NumberExpr { Unit: "s" } n => $"global::System.TimeSpan.FromSeconds({n.Value.ToString(CultureInfo.InvariantCulture)})",
        NumberExpr n => n.Value.ToString(CultureInfo.InvariantCulture) + "L",
        NameExpr n when IsValue(n.Name) => Binding.Names.ToIdentifier(n.Name),
        NameExpr n => Binding.Names.ToIdentifier(n.Name) + "()",
        NotExpr n => $"!({Emit(n.Operand)})",
        BinaryExpr { Operator: "and" } b => $"({Emit(b.Left)} && {Emit(b.Right)})",
        BinaryExpr { Operator: "or" } b => $"({Emit(b.Left)} || {Emit(b.Right)})",
        BinaryExpr { Operator: "^" } b => Power(b),
        BinaryExpr { Operator: "*" } b when IsDuration(b.Left) && !IsDuration(b.Right) => $"({Emit(b.Left)} * (double)({Emit(b.Right)}))",
        BinaryExpr { Operator: "*" } b when IsDuration(b.Right) && !IsDuration(b.Left) => $"({Emit(b.Right)} * (double)({Emit(b.Left)}))",
        BinaryExpr b => $"({Emit(b.Left)} {b.Operator} {Emit(b.Right)})",
        _ => "default",
    };

    private string Power(BinaryExpr b)
    {
        UsesPower = true;
        return $"IntPow({Emit(b.Left)}, {Emit(b.Right)})";
    }

    /// <summary>The expression as the spec wrote it, for the transition table and diagrams.</summary>
    public static string Text(Expr? e) => e switch
    {
        null => "",
        NumberExpr n => n.Value.ToString(CultureInfo.InvariantCulture) + (n.Unit is null ? "" : " " + n.Unit),
        NameExpr n => n.Name,
        NotExpr n => "not " + Text(n.Operand),
        CallExpr c => c.Function + "(" + string.Join(", ", c.Arguments.Select(Text)) + ")",
        BinaryExpr b => $"{Wrap(b.Left)} {b.Operator} {Wrap(b.Right)}",
        _ => "",
    };

    private static string Wrap(Expr e) => e is BinaryExpr ? "(" + Text(e) + ")" : Text(e);
}
