using System.Buffers.Binary;
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

    /// <summary>A classic libpcap file (magic a1b2c3d4, version 2.4, Ethernet link type) of UDP datagrams between IPv4 endpoints.</summary>
    private string Write(string name, params (IPEndPoint From, IPEndPoint To, byte[] Payload)[] datagrams)
    {
        var path = Path.Combine(_directory, name);
        using var file = new BinaryWriter(File.Create(path));
        file.Write(0xa1b2c3d4u); file.Write((ushort)2); file.Write((ushort)4); file.Write(0); file.Write(0u); file.Write(65535u); file.Write(1u);
        foreach (var (from, to, payload) in datagrams)
        {
            var frame = new byte[14 + 20 + 8 + payload.Length];
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
            var ip = frame.AsSpan(14);
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload.Length));
            ip[8] = 64;
            ip[9] = 17;
            from.Address.GetAddressBytes().CopyTo(ip[12..]);
            to.Address.GetAddressBytes().CopyTo(ip[16..]);
            var udp = ip[20..];
            BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)from.Port);
            BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)to.Port);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
            payload.CopyTo(udp[8..]);
            file.Write(1_700_000_000u); file.Write(0u); file.Write((uint)frame.Length); file.Write((uint)frame.Length);
            file.Write(frame);
        }
        return path;
    }
}
