namespace IceSpec.Stun;

/// <summary>One entry of a generated requirement catalog: a spec element and the RFC text it implements.</summary>
public sealed record RequirementInfo(string Id, string Kind, string Subject, string Citation)
{
    /// <summary>MUST, SHOULD or MAY, from the quoted RFC text (RFC 2119 keywords); empty when the citation quotes none.</summary>
    public string Level =>
        Citation.Contains("MUST") ? "MUST" : Citation.Contains("SHOULD") ? "SHOULD" : Citation.Contains("MAY") ? "MAY" : "";
}
