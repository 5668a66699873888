using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Runner;

namespace IceSpec.Conformance.Tests;

[Trait("Category", "unit")]
public sealed class CaseModelTests
{
    [Theory]
    [InlineData(8489, "6.3.4", 1, "rfc8489-6.3.4-1")]
    [InlineData(8656, "7.2", 12, "rfc8656-7.2-12")]
    public void Case_id_is_rfc_section_and_ordinal(int rfc, string section, int ordinal, string expected) =>
        Assert.Equal(expected, CaseInfo.MakeId(rfc, section, ordinal));

    /// <summary>A case ID names one requirement check in the whole kit: reports, coverage and known failures key on it.</summary>
    [Fact]
    public void Case_ids_are_unique_across_cell_agent_and_server_cases()
    {
        var ids = IceCases.All.Concat(IceCases.ScenarioSpecific).Concat(AgentCaseSuite.Cases).Concat(ServerCaseSuite.Cases).Select(c => c.Id).ToList();
        Assert.Empty(ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.All(ids, id => Assert.Matches(@"^rfc\d{4}-[0-9.]+-\d+$", id));
    }

    [Fact]
    /// <summary>
    /// A SHOULD case quotes a SHOULD or RECOMMENDED. A MUST case quotes a MUST — or, where RFC 8445 states its algorithm
    /// as a procedure without RFC 2119 keywords (triggered checks, nomination, the valid list), that procedure.
    /// </summary>
    public void Every_agent_case_quotes_its_rfc_says_what_the_tester_does_and_its_level_matches_the_text()
    {
        Assert.All(AgentCaseSuite.All, c =>
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Procedure), c.Info.Id);
            Assert.True(c.Info.RequirementText.Length > 20, c.Info.Id);
            Assert.Equal(c.Info.Id, CaseInfo.MakeId(c.Info.Rfc, c.Info.Section, int.Parse(c.Info.Id.Split('-')[^1])));
            var text = c.Info.RequirementText;
            if (c.Info.Level == RequirementLevel.Should) Assert.True(text.Contains("SHOULD") || text.Contains("RECOMMENDED"), $"{c.Info.Id} is SHOULD but its text has no SHOULD/RECOMMENDED");

        });
    }
}
