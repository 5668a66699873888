using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace IceSpec.Generators.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. IDs are ISPECnnn; each message says what is wrong and how to fix the spec.
/// Shipped IDs are listed in AnalyzerReleases.Shipped.md.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string Category = "IceSpec.Spec";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SyntaxError = Error("ISPEC001", "Spec syntax error",
        "Unexpected {0}; expected {1}. Fix the spec text here (see spec/README.md for the grammar).");

    public static readonly DiagnosticDescriptor MissingCitation = Error("ISPEC002", "Element without an RFC citation",
        "{0} '{1}' has no RFC citation; add one such as \"RFC 8489 §14.7\" before the closing ';' or '{{'");

    public static readonly DiagnosticDescriptor MalformedCitation = Error("ISPEC003", "Malformed RFC citation",
        "Citation \"{0}\" is not of the form \"RFC <number> §<section>[: quoted text]\"; write e.g. \"RFC 8489 §14.7\"");

    public static readonly DiagnosticDescriptor Duplicate = Error("ISPEC004", "Duplicate definition",
        "{0} '{1}' is already defined (as '{2}'); give it another name or code, or remove one of them");

    public static readonly DiagnosticDescriptor UnknownName = Error("ISPEC005", "Unknown name",
        "{0} '{1}' is not defined in this protocol or its imports; declare it, import its protocol, or fix the spelling");

    public static readonly DiagnosticDescriptor CodeOutOfRange = Error("ISPEC006", "Code out of range",
        "{0} {1} is outside {2}; use a value in that range");

    public static readonly DiagnosticDescriptor MissingProtocol = Error("ISPEC007", "Spec without protocol",
        "The file declares no protocol; start it with a line such as: protocol acme \"RFC 8489 §18.3\";");

    public static readonly DiagnosticDescriptor MissingInitialState = Error("ISPEC008", "Machine without one initial state",
        "Machine '{0}' has {1} initial states; mark exactly one state 'initial'");

    public static readonly DiagnosticDescriptor InvalidFormat = Error("ISPEC009", "Invalid wire format",
        "Wire format of '{0}' is invalid: {1}");

    public static readonly DiagnosticDescriptor UnreachableState = Warning("ISPEC010", "Unreachable state",
        "State '{0}' of machine '{1}' is never entered by any transition; add a transition to it or remove it");

    public static readonly DiagnosticDescriptor InvalidExpression = Error("ISPEC011", "Invalid machine expression",
        "{0}; fix the expression in machine '{1}'");

    public static readonly DiagnosticDescriptor MissingNamespace = Error("ISPEC012", "Spec without namespace",
        "Protocol '{0}' declares no namespace for its generated code; add a line such as: namespace Acme.Stun;");

    public static readonly DiagnosticDescriptor UnusedConst = Warning("ISPEC013", "Unused spec constant",
        "Const '{0}' is used by no formula or const of the spec and named by no code of this project ({1}.{2}); use it, or remove it from the spec");

    public static readonly IReadOnlyDictionary<string, DiagnosticDescriptor> ById = new[]
    {
        SyntaxError, MissingCitation, MalformedCitation, Duplicate, UnknownName, CodeOutOfRange, MissingProtocol,
        MissingInitialState, InvalidFormat, UnreachableState, InvalidExpression, MissingNamespace, UnusedConst,
    }.ToDictionary(d => d.Id);
}
