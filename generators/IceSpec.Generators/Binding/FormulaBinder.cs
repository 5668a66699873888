using System.Collections.Generic;
using System.Linq;
using IceSpec.Generators.Diagnostics;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Binding;

/// <summary>
/// Top-level <c>const</c> and <c>formula</c> declarations: integer arithmetic (<c>+ - * ^</c>, <c>min</c>, <c>max</c>)
/// over numbers, the protocol's consts and the formula's parameters. Consts are folded to their value here.
/// </summary>
internal sealed class FormulaBinder
{
    private readonly ProtocolScope _scope;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly Dictionary<string, long> _constants = new();

    public FormulaBinder(ProtocolScope scope, List<DiagnosticInfo> diagnostics)
    {
        _scope = scope;
        _diagnostics = diagnostics;
    }

    public ConstModel? Bind(ConstDecl constant)
    {
        if (_constants.ContainsKey(constant.Name))
        {
            _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.Duplicate, constant.Span, "Const", constant.Name, constant.Name));
            return null;
        }
        if (!Check(constant.Value, new HashSet<string>(), constant.Name)) return null;
        var value = Fold(constant.Value, new Dictionary<string, long>(_constants));
        if (value is null)
        {
            _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, constant.Value.Span, "The value does not fit in a 64-bit integer", constant.Name));
            return null;
        }
        _constants[constant.Name] = value.Value;
        return new ConstModel(constant.Name, Names.ToIdentifier(constant.Name), value.Value, ProtocolScope.Text(constant.Citation));
    }

    public FormulaModel? Bind(FormulaDecl formula)
    {
        var parameters = new HashSet<string>();
        foreach (var parameter in formula.Parameters)
            if (!parameters.Add(parameter.Name) || _constants.ContainsKey(parameter.Name))
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.Duplicate, parameter.Span, "Formula parameter", parameter.Name, parameter.Name));
        if (!Check(formula.Body, parameters, formula.Name)) return null;
        return new FormulaModel(formula.Name, Names.ToIdentifier(formula.Name), formula.Parameters.Select(p => p.Name).ToEquatableArray(),
            PositionFree.Of(formula.Body)!, ProtocolScope.Text(formula.Citation));
    }

    public IReadOnlyDictionary<string, long> Constants => _constants;

    private bool Check(Expr expr, HashSet<string> parameters, string owner)
    {
        switch (expr)
        {
            case NumberExpr { Unit: null }:
                return true;
            case NumberExpr number:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, number.Span, "Formulas and consts are plain integers; drop the unit", owner));
                return false;
            case NameExpr name when parameters.Contains(name.Name) || _constants.ContainsKey(name.Name):
                return true;
            case NameExpr name:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.UnknownName, name.Span, $"Parameter or const of '{owner}'", name.Name));
                return false;
            case CallExpr { Function: "min" or "max", Arguments.Count: 2 } call:
                return Check(call.Arguments[0], parameters, owner) & Check(call.Arguments[1], parameters, owner);
            case CallExpr call:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, call.Span, $"'{call.Function}' with {call.Arguments.Count} arguments is not a function of the spec language (min(a, b) and max(a, b) are)", owner));
                return false;
            case BinaryExpr { Operator: "+" or "-" or "*" or "^" } arithmetic:
                return Check(arithmetic.Left, parameters, owner) & Check(arithmetic.Right, parameters, owner);
            default:
                _diagnostics.Add(_scope.Diag(DiagnosticDescriptors.InvalidExpression, expr.Span, "Expected integer arithmetic (+ - * ^, min, max) here", owner));
                return false;
        }
    }

    /// <summary>The value of an expression with no free parameter, or null when it has one (or overflows).</summary>
    public static long? Fold(Expr expr, IReadOnlyDictionary<string, long> constants)
    {
        try
        {
            return checked(expr switch
            {
                NumberExpr { Unit: null } n => n.Value,
                NameExpr n when constants.TryGetValue(n.Name, out var value) => value,
                CallExpr { Function: "min" } c when Fold(c.Arguments[0], constants) is { } a && Fold(c.Arguments[1], constants) is { } b => System.Math.Min(a, b),
                CallExpr { Function: "max" } c when Fold(c.Arguments[0], constants) is { } a && Fold(c.Arguments[1], constants) is { } b => System.Math.Max(a, b),
                BinaryExpr b when Fold(b.Left, constants) is { } l && Fold(b.Right, constants) is { } r => b.Operator switch
                {
                    "+" => l + r,
                    "-" => l - r,
                    "*" => l * r,
                    "^" => Power(l, r),
                    _ => (long?)null,
                },
                _ => null,
            });
        }
        catch (System.OverflowException)
        {
            return null;
        }
    }

    private static long Power(long value, long exponent)
    {
        var result = 1L;
        for (var i = 0L; i < exponent; i++) result = checked(result * value);
        return result;
    }
}
