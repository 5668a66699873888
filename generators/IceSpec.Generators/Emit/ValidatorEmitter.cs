using System.Linq;
using IceSpec.Generators.Model;

namespace IceSpec.Generators.Emit;

/// <summary>
/// <c>{P}Validator</c>: checks a parsed message against the spec's rules and returns the first one it breaks, with its
/// citation: attribute order rules, attribute value formats, unknown comprehension-required attributes (when the
/// protocol declares the range), and the per-message rules (required, forbidden, one-of, optional-when).
/// </summary>
internal static class ValidatorEmitter
{
    private const string Message = "global::IceSpec.Stun.StunMessage";
    private const string Violation = "global::IceSpec.Stun.StunViolation";

    public static string Emit(ProtocolModel p)
    {
        var w = new CodeWriter(p.Name, p.Namespace);
        var pf = p.Prefix;
        w.Summary($"The rules of protocol {p.Name}, checked against a parsed message. Never throws; allocates nothing.");
        w.Line(CodeWriter.GeneratedCode);
        using (w.Block($"public static partial class {pf}Validator"))
        {
            w.Line("/// <summary>The rule name of an unknown comprehension-required attribute (answer 420).</summary>");
            w.Line("public const string UnknownComprehensionRequiredRule = \"UnknownComprehensionRequired\";");
            w.Line("/// <summary>The rule name of an attribute value that is not of its declared wire format.</summary>");
            w.Line("public const string MalformedValueRule = \"MalformedValue\";");
            w.Line();
            EmitRuleNames(w, p);
            EmitStructure(w, p);
            EmitDispatch(w, p);
            foreach (var m in p.Messages) EmitMessage(w, m);
        }
        return w.ToString();
    }

    private static string Attr(AttributeRef a) => CodeWriter.Hex(a.Code, 4);

    private static string OrderRule(OrderRuleModel rule) => Binding.Names.ToIdentifier(rule.Name);

    /// <summary>
    /// A message clause's rule: the name a violation carries (e.g. <c>BindingRequestIceCheck.UseCandidate.OnlyWith.IceControlling</c>)
    /// and its member in <c>Rules.{message}</c> (<c>UseCandidateOnlyWithIceControlling</c>); null for a clause that checks nothing.
    /// <paramref name="a"/> is the clause's attribute (null for one-of, which names them all).
    /// </summary>
    private static (string Member, string Name)? ClauseRule(ClauseModel clause, AttributeRef? a)
    {
        string Id(AttributeRef x) => Binding.Names.ToIdentifier(x.Name);
        string[]? parts = clause.Kind switch
        {
            "required" => new[] { "Requires", Id(a!) },
            "forbidden" => new[] { "Forbids", Id(a!) },
            "one-of" => new[] { "OneOf", string.Join("Or", clause.Attributes.Select(Id)) },
            "optional" when clause.When is not null => new[] { Id(a!), "OnlyWith", Id(clause.When) },
            _ => null,
        };
        return parts is null ? null : (string.Concat(parts), string.Join(".", parts));
    }

    /// <summary>
    /// <c>Rules</c>: every rule name a violation can carry, as constants (as <c>Profile</c> is for profiles), so code that
    /// tells one rule from another names a member the spec generates, and a rule renamed in the spec breaks its build.
    /// </summary>
    private static void EmitRuleNames(CodeWriter w, ProtocolModel p)
    {
        w.Summary("The names of the rules a violation carries (StunViolation.Rule), as constants: a rule renamed in the spec breaks the build of code that names it.");
        using (w.Block("public static class Rules"))
        {
            w.Summary("An unknown comprehension-required attribute (answer 420).");
            w.Line("public const string UnknownComprehensionRequired = UnknownComprehensionRequiredRule;");
            w.Summary("An attribute value that is not of its declared wire format.");
            w.Line("public const string MalformedValue = MalformedValueRule;");
            foreach (var rule in p.OrderRules)
            {
                w.Summary(rule.Citation);
                w.Line($"public const string {OrderRule(rule)} = {CodeWriter.Str(rule.Name)};");
            }
            foreach (var m in p.Messages)
            {
                var rules = m.Clauses
                    .SelectMany(c => c.Kind == "one-of" ? new[] { (c, ClauseRule(c, null)) } : c.Attributes.Select(a => (c, ClauseRule(c, a))).ToArray())
                    .Where(r => r.Item2 is not null).ToArray();
                if (rules.Length == 0) continue;
                w.Summary($"The rules of {m.MethodName} {m.ClassName}{(m.Profile is null ? "" : " as " + m.Profile)}.");
                using (w.Block($"public static class {m.Identifier}"))
                    foreach (var (clause, rule) in rules)
                    {
                        w.Summary(clause.Citation);
                        w.Line($"public const string {rule!.Value.Member} = {CodeWriter.Str(m.Identifier + "." + rule.Value.Name)};");
                    }
            }
        }
        w.Line();
    }

