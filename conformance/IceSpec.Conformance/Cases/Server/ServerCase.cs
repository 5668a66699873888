namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// One black-box server case: its <see cref="CaseInfo"/> (ID, level, RFC text), the requirement-catalog subjects it
/// covers (<c>StunRequirements.All</c> / <c>TurnRequirements.All</c>, matched by subject in Coverage/), and its body.
/// </summary>
public sealed record ServerCase(CaseInfo Info, IReadOnlyList<string> Covers, Func<ServerCaseContext, Task<CaseVerdict>> Run)
{
    /// <summary>Runs against the target's <see cref="ServerTarget.QuotaTarget"/> when it has one (the 486 and 508 cases).</summary>
    public bool OnQuotaTarget { get; init; }

    /// <summary>A case with ID <c>rfc&lt;rfc&gt;-&lt;section&gt;-&lt;ordinal&gt;</c>.</summary>
    public static ServerCase Define(int rfc, string section, int ordinal, RequirementLevel level, string title, string requirementText,
        string[] covers, Func<ServerCaseContext, Task<CaseVerdict>> run) =>
        new(new CaseInfo(CaseInfo.MakeId(rfc, section, ordinal), rfc, section, level, title, requirementText), covers, run);
}
