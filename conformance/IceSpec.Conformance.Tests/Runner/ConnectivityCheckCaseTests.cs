using System.Net;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Runner;
using IceSpec.Stun;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>The wire case on hand-made pcaps: a check built as RFC 8445 §7 says passes; each missing attribute fails with its rule.</summary>
[Trait("Category", "unit")]
public sealed class ConnectivityCheckCaseTests : IDisposable
{
    private static readonly IPEndPoint Server = new(IPAddress.Parse("203.0.113.1"), 3478);
    private static readonly IPEndPoint A = new(IPAddress.Parse("10.1.1.2"), 40000);
    private static readonly IPEndPoint B = new(IPAddress.Parse("10.2.1.2"), 41000);
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-check-case-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_check_with_username_priority_integrity_and_role_passes()
    {
        var pcap = Write("good.pcap", (A, B, Check(priority: true, controlling: true, useCandidate: true)));

        var (outcome, detail) = ConnectivityCheckCase.Judge([pcap], Server);

        Assert.Equal(CaseOutcome.Passed, outcome);
        Assert.StartsWith("1 checks", detail);
    }

    [Fact]
    public void A_check_without_priority_fails_naming_the_rule_and_frame()
    {
        var pcap = Write("no-priority.pcap", (A, B, Check(priority: true, controlling: true)), (B, A, Check(priority: false, controlling: false)));

        var (outcome, detail) = ConnectivityCheckCase.Judge([pcap], Server);

        Assert.Equal(CaseOutcome.Failed, outcome);
        Assert.Contains("frame 2", detail);
        Assert.Contains("RFC 8445 §7.1.1", detail);
    }

    [Fact]
    public void Use_candidate_from_the_controlled_agent_fails()
    {
        var pcap = Write("controlled-nominates.pcap", (B, A, Check(priority: true, controlling: false, useCandidate: true)));

        var (outcome, detail) = ConnectivityCheckCase.Judge([pcap], Server);

        Assert.Equal(CaseOutcome.Failed, outcome);
        Assert.Contains("RFC 8445 §7.1.2", detail);
    }

    [Fact]
    public void A_binding_request_to_the_stun_server_is_not_a_check()
    {
        var pcap = Write("gathering.pcap", (A, Server, Plain()));

        var (outcome, detail) = ConnectivityCheckCase.Judge([pcap], Server);

        Assert.Equal(CaseOutcome.Failed, outcome);
        Assert.Equal("no connectivity check in the pcaps", detail);
    }

    private static byte[] Check(bool priority, bool controlling, bool useCandidate = false)
    {
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddUsername("bbbb:aaaa");
        if (priority) builder.AddPriority(0x6E7F1EFF);
        if (controlling) builder.AddIceControlling(42); else builder.AddIceControlled(42);
        if (useCandidate) builder.AddUseCandidate();
        builder.AddMessageIntegrity(StunKey.ShortTerm("password-of-b-22-chars"));
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    private static byte[] Plain()
    {
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        return builder.Written.ToArray();
    }

    private string Write(string name, params (IPEndPoint From, IPEndPoint To, byte[] Payload)[] datagrams) =>
        HandMadePcap.Write(Path.Combine(_directory, name), [.. datagrams.Select(d => new HandMadeDatagram(d.From, d.To, d.Payload))]);
}