    /// <summary>Rules that hold for every message: order, value formats, comprehension.</summary>
    private static void EmitStructure(CodeWriter w, ProtocolModel p)
    {
        var required = p.Ranges.FirstOrDefault(r => r.Kind == "comprehension-required");
        w.Summary("Order rules, value formats and comprehension-required attributes: what every message of this protocol must satisfy.");
        using (w.Block($"public static bool TryValidateStructure(in {Message} message, out {Violation} violation)"))
        {
            foreach (var rule in p.OrderRules) w.Line($"var seen{rule.Name} = false;");
            // A protocol with no order rule, no attribute and no comprehension range has nothing to check per attribute.
            if (p.OrderRules.Count > 0 || p.Attributes.Any(a => !a.Reserved) || required is not null)
            using (w.Block("foreach (var attribute in message.Attributes)"))
            {
                w.Line("var type = attribute.Type;");
                foreach (var rule in p.OrderRules)
                {
                    if (rule.Allowed.Count == 0)
                    {
                        w.Line($"if (seen{rule.Name}) {{ violation = new(Rules.{OrderRule(rule)}, {CodeWriter.Str(rule.Citation)}, {CodeWriter.Str($"an attribute follows {rule.Attribute.Name}")}, type); return false; }}");
                    }
                    else
                    {
                        var allowed = string.Join(" && ", rule.Allowed.Select(a => $"type != {Attr(a)}"));
                        w.Line($"if (seen{rule.Name} && {allowed}) {{ violation = new(Rules.{OrderRule(rule)}, {CodeWriter.Str(rule.Citation)}, {CodeWriter.Str($"only {string.Join(" or ", rule.Allowed.Select(a => a.Name))} may follow {rule.Attribute.Name}")}, type); return false; }}");
                    }
                    w.Line($"if (type == {Attr(rule.Attribute)}) seen{rule.Name} = true;");
                }
                if (p.Attributes.Any(a => !a.Reserved) || required is not null)
                using (w.Block("switch (type)"))
                {
                    foreach (var a in p.Attributes.Where(a => !a.Reserved))
                    {
                        w.Line($"case {CodeWriter.Hex(a.Code, 4)}:");
                        w.Line($"    if (!{p.Prefix}AttributeFormats.IsValid{a.Identifier}(attribute.Value)) {{ violation = new(MalformedValueRule, {CodeWriter.Str(a.Citation)}, {CodeWriter.Str($"{a.Name} is not {FormatText.Describe(a.Format)}")}, type); return false; }}");
                        w.Line("    break;");
                    }
                    if (required is not null)
                    {
                        w.Line("default:");
                        w.Line($"    if (type >= {CodeWriter.Hex(required.Low, 4)} && type <= {CodeWriter.Hex(required.High, 4)} && !global::IceSpec.Stun.StunAttributeRegistry.IsUnderstood(type))");
                        w.Line($"    {{ violation = new(UnknownComprehensionRequiredRule, {CodeWriter.Str(required.Citation)}, \"an unknown comprehension-required attribute (answer 420 with UNKNOWN-ATTRIBUTES)\", type); return false; }}");
                        w.Line("    break;");
                    }
                }
            }
            w.Line("violation = default;");
            w.Line("return true;");
        }
        w.Line();

        if (required is not null)
        {
            w.Summary("The unknown comprehension-required attribute types of the message, for UNKNOWN-ATTRIBUTES (RFC 8489 §14.13); returns how many were written.");
            using (w.Block($"public static int CollectUnknownComprehensionRequired(in {Message} message, global::System.Span<ushort> destination)"))
            {
                w.Line("var count = 0;");
                w.Line("foreach (var attribute in message.Attributes)");
                w.Line($"    if (attribute.Type >= {CodeWriter.Hex(required.Low, 4)} && attribute.Type <= {CodeWriter.Hex(required.High, 4)} && !global::IceSpec.Stun.StunAttributeRegistry.IsUnderstood(attribute.Type) && count < destination.Length && !destination[..count].Contains(attribute.Type))");
                w.Line("        destination[count++] = attribute.Type;");
                w.Line("return count;");
            }
            w.Line();
        }
    }

