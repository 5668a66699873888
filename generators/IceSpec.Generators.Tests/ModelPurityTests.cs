using System.Collections;
using System.Reflection;
using IceSpec.Generators.Model;
using IceSpec.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace IceSpec.Generators.Tests;

/// <summary>
/// What the tracked steps output is plain, immutable, value-equal data: no Roslyn object (a symbol, a syntax tree, a
/// compilation, a location…) is kept in it, or the driver would hold whole compilations alive and never see two runs'
/// outputs as equal.
/// </summary>
[Trait("Category", "unit")]
public sealed class ModelPurityTests
{
    private static readonly Type[] Forbidden =
    {
        typeof(ISymbol), typeof(Compilation), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SemanticModel), typeof(Location),
        typeof(Diagnostic), typeof(AdditionalText), typeof(SourceText), typeof(AnalyzerConfigOptions), typeof(AnalyzerConfigOptionsProvider),
        typeof(SyntaxToken), typeof(SyntaxTrivia),
    };

    /// <summary>Every kind of construct: stun.spec (all wire formats, machine, rules), a vendor spec importing it, a spec with errors.</summary>
    private static GeneratorRunResult RunEverything() => GeneratorHarness.Run(
        new SpecInput("/specs/stun.spec", SpecFiles.Stun),
        new SpecInput("/specs/acme.spec", VendorImportTests.Acme),
        new SpecInput("/specs/broken.spec", "protocol broken \"see RFC\";\nnamespace Broken;\nattribute A 0x0001 : Missing;\n"),
        new SpecInput("/specs/syntax.spec", "protocol syntax \"RFC 8489\" !")).Generator;

    private static IEnumerable<(string Step, object Value)> TrackedOutputs(GeneratorRunResult result) =>
        IncrementalCachingTests.TrackedNames.SelectMany(name =>
            result.TrackedSteps[name].SelectMany(step => step.Outputs).Select(o => (name, o.Value)));

    [Fact]
    public void Tracked_steps_hold_no_roslyn_or_parser_objects()
    {
        var result = RunEverything();
        // The broken specs' errors; ISPEC013 (stun.spec consts only its runtime's C# names) is DiagnosticTests' to judge.
        Assert.Equal(4, result.Diagnostics.Count(d => d.Id != "ISPEC013"));
        var problems = new List<string>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var types = new HashSet<Type>();
        foreach (var (step, value) in TrackedOutputs(result)) Walk(value, step, seen, types, problems);

        Assert.Empty(problems);
        // The walk really went through the model: these are reached only through nested records and arrays.
        foreach (var expected in new[] { typeof(ProtocolModel), typeof(TransitionModel), typeof(BinaryExpr), typeof(InlineStructType),
                     typeof(Diagnostics.DiagnosticInfo), typeof(RuleDecl), typeof(SourceSpan), typeof(Citation) })
            Assert.Contains(expected, types);
    }

    [Fact]
    public void Every_model_type_is_immutable_with_value_equality()
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var types = new HashSet<Type>();
        foreach (var (step, value) in TrackedOutputs(RunEverything())) Walk(value, step, seen, types, new List<string>());

        var modelTypes = types.Where(t => t.Assembly == typeof(SpecGenerator).Assembly && !t.IsArray).ToArray();
        Assert.True(modelTypes.Length > 20, string.Join(", ", modelTypes.Select(t => t.Name)));
        foreach (var type in modelTypes)
        {
            var equals = type.GetMethod("Equals", new[] { typeof(object) })!;
            Assert.True(equals.DeclaringType != typeof(object) && equals.DeclaringType != typeof(ValueType), $"{type} has reference (or reflection) equality");
            foreach (var field in AllFields(type))
                Assert.True(field.IsInitOnly, $"{type}.{field.Name} is a mutable field");
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
                Assert.True(property.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit"),
                    $"{type}.{property.Name} has a public setter");
        }
    }

    private static IEnumerable<FieldInfo> AllFields(Type type)
    {
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                yield return field;
    }

    private static void Walk(object? value, string path, HashSet<object> seen, HashSet<Type> types, List<string> problems)
    {
        if (value is null) return;
        var type = value.GetType();
        if (Forbidden.Any(f => f.IsAssignableFrom(type)) || type.Assembly.GetName().Name is "Microsoft.CodeAnalysis" or "Microsoft.CodeAnalysis.CSharp" or "Sprache")
        {
            problems.Add($"{path}: {type.FullName}");
            return;
        }
        if (type.IsPrimitive || type.IsEnum || value is string) return;
        if (!type.IsValueType && !seen.Add(value)) return;
        types.Add(type);

        if (value is IEnumerable items)
        {
            var i = 0;
            foreach (var item in items) Walk(item, $"{path}[{i++}]", seen, types, problems);
        }
        foreach (var field in AllFields(type))
        {
            var fieldValue = field.GetValue(value);
            // An array compares by reference: only EquatableArray may hold one.
            if (fieldValue is Array && !(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>)))
                problems.Add($"{path}.{field.Name}: a raw {fieldValue.GetType().Name} (use EquatableArray)");
            Walk(fieldValue, $"{path}.{field.Name}", seen, types, problems);
        }
    }
}
