using System.Text.RegularExpressions;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Server;

namespace IceSpec.Conformance.Tests.ServerCases;

[Trait("Category", "unit")]
public sealed class ExpectedFailuresTests
{
    [Fact]
    public void Globs_match_case_ids_and_targets_case_insensitively()
    {
        var list = ExpectedFailures.Parse("""
            # comment
            rfc8656-12.2-* coturn channel range of RFC 5766

            rfc8489-9-1 * every server here
            """);
        Assert.Equal(2, list.Count);
        Assert.Equal("channel range of RFC 5766", list.ReasonFor("rfc8656-12.2-3", "Coturn"));
        Assert.Null(list.ReasonFor("rfc8656-12.2-3", "icespec"));
        Assert.Equal("every server here", list.ReasonFor("rfc8489-9-1", "icespec"));
        Assert.Null(list.ReasonFor("rfc8489-9-10", "icespec"));
    }

    [Fact]
    public void A_reason_starting_intermittent_marks_the_entry_so_a_pass_is_no_surprise()
    {
        var list = ExpectedFailures.Parse("""
            rfc8445-6.1.2.3-1 lossy-10/aioice>pion intermittent: under 10 % loss the agents sometimes disagree
            rfc8445-6.1.2.3-1 no-nat/aioice>pion the agents disagree on the 5-tuple
            """);
        Assert.True(list.IsIntermittent("rfc8445-6.1.2.3-1", "lossy-10/aioice>pion"));
        Assert.False(list.IsIntermittent("rfc8445-6.1.2.3-1", "no-nat/aioice>pion"));
        Assert.False(list.IsIntermittent("rfc8445-6.1.2.3-1", "one-nat/aioice>pion"));
        Assert.Equal("intermittent: under 10 % loss the agents sometimes disagree", list.ReasonFor("rfc8445-6.1.2.3-1", "lossy-10/aioice>pion"));
    }

    [Fact]
    public void A_line_without_a_reason_is_an_error_naming_the_line()
    {
        var error = Assert.Throws<FormatException>(() => ExpectedFailures.Parse("rfc8489-9-1 coturn reason\nrfc8656-5-3 coturn\n", "list.txt"));
        Assert.Contains("list.txt:2", error.Message);
    }

    [Fact]
    public void The_shipped_list_names_only_existing_cases_and_gives_evidence() // server, ICE cell and agent cases
    {
        var path = Path.Combine(AppContext.BaseDirectory, "ServerCases", "expected-failures.txt");
        var ids = File.ReadAllLines(path).Where(l => l.StartsWith("rfc")).Select(l => l.Split(' ')[0]).ToArray();
        Assert.NotEmpty(ids);
        var known = ServerCaseSuite.Cases.Concat(IceSpec.Conformance.Runner.IceCases.All).Concat(IceSpec.Conformance.Runner.IceCases.ScenarioSpecific).Concat(IceSpec.Conformance.Cases.Agent.AgentCaseSuite.Cases)
            .Select(c => c.Id).ToHashSet();
        // An entry may be a glob (rfc8445-7.1.1-*): it must name at least one case.
        Assert.All(ids, id => Assert.Contains(known, k => Regex.IsMatch(k, "^" + Regex.Escape(id).Replace(@"\*", ".*").Replace(@"\?", ".") + "$")));
        Assert.Equal(ids.Length, ExpectedFailures.Load(path).Count);
    }

    [Fact]
    public void Case_ids_follow_rfc_section_ordinal_and_quote_the_rfc()
    {
        Assert.All(ServerCaseSuite.Cases, c =>
        {
            Assert.Matches(@"^rfc(5389|6062|8489|8656)-[0-9.]+-[0-9]+$", c.Id);
            Assert.StartsWith($"rfc{c.Rfc}-{c.Section}-", c.Id);
            Assert.True(c.RequirementText.Length > 40, c.Id);
            if (c.Level == RequirementLevel.Should) Assert.Matches("SHOULD|RECOMMENDED", c.RequirementText);
        });
    }
}
