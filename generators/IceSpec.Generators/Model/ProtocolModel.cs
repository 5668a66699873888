namespace IceSpec.Generators.Model;

// The bound model: one protocol with every name resolved, ready to emit. Like the syntax model it is plain,
// equatable data: the emit step re-runs only when this value changes.

public sealed record ProtocolModel(
    string Name, string Namespace, string Prefix, string Citation,
    EquatableArray<MethodModel> Methods, EquatableArray<ClassModel> Classes,
    EquatableArray<AttributeModel> Attributes, EquatableArray<StructModel> Structs,
    EquatableArray<ErrorModel> Errors, EquatableArray<AlgorithmModel> Algorithms,
    EquatableArray<RangeModel> Ranges, EquatableArray<OrderRuleModel> OrderRules,
    EquatableArray<MessageRuleModel> Messages, EquatableArray<MachineModel> Machines,
    EquatableArray<RequirementModel> Requirements, EquatableArray<ConstModel> Constants, EquatableArray<FormulaModel> Formulas)
{
    /// <summary>Declared <c>standalone</c> (see <see cref="ProtocolDecl.Standalone"/>).</summary>
    public bool Standalone { get; init; }
}

/// <summary>A protocol constant, its value folded at generation time.</summary>
public sealed record ConstModel(string Name, string Identifier, long Value, string Citation);

/// <summary>A formula: parameters and a body over them and the protocol's constants (positions removed).</summary>
public sealed record FormulaModel(string Name, string Identifier, EquatableArray<string> Parameters, Expr Body, string Citation);

public sealed record MethodModel(string Name, string Identifier, int Code, string Citation);

public sealed record ClassModel(string Name, string Identifier, int Bits, string Citation);

public sealed record RangeModel(string Kind, int Low, int High, string Citation);

public sealed record AttributeModel(string Name, string Identifier, int Code, WireType Format, bool Reserved, bool ComprehensionRequired, string Citation);

public sealed record StructModel(string Name, string Identifier, EquatableArray<FieldDecl> Fields, string Citation);

public sealed record ErrorModel(int Code, string Reason, string Identifier, string? FormerReason, string? FormerCitation, string Citation);

public sealed record AlgorithmModel(string Name, string Identifier, int Code, string Citation);

/// <summary>
/// An attribute as a rule names it: enough to emit a check or a typed property without the declaring protocol's model
/// (<paramref name="Accessors"/> is the fully qualified accessor class of the protocol that declares it).
/// </summary>
public sealed record AttributeRef(string Name, int Code, string Identifier, WireType Format, string Accessors);

/// <summary><c>X last</c> (Allowed empty) or <c>after X only …</c>.</summary>
public sealed record OrderRuleModel(string Name, AttributeRef Attribute, EquatableArray<AttributeRef> Allowed, string Citation);

public sealed record MessageRuleModel(
    string MethodName, int MethodCode, string ClassName, int ClassBits, string? Profile, string Identifier,
    EquatableArray<ClauseModel> Clauses, string Citation);

public sealed record ClauseModel(string Kind, EquatableArray<AttributeRef> Attributes, AttributeRef? When, string Citation);

/// <summary>One entry of the requirement catalog: an element of the spec and the RFC text it implements.</summary>
public sealed record RequirementModel(string Id, string Kind, string Subject, string Citation);

public sealed record MachineModel(
    string Name, string Identifier, string Citation,
    EquatableArray<ValueMember> Values, EquatableArray<CounterMember> Counters, EquatableArray<TimerMember> Timers,
    EquatableArray<StateMember> States, EquatableArray<string> Events,
    EquatableArray<TransitionModel> Transitions, EquatableArray<string> NamedGuards, EquatableArray<string> Calls);

/// <summary>One edge: a transition with several sources or events is expanded into one edge per pair.</summary>
public sealed record TransitionModel(string From, string To, string Event, Expr? Guard, EquatableArray<MachineAction> Actions, string Citation);