    /// <summary>TryValidate: structure, then the message rule of the (method, class) without a profile, if the spec has one.</summary>
    private static void EmitDispatch(CodeWriter w, ProtocolModel p)
    {
        w.Summary("Everything the spec says of this message: structure, then the rules of its method and class.");
        using (w.Block($"public static bool TryValidate(in {Message} message, out {Violation} violation)"))
        {
            w.Line("if (!TryValidateStructure(message, out violation)) return false;");
            if (!p.Messages.Any(m => m.Profile is null)) w.Line("return true;");
            else
            using (w.Block("switch (message.RawType)"))
            {
                foreach (var m in p.Messages.Where(m => m.Profile is null))
                {
                    var type = EncodeType(m.MethodCode, m.ClassBits);
                    w.Line($"case {CodeWriter.Hex(type, 4)}: return TryValidate{m.Identifier}(message, out violation);");
                }
                w.Line("default: return true;");
            }
        }
        w.Line();
        var profiles = p.Messages.Where(m => m.Profile is not null).Select(m => m.Profile!).Distinct().ToArray();
        w.Summary("The profiles (message variants) the spec defines rules for, e.g. \"ice-check\", by their spec names (what a command line offers).");
        w.Line($"public static global::System.Collections.Generic.IReadOnlyList<string> Profiles {{ get; }} = new string[] {{ {string.Join(", ", profiles.Select(CodeWriter.Str))} }};");
        w.Line();
        if (profiles.Length == 0) return;
        string Handle(string profile) => "Profile." + Binding.Names.ToIdentifier(profile);
        w.Summary("The profiles the spec defines rules for, as typed handles: a profile renamed in the spec breaks the build of code that names it.");
        using (w.Block("public enum Profile"))
            foreach (var profile in profiles) { w.Summary(profile); w.Line(Binding.Names.ToIdentifier(profile) + ","); }
        w.Line();
        w.Summary("The spec's name of a profile, e.g. \"ice-check\".");
        using (w.Block("public static string NameOf(Profile profile) => profile switch", "};"))
        {
            foreach (var profile in profiles) w.Line($"{Handle(profile)} => {CodeWriter.Str(profile)},");
            w.Line("_ => throw new global::System.ArgumentOutOfRangeException(nameof(profile)),");
        }
        w.Line();
        w.Summary("The profile the spec calls name (e.g. given on a command line); false if the spec has none of that name.");
        using (w.Block("public static bool TryParseProfile(string name, out Profile profile)"))
        {
            using (w.Block("switch (name)"))
            {
                foreach (var profile in profiles) w.Line($"case {CodeWriter.Str(profile)}: profile = {Handle(profile)}; return true;");
                w.Line("default: profile = default; return false;");
            }
        }
        w.Line();
        w.Summary("Like TryValidate, but with the rules of a profile where the spec has one for this method and class; otherwise the plain rules of the method and class.");
        using (w.Block($"public static bool TryValidate(in {Message} message, Profile profile, out {Violation} violation)"))
        {
            w.Line("if (!TryValidateStructure(message, out violation)) return false;");
            using (w.Block("switch (profile, message.RawType)"))
            {
                foreach (var m in p.Messages.Where(m => m.Profile is not null))
                    w.Line($"case ({Handle(m.Profile!)}, {CodeWriter.Hex(EncodeType(m.MethodCode, m.ClassBits), 4)}): return TryValidate{m.Identifier}(message, out violation);");
                foreach (var m in p.Messages.Where(m => m.Profile is null))
                    w.Line($"case (_, {CodeWriter.Hex(EncodeType(m.MethodCode, m.ClassBits), 4)}): return TryValidate{m.Identifier}(message, out violation);");
                w.Line("default: return true;");
            }
        }
        w.Line();
    }

    private static void EmitMessage(CodeWriter w, MessageRuleModel m)
    {
        var title = $"{m.MethodName} {m.ClassName}{(m.Profile is null ? "" : " as " + m.Profile)}";
        w.Summary($"The rules of a {title} ({m.Citation}).");
        using (w.Block($"public static bool TryValidate{m.Identifier}(in {Message} message, out {Violation} violation)"))
        {
            foreach (var clause in m.Clauses)
            {
                var citation = CodeWriter.Str(clause.Citation);
                switch (clause.Kind)
                {
                    case "required":
                        foreach (var a in clause.Attributes)
                            w.Line($"if (!message.Contains({Attr(a)})) {{ violation = new(Rules.{m.Identifier}.{ClauseRule(clause, a)!.Value.Member}, {citation}, {CodeWriter.Str($"a {title} must carry {a.Name}")}, {Attr(a)}); return false; }}");
                        break;
                    case "forbidden":
                        foreach (var a in clause.Attributes)
                            w.Line($"if (message.Contains({Attr(a)})) {{ violation = new(Rules.{m.Identifier}.{ClauseRule(clause, a)!.Value.Member}, {citation}, {CodeWriter.Str($"a {title} must not carry {a.Name}")}, {Attr(a)}); return false; }}");
                        break;
                    case "one-of":
                        var count = string.Join(" + ", clause.Attributes.Select(a => $"(message.Contains({Attr(a)}) ? 1 : 0)"));
                        var names = string.Join(", ", clause.Attributes.Select(a => a.Name));
                        w.Line($"if ({count} != 1) {{ violation = new(Rules.{m.Identifier}.{ClauseRule(clause, null)!.Value.Member}, {citation}, {CodeWriter.Str($"a {title} must carry exactly one of {names}")}, 0); return false; }}");
                        break;
                    case "optional" when clause.When is not null:
                        foreach (var a in clause.Attributes)
                            w.Line($"if (message.Contains({Attr(a)}) && !message.Contains({Attr(clause.When)})) {{ violation = new(Rules.{m.Identifier}.{ClauseRule(clause, a)!.Value.Member}, {citation}, {CodeWriter.Str($"{a.Name} is allowed in a {title} only with {clause.When.Name}")}, {Attr(a)}); return false; }}");
                        break;
                }
            }
            w.Line("violation = default;");
            w.Line("return true;");
        }
        w.Line();
    }

    /// <summary>RFC 8489 §5: the method bits with the class bits C0 (bit 4) and C1 (bit 8) interleaved.</summary>
    private static int EncodeType(int method, int cls) =>
        (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
}
