using IceSpec.Conformance.Cases;

namespace IceSpec.Conformance.Tests;

public sealed class CaseModelTests
{
    [Theory]
    [InlineData(8489, "6.3.4", 1, "rfc8489-6.3.4-1")]
    [InlineData(8656, "7.2", 12, "rfc8656-7.2-12")]
    public void Case_id_is_rfc_section_and_ordinal(int rfc, string section, int ordinal, string expected) =>
        Assert.Equal(expected, CaseInfo.MakeId(rfc, section, ordinal));
}
