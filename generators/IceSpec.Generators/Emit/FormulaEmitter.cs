using System.Globalization;
using System.Linq;
using IceSpec.Generators.Binding;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary>
/// <c>{P}Formulas</c>: the protocol's consts as C# constants and each formula as a static method over longs.
/// Sub-expressions without parameters are folded at generation time (so <c>2 ^ 24</c> is 16777216 in the code).
/// </summary>
internal static class FormulaEmitter
{
    public static string Emit(ProtocolModel p)
    {
        var w = new CodeWriter(p.Name, p.Namespace);
        var constants = p.Constants.ToDictionary(c => c.Name, c => c.Value);
        w.Summary($"Constants and formulas of protocol {p.Name}.");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public static partial class {p.Prefix}Formulas"))
        {
            foreach (var c in p.Constants)
            {
                w.Summary($"{c.Name}: {c.Citation}");
                w.Line($"public const long {c.Identifier} = {c.Value.ToString(CultureInfo.InvariantCulture)}L;");
            }
            var usesPower = false;
            foreach (var f in p.Formulas)
            {
                w.Summary($"{f.Name}({string.Join(", ", f.Parameters)}) = {ExprEmitter.Text(f.Body)}: {f.Citation}");
                var parameters = string.Join(", ", f.Parameters.Select(n => "long " + StructEmitter.Camel(Names.ToIdentifier(n))));
                var body = Emit(f.Body, f, constants);
                usesPower |= body.Contains("IntPow(");
                w.Line($"public static long {f.Identifier}({parameters}) => {body};");
            }
            if (usesPower)   // a power whose operands were not folded at generation time
                w.Line("private static long IntPow(long value, long exponent) { var result = 1L; for (var i = 0L; i < exponent; i++) result *= value; return result; }");
        }
        return w.ToString();
    }

    private static string Emit(Expr e, FormulaModel f, System.Collections.Generic.IReadOnlyDictionary<string, long> constants)
    {
        if (FormulaBinder.Fold(e, constants) is { } folded) return folded.ToString(CultureInfo.InvariantCulture) + "L";
        return e switch
        {
            NameExpr n when f.Parameters.Contains(n.Name) => StructEmitter.Camel(Names.ToIdentifier(n.Name)),
            NameExpr n => Names.ToIdentifier(n.Name),
            CallExpr c => $"global::System.Math.{(c.Function == "min" ? "Min" : "Max")}({Emit(c.Arguments[0], f, constants)}, {Emit(c.Arguments[1], f, constants)})",
            BinaryExpr { Operator: "^" } b => $"IntPow({Emit(b.Left, f, constants)}, {Emit(b.Right, f, constants)})",
            BinaryExpr b => $"({Emit(b.Left, f, constants)} {b.Operator} {Emit(b.Right, f, constants)})",
            _ => "0L",
        };
    }
}
