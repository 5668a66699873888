using System.Collections.Generic;
using System.Linq;
using IceSpec.Generators.Diagnostics;
using IceSpec.Generators.Model;
using IceSpec.Generators.Parsing;

namespace IceSpec.Generators.Binding;

/// <summary>The names one protocol declares and imports, and the checks that turn its declarations into a model.</summary>
internal sealed class ProtocolScope
{
    private readonly Dictionary<string, AttributeDecl> _ownAttributes = new();
    private readonly Dictionary<string, StructDecl> _ownStructs = new();
    private readonly Dictionary<string, MethodDecl> _ownMethods = new();
    private readonly Dictionary<string, ClassDecl> _ownClasses = new();
    private readonly List<ProtocolScope> _imports = new();
    private bool _hasDeclarationErrors;
    private bool _importsIncomplete;

    public ProtocolScope(ParsedSpec file, ProtocolDecl protocol)
    {
        File = file;
        Protocol = protocol;
    }

    public ParsedSpec File { get; }

    public ProtocolDecl Protocol { get; }

    private string Path => File.Path;

    private IEnumerable<Declaration> Declarations => File.Declarations;

    /// <summary>Collects the names this file declares, reporting duplicates (same name, or same code).</summary>
    public void Declare(List<DiagnosticInfo> diagnostics)
    {
        var attributeCodes = new Dictionary<int, string>();
        foreach (var attribute in Declarations.OfType<AttributeDecl>())
        {
            if (_ownAttributes.TryGetValue(attribute.Name, out var existing))
                diagnostics.Add(Diag(DiagnosticDescriptors.Duplicate, attribute.Span, "Attribute", attribute.Name, existing.Name));
            else if (attributeCodes.TryGetValue(attribute.Code, out var sameCode))
                diagnostics.Add(Diag(DiagnosticDescriptors.Duplicate, attribute.Span, "Attribute code", Hex(attribute.Code, 4), sameCode));
            else
            {
                _ownAttributes[attribute.Name] = attribute;
                attributeCodes[attribute.Code] = attribute.Name;
            }
        }
        var methodCodes = new Dictionary<int, string>();
        foreach (var method in Declarations.OfType<MethodDecl>())
        {
            if (_ownMethods.ContainsKey(method.Name) || methodCodes.ContainsKey(method.Code))
                diagnostics.Add(Diag(DiagnosticDescriptors.Duplicate, method.Span, "Method", method.Name,
                    methodCodes.TryGetValue(method.Code, out var other) ? other : method.Name));
            else
            {
                _ownMethods[method.Name] = method;
                methodCodes[method.Code] = method.Name;
            }
        }
        foreach (var cls in Declarations.OfType<ClassDecl>()) _ownClasses[cls.Name] = cls;
        foreach (var structure in Declarations.OfType<StructDecl>())
        {
            if (_ownStructs.ContainsKey(structure.Name))
                diagnostics.Add(Diag(DiagnosticDescriptors.Duplicate, structure.Span, "Struct", structure.Name, structure.Name));
            else _ownStructs[structure.Name] = structure;
        }
        var errorCodes = new Dictionary<int, string>();
        var errorIdentifiers = new Dictionary<string, ErrorDecl>();
        foreach (var error in Declarations.OfType<ErrorDecl>())
        {
            if (errorCodes.TryGetValue(error.Code, out var firstReason))
                diagnostics.Add(Diag(DiagnosticDescriptors.Duplicate, error.Span, "Error code", error.Code.ToString(), firstReason));
            else if (errorIdentifiers.TryGetValue(Names.ToIdentifier(error.Reason), out var sameName))
                diagnostics.Add(Diag(DiagnosticDescriptors.Duplicate, error.Span, "Error reason", error.Reason, $"{sameName.Code} {sameName.Reason}"));
            else
            {
                errorCodes[error.Code] = error.Reason;
                errorIdentifiers[Names.ToIdentifier(error.Reason)] = error;
            }
        }

        // Everything else that becomes a C# name or a switch case must be unique too, or the generated code does not compile.
        var attributeIdentifiers = new Dictionary<string, string>();
        foreach (var attribute in Declarations.OfType<AttributeDecl>().Where(a => _ownAttributes.TryGetValue(a.Name, out var kept) && kept == a))
        {
            var identifier = Names.ToIdentifier(attribute.Name);
            if (attributeIdentifiers.TryGetValue(identifier, out var first))
            {
                diagnostics.Add(Diag(DiagnosticDescriptors.Duplicate, attribute.Span, "Attribute", attribute.Name, first));
                _ownAttributes.Remove(attribute.Name);
            }
            else attributeIdentifiers[identifier] = attribute.Name;
        }
        CheckUnique(Declarations.OfType<ClassDecl>(), c => Names.ToIdentifier(c.Name), c => c.Name, "Class", diagnostics);
        CheckUnique(Declarations.OfType<ClassDecl>(), c => c.Bits.ToString(), c => c.Name, "Class bits", diagnostics);
        CheckUnique(Declarations.OfType<AlgorithmDecl>(), a => Names.ToIdentifier(a.Name), a => a.Name, "Password algorithm", diagnostics);
        CheckUnique(Declarations.OfType<AlgorithmDecl>(), a => a.Code.ToString(), a => a.Name, "Password algorithm code", diagnostics);
        CheckUnique(Declarations.OfType<RuleDecl>(), r => Names.ToIdentifier(r.Name), r => r.Name, "Rule", diagnostics);
        CheckUnique(Declarations.OfType<MessageDecl>(), m => $"{m.Method.Name} {m.Class.Name} {m.Profile}",
            m => $"{m.Method.Name} {m.Class.Name}{(m.Profile is null ? "" : " as " + m.Profile)}", "Message", diagnostics);
        CheckUnique(Declarations.OfType<MachineDecl>(), m => Names.ToIdentifier(m.Name), m => m.Name, "Machine", diagnostics);
        _hasDeclarationErrors = diagnostics.Any(d => d.Path == Path && DiagnosticDescriptors.ById[d.Id].DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }

    private void CheckUnique<T>(IEnumerable<T> items, System.Func<T, string> key, System.Func<T, string> name, string kind, List<DiagnosticInfo> diagnostics)
        where T : Declaration
    {
        var seen = new Dictionary<string, string>();
        foreach (var item in items)
        {
            if (seen.TryGetValue(key(item), out var first)) diagnostics.Add(Diag(DiagnosticDescriptors.Duplicate, item.Span, kind, name(item), first));
            else seen[key(item)] = name(item);
        }
    }

    /// <param name="someFileFailed">A file did not parse: an unknown import may be that file, so its names are not
    /// reported as unknown (the syntax error is the one to fix).</param>
    public void ResolveImports(Dictionary<string, ProtocolScope> scopes, bool someFileFailed, List<DiagnosticInfo> diagnostics)
    {
        foreach (var import in Declarations.OfType<ImportDecl>())
        {
            if (scopes.TryGetValue(import.Protocol, out var imported) && imported != this) _imports.Add(imported);
            else if (someFileFailed && import.Protocol != Protocol.Name) _importsIncomplete = true;
            else diagnostics.Add(Diag(DiagnosticDescriptors.UnknownName, import.Span, "Protocol", import.Protocol));
        }
    }

    /// <summary>This scope and everything it imports, directly or not, each once (imports may form a cycle), nearest first.</summary>
    private IEnumerable<ProtocolScope> Visible()
    {
        var seen = new HashSet<ProtocolScope> { this };
        var queue = new Queue<ProtocolScope>();
        queue.Enqueue(this);
        while (queue.Count > 0)
        {
            var scope = queue.Dequeue();
            yield return scope;
            foreach (var import in scope._imports)
                if (seen.Add(import)) queue.Enqueue(import);
        }
    }

    private AttributeDecl? FindAttribute(string name) => FindAttributeWithOwner(name)?.Decl;

    private (AttributeDecl Decl, ProtocolScope Owner)? FindAttributeWithOwner(string name) =>
        Visible().Where(s => s._ownAttributes.ContainsKey(name)).Select(s => ((AttributeDecl, ProtocolScope)?)(s._ownAttributes[name], s)).FirstOrDefault();

    private (StructDecl Decl, ProtocolScope Owner)? FindStruct(string name) =>
        Visible().Where(s => s._ownStructs.ContainsKey(name)).Select(s => ((StructDecl, ProtocolScope)?)(s._ownStructs[name], s)).FirstOrDefault();

    private string? Namespace => Declarations.OfType<NamespaceDecl>().FirstOrDefault()?.Name;

    private MethodDecl? FindMethod(string name) =>
        Visible().Select(s => s._ownMethods.TryGetValue(name, out var m) ? m : null).FirstOrDefault(m => m is not null);

    private ClassDecl? FindClass(string name) =>
        Visible().Select(s => s._ownClasses.TryGetValue(name, out var c) ? c : null).FirstOrDefault(c => c is not null);

    private IEnumerable<RangeDecl> Ranges => Visible().SelectMany(s => s.Declarations.OfType<RangeDecl>());

    /// <summary>Builds the model, or returns null when an error makes emitting pointless.</summary>
    /// <summary>After <see cref="Build"/>: the consts no formula or const of this spec names (ISPEC013 if no code names them either).</summary>
    public EquatableArray<UnusedConst> UnusedInSpec { get; private set; } = EquatableArray<UnusedConst>.Empty;

    private EquatableArray<UnusedConst> UnusedConsts(EquatableArray<ConstModel> constants)
    {
        var named = new HashSet<string>();
        foreach (var c in Declarations.OfType<ConstDecl>()) NamesIn(c.Value, named);
        foreach (var f in Declarations.OfType<FormulaDecl>()) NamesIn(f.Body, named);
        var bound = new HashSet<string>(constants.Select(c => c.Name));
        return Declarations.OfType<ConstDecl>()
            .Where(c => bound.Contains(c.Name) && !named.Contains(c.Name))
            .Select(c => new UnusedConst(c.Name, Names.ToIdentifier(c.Name), Names.ToIdentifier(Protocol.Name) + "Formulas", File.Path, c.Span))
            .ToEquatableArray();
    }

    private static void NamesIn(Expr expr, HashSet<string> names)
    {
        switch (expr)
        {
            case NameExpr n: names.Add(n.Name); break;
            case BinaryExpr b: NamesIn(b.Left, names); NamesIn(b.Right, names); break;
            case NotExpr n: NamesIn(n.Operand, names); break;
            case CallExpr c: foreach (var a in c.Arguments) NamesIn(a, names); break;
        }
    }

    public ProtocolModel? Build(List<DiagnosticInfo> diagnostics)
    {
        var before = diagnostics.Count;
        CheckCitations(diagnostics);
        if (_importsIncomplete) return null; // an imported file did not parse: its names would all look unknown

        var ns = Declarations.OfType<NamespaceDecl>().FirstOrDefault();
        if (ns is null && File.Emit)
            diagnostics.Add(Diag(DiagnosticDescriptors.MissingNamespace, Protocol.Span, Protocol.Name));

        var requirements = new List<RequirementModel>();
        var perKind = new Dictionary<string, int>();
        void Require(string kind, string subject, Citation? citation)
        {
            if (citation is null) return;
            perKind[kind] = perKind.TryGetValue(kind, out var n) ? n + 1 : 1;
            requirements.Add(new RequirementModel($"{Protocol.Name}.{kind}.{perKind[kind]:000}", kind, subject, citation.Text));
        }

        var methods = Declarations.OfType<MethodDecl>().Select(m =>
        {
            if (m.Code < 0 || m.Code > 0xFFF) diagnostics.Add(Diag(DiagnosticDescriptors.CodeOutOfRange, m.Span, "Method", Hex(m.Code, 3), "0x000..0xFFF (12 bits)"));
            Require("method", m.Name, m.Citation);
            return new MethodModel(m.Name, Names.ToIdentifier(m.Name), m.Code, Text(m.Citation));
        }).ToEquatableArray();

        var classes = Declarations.OfType<ClassDecl>().Select(c =>
        {
            if (c.Bits < 0 || c.Bits > 3) diagnostics.Add(Diag(DiagnosticDescriptors.CodeOutOfRange, c.Span, "Class", c.Bits.ToString(), "0..3 (the C1 C0 bits)"));
            return new ClassModel(c.Name, Names.ToIdentifier(c.Name), c.Bits, Text(c.Citation));
        }).ToEquatableArray();

        var ranges = Declarations.OfType<RangeDecl>().Select(r =>
        {
            Require("range", r.Kind, r.Citation);
            return new RangeModel(r.Kind, r.Low, r.High, Text(r.Citation));
        }).ToEquatableArray();

        var attributes = Declarations.OfType<AttributeDecl>().Where(a => _ownAttributes.TryGetValue(a.Name, out var kept) && kept == a).Select(a =>
        {
            if (a.Code < 0 || a.Code > 0xFFFF) diagnostics.Add(Diag(DiagnosticDescriptors.CodeOutOfRange, a.Span, "Attribute", Hex(a.Code, 4), "0x0000..0xFFFF"));
            var format = ResolveFormat(a.Name, a.Format, diagnostics, topLevel: true);
            Require("attribute", a.Name, a.Citation);
            return new AttributeModel(a.Name, Names.ToIdentifier(a.Name), a.Code, PositionFree.Of(format), a.Reserved, IsComprehensionRequired(a.Code), Text(a.Citation));
        }).ToEquatableArray();

        var structs = _ownStructs.Values.OrderBy(s => s.Span.Start).Select(s =>
            new StructModel(s.Name, Names.ToIdentifier(s.Name),
                s.Fields.Select(f => PositionFree.Of(f with { Type = ResolveFormat(s.Name + "." + f.Name, f.Type, diagnostics, topLevel: false) })).ToEquatableArray(),
                Text(s.Citation))).ToEquatableArray();

        var errors = Declarations.OfType<ErrorDecl>().Select(e =>
        {
            if (e.Code < 300 || e.Code > 699) diagnostics.Add(Diag(DiagnosticDescriptors.CodeOutOfRange, e.Span, "Error code", e.Code.ToString(), "300..699 (RFC 8489 §14.8)"));
            Require("error", e.Code + " " + e.Reason, e.Citation);
            return new ErrorModel(e.Code, e.Reason, Names.ToIdentifier(e.Reason), e.FormerReason, e.FormerCitation?.Text, Text(e.Citation));
        }).ToEquatableArray();

        var algorithms = Declarations.OfType<AlgorithmDecl>().Select(a =>
        {
            Require("password-algorithm", a.Name, a.Citation);
            return new AlgorithmModel(a.Name, Names.ToIdentifier(a.Name), a.Code, Text(a.Citation));
        }).ToEquatableArray();

        var orderRules = Declarations.OfType<RuleDecl>().Select(r =>
        {
            var subject = ResolveAttribute(new NameRef(r.Attribute, r.AttributeSpan), diagnostics);
            var allowed = r.OnlyAfter.Select(n => ResolveAttribute(n, diagnostics)).Where(a => a is not null).Select(a => a!).ToEquatableArray();
            Require("order", r.IsLastRule ? $"{r.Attribute} last" : $"after {r.Attribute} only {string.Join(", ", r.OnlyAfter.Select(n => n.Name))}", r.Citation);
            return subject is null ? null : new OrderRuleModel(r.Name, subject, allowed, Text(r.Citation));
        }).Where(r => r is not null).Select(r => r!).ToEquatableArray();

        var messages = Declarations.OfType<MessageDecl>().Select(m => BindMessage(m, diagnostics, Require)).Where(m => m is not null).Select(m => m!).ToEquatableArray();

        var formulaBinder = new FormulaBinder(this, diagnostics);
        var constants = Declarations.OfType<ConstDecl>().Select(c =>
        {
            Require("const", c.Name, c.Citation);
            return formulaBinder.Bind(c);
        }).Where(c => c is not null).Select(c => c!).ToEquatableArray();
        var formulas = Declarations.OfType<FormulaDecl>().Select(f =>
        {
            Require("formula", f.Name, f.Citation);
            return formulaBinder.Bind(f);
        }).Where(f => f is not null).Select(f => f!).ToEquatableArray();

        var machines = Declarations.OfType<MachineDecl>().Select(m => new MachineBinder(this, m, diagnostics).Bind(Require)).Where(m => m is not null).Select(m => m!).ToEquatableArray();
        UnusedInSpec = UnusedConsts(constants);

        if (_hasDeclarationErrors || diagnostics.Skip(before).Any(d => DiagnosticDescriptors.ById[d.Id].DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) || ns is null)
            return null;

        return new ProtocolModel(Protocol.Name, ns.Name, Names.ToIdentifier(Protocol.Name), Text(Protocol.Citation),
            methods, classes, attributes, structs, errors, algorithms, ranges, orderRules, messages, machines, requirements.ToEquatableArray(),
            constants, formulas) { Standalone = Protocol.Standalone };
    }

    private MessageRuleModel? BindMessage(MessageDecl m, List<DiagnosticInfo> diagnostics, System.Action<string, string, Citation?> require)
    {
        var method = FindMethod(m.Method.Name);
        var cls = FindClass(m.Class.Name);
        if (method is null) diagnostics.Add(Diag(DiagnosticDescriptors.UnknownName, m.Method.Span, "Method", m.Method.Name));
        if (cls is null) diagnostics.Add(Diag(DiagnosticDescriptors.UnknownName, m.Class.Span, "Class", m.Class.Name));
        var title = $"{m.Method.Name} {m.Class.Name}{(m.Profile is null ? "" : " as " + m.Profile)}";
        var clauses = m.Clauses.Select(c =>
        {
            var attributes = c.Attributes.Select(n => ResolveAttribute(n, diagnostics)).Where(a => a is not null).Select(a => a!).ToEquatableArray();
            var when = c.When is null ? null : ResolveAttribute(c.When, diagnostics);
            var citation = c.Citation ?? m.Citation;
            require("message", $"{title}: {c.Kind} {string.Join(", ", c.Attributes.Select(a => a.Name))}{(c.When is null ? "" : " when " + c.When.Name)}", citation);
            return new ClauseModel(c.Kind, attributes, when, Text(citation));
        }).ToEquatableArray();
        if (method is null || cls is null) return null;
        var identifier = Names.ToIdentifier(m.Method.Name) + Names.ToIdentifier(m.Class.Name) + (m.Profile is null ? "" : Names.ToIdentifier(m.Profile));
        return new MessageRuleModel(method.Name, method.Code, cls.Name, cls.Bits, m.Profile, identifier, clauses, Text(m.Citation));
    }

    private AttributeRef? ResolveAttribute(NameRef name, List<DiagnosticInfo> diagnostics)
    {
        if (FindAttributeWithOwner(name.Name) is not { } found)
        {
            diagnostics.Add(Diag(DiagnosticDescriptors.UnknownName, name.Span, "Attribute", name.Name));
            return null;
        }
        var (attribute, owner) = found;
        return new AttributeRef(attribute.Name, attribute.Code, Names.ToIdentifier(attribute.Name), PositionFree.Of(attribute.Format),
            $"global::{owner.Namespace}.{Names.ToIdentifier(owner.Protocol.Name)}AttributeAccessors");
    }

    /// <summary>Checks a wire format and replaces struct names by the struct's fields (so emit needs no look-ups).</summary>
    private WireType ResolveFormat(string owner, WireType format, List<DiagnosticInfo> diagnostics, bool topLevel)
    {
        switch (format)
        {
            case NamedType or InlineStructType when !topLevel:
                diagnostics.Add(Diag(DiagnosticDescriptors.InvalidFormat, format.Span, owner, "a struct field is an integer, bytes or utf8; structs do not nest"));
                return format;
            case PrimitiveType { Name: "address" or "xor-address" or "error-code" } primitive when !topLevel:
                diagnostics.Add(Diag(DiagnosticDescriptors.InvalidFormat, primitive.Span, owner, $"a struct field is an integer, bytes or utf8, not '{primitive.Name}'"));
                return format;
            case NamedType named:
                if (FindStruct(named.Name) is not { } found)
                {
                    diagnostics.Add(Diag(DiagnosticDescriptors.UnknownName, named.Span, "Struct", named.Name));
                    return format;
                }
                return new InlineStructType(found.Decl.Fields.Select(f => f with { Type = ResolveFormat(owner, f.Type, diagnostics, false) }).ToEquatableArray(),
                    named.Span, $"global::{found.Owner.Namespace}.{Names.ToIdentifier(found.Decl.Name)}");
            case InlineStructType inline:
                return inline with { Fields = inline.Fields.Select(f => f with { Type = ResolveFormat(owner, f.Type, diagnostics, false) }).ToEquatableArray() };
            case ListType list:
                if (!topLevel)
                {
                    diagnostics.Add(Diag(DiagnosticDescriptors.InvalidFormat, list.Span, owner, "a struct field is an integer, bytes or utf8; a list can only be a whole attribute value"));
                    return format;
                }
                if (list.Element is ListType)
                    diagnostics.Add(Diag(DiagnosticDescriptors.InvalidFormat, list.Span, owner, "a list of lists has no element boundaries; wrap the inner list in a struct with a length-prefixed field"));
                else if (list.Element is not (PrimitiveType { Name: "u16" } or NamedType or InlineStructType))
                {
                    diagnostics.Add(Diag(DiagnosticDescriptors.InvalidFormat, list.Span, owner, $"a list holds u16 values or structs, not {Emit.FormatText.Describe(list.Element)}; wrap the element in a struct"));
                    return format;
                }
                return list with { Element = ResolveStruct(owner, list.Element, diagnostics) };
            case BytesType bytes:
                if (bytes.Fixed is not null && bytes.Max is not null)
                    diagnostics.Add(Diag(DiagnosticDescriptors.InvalidFormat, bytes.Span, owner, "'bytes N' is already fixed-size; drop 'max'"));
                if (bytes.Pad is not null && bytes.Pad != 4)
                    diagnostics.Add(Diag(DiagnosticDescriptors.InvalidFormat, bytes.Span, owner, "STUN pads to 4 bytes; write 'pad 4'"));
                if (topLevel && bytes.LengthPrefix is not null)
                    diagnostics.Add(Diag(DiagnosticDescriptors.InvalidFormat, bytes.Span, owner, "an attribute value already has a length; 'length u16' belongs to a struct field"));
                return format;
            case PrimitiveType primitive when !topLevel && primitive.Name is "hmac-sha1" or "hmac-sha256" or "fingerprint" or "empty":
                diagnostics.Add(Diag(DiagnosticDescriptors.InvalidFormat, primitive.Span, owner, $"'{primitive.Name}' is a whole attribute value and cannot be a field or list element"));
                return format;
            default:
                return format;
        }
    }

    /// <summary>A list element: u16, or a struct (named or inline) whose fields are checked as fields.</summary>
    private WireType ResolveStruct(string owner, WireType element, List<DiagnosticInfo> diagnostics) =>
        element is PrimitiveType ? element : ResolveFormat(owner, element, diagnostics, topLevel: true);

    private bool IsComprehensionRequired(int code)
    {
        foreach (var range in Ranges.Where(r => r.Kind is "comprehension-required" or "comprehension-optional"))
            if (code >= range.Low && code <= range.High) return range.Kind == "comprehension-required";
        return code < 0x8000;
    }

    private void CheckCitations(List<DiagnosticInfo> diagnostics)
    {
        void Check(string kind, string name, SourceSpan span, Citation? citation)
        {
            if (citation is null) diagnostics.Add(Diag(DiagnosticDescriptors.MissingCitation, span, kind, name));
            else if (!CitationRules.IsWellFormed(citation.Text)) diagnostics.Add(Diag(DiagnosticDescriptors.MalformedCitation, citation.Span, citation.Text));
        }

        foreach (var declaration in Declarations)
        {
            switch (declaration)
            {
                case NamespaceDecl or ImportDecl: break;
                case MessageDecl message:
                    Check("Message", $"{message.Method.Name} {message.Class.Name}", message.Span, message.Citation);
                    foreach (var clause in message.Clauses)
                        if (clause.Citation is not null) Check("Clause", clause.Kind, clause.Span, clause.Citation);
                    break;
                case MachineDecl machine:
                    Check("Machine", machine.Name, machine.Span, machine.Citation);
                    foreach (var member in machine.Members) Check(MemberKind(member), MemberName(member), member.Span, member.Citation);
                    break;
                default:
                    Check(DeclarationKind(declaration), DeclarationName(declaration), declaration.Span, declaration.Citation);
                    break;
            }
        }
    }

    private static string DeclarationKind(Declaration d) => d switch
    {
        ProtocolDecl => "Protocol", ClassDecl => "Class", MethodDecl => "Method", RangeDecl => "Range", AttributeDecl => "Attribute",
        StructDecl => "Struct", ErrorDecl => "Error", AlgorithmDecl => "Password algorithm", RuleDecl => "Rule", ConstDecl => "Const",
        FormulaDecl => "Formula", _ => "Declaration",
    };

    private static string DeclarationName(Declaration d) => d switch
    {
        ProtocolDecl p => p.Name, ClassDecl c => c.Name, MethodDecl m => m.Name, RangeDecl r => r.Kind, AttributeDecl a => a.Name,
        StructDecl s => s.Name, ErrorDecl e => e.Code.ToString(), AlgorithmDecl a => a.Name, RuleDecl r => r.Name, ConstDecl c => c.Name,
        FormulaDecl f => f.Name, _ => "",
    };

    private static string MemberKind(MachineMember m) => m switch
    {
        ValueMember { Settable: true } => "Param", ValueMember => "Const", CounterMember => "Counter", TimerMember => "Timer",
        StateMember => "State", EventMember => "Event", _ => "Transition",
    };

    private static string MemberName(MachineMember m) => m switch
    {
        ValueMember v => v.Name, CounterMember c => c.Name, TimerMember t => t.Name, StateMember s => s.Name, EventMember e => e.Name,
        TransitionMember t => $"{string.Join(", ", t.From.Select(f => f.Name))} -> {t.To.Name}", _ => "",
    };

    internal DiagnosticInfo Diag(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, SourceSpan span, params string[] arguments) =>
        DiagnosticInfo.Create(descriptor, Path, span, arguments);

    internal static string Text(Citation? citation) => citation?.Text ?? "";

    private static string Hex(int value, int digits) => "0x" + value.ToString("X" + digits);
}
