using System.Net;
using IceSpec.Ice.Mdns;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Mdns;

/// <summary>The responder for the agent's own names (RFC 6762 §6, draft-ietf-mmusic-mdns-ice-candidates §3.1.1) and the candidates it makes.</summary>
[Trait("Category", "unit")]
public sealed class MdnsResponderTests
{
    private static readonly IPAddress Host = IPAddress.Parse("10.1.0.2");
    private static readonly IPEndPoint MdnsPeer = new(IPAddress.Parse("10.1.0.3"), 5353);

    [Fact]
    public void A_name_is_a_fresh_version_4_UUID_under_local_and_is_kept_for_its_address()
    {
        var responder = new MdnsResponder();
        var name = responder.NameOf(Host);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.local$", name);
        Assert.Equal(name, responder.NameOf(Host));
        Assert.NotEqual(name, responder.NameOf(IPAddress.Parse("10.1.0.9")));
        Assert.NotEqual(name, new MdnsResponder().NameOf(Host));
    }

    [Fact]
    public void A_multicast_query_for_its_name_gets_a_multicast_answer_with_cache_flush_and_TTL_120()
    {
        var responder = new MdnsResponder();
        var name = responder.NameOf(Host);
        var reply = responder.Answer(MdnsMessage.Query(new MdnsQuestion(name.ToUpperInvariant(), MdnsRecordTypes.A, true), new MdnsQuestion(name, MdnsRecordTypes.Aaaa, true)), MdnsPeer)!;
        Assert.Null(reply.UnicastTo);
        Assert.Equal((0, true), (reply.Message.Id, reply.Message.IsResponse));
        Assert.Empty(reply.Message.Questions);
        Assert.Equal(new MdnsRecord(name.ToUpperInvariant(), MdnsRecordTypes.A, true, 120, Host), reply.Message.Answers.Single());
    }

    [Fact]
    public void Questions_for_other_names_or_the_other_family_get_no_answer()
    {
        var responder = new MdnsResponder();
        var name = responder.NameOf(Host);
        Assert.Null(responder.Answer(MdnsMessage.Query(new MdnsQuestion("other.local", MdnsRecordTypes.A, false)), MdnsPeer));
        Assert.Null(responder.Answer(MdnsMessage.Query(new MdnsQuestion(name, MdnsRecordTypes.Aaaa, false)), MdnsPeer));
        Assert.Null(responder.Answer(MdnsMessage.Response(0, [new MdnsRecord(name, MdnsRecordTypes.A, true, 120, Host)]), MdnsPeer));
    }

    [Fact]
    public void A_legacy_unicast_query_is_answered_to_its_source_with_its_ID_and_question_and_TTL_10()
    {
        var responder = new MdnsResponder();
        var name = responder.NameOf(Host);
        var source = new IPEndPoint(IPAddress.Parse("10.1.0.3"), 40000);
        var query = MdnsMessage.Query(new MdnsQuestion(name, MdnsRecordTypes.A, false)) with { Id = 4242 };
        var reply = responder.Answer(query, source)!;
        Assert.Equal(source, reply.UnicastTo);
        Assert.Equal(4242, reply.Message.Id);
        Assert.Equal(query.Questions, reply.Message.Questions);
        Assert.Equal(new MdnsRecord(name, MdnsRecordTypes.A, false, 10, Host), reply.Message.Answers.Single());
    }

    [Fact]
    public void A_query_that_already_knows_the_answer_gets_none()
    {
        var responder = new MdnsResponder();
        var name = responder.NameOf(Host);
        var query = new MdnsMessage(0, false, [new MdnsQuestion(name, MdnsRecordTypes.A, false)], [new MdnsRecord(name, MdnsRecordTypes.A, true, 100, Host)], 1);
        Assert.Null(responder.Answer(query, MdnsPeer));
    }

    [Fact]
    public void The_goodbye_gives_every_name_with_TTL_0()
    {
        var responder = new MdnsResponder();
        var name = responder.NameOf(Host);
        Assert.Equal(new MdnsRecord(name, MdnsRecordTypes.A, true, 0, Host), responder.Goodbye()!.Answers.Single());
    }

    [Fact]
    public void A_concealed_host_candidate_carries_its_name_and_a_server_reflexive_one_raddr_0_0_0_0_rport_9()
    {
        var names = new Dictionary<IPAddress, string> { [Host] = "1f0c6e36-4b5f-4b6f-9d77-3c9a2f1e8b10.local" };
        var host = IceCandidate.Parse("candidate:1 1 UDP 2130706431 10.1.0.2 40000 typ host");
        var srflx = IceCandidate.Parse("candidate:2 1 UDP 1694498815 198.51.100.6 50000 typ srflx raddr 10.1.0.2 rport 40000");
        var other = IceCandidate.Parse("candidate:3 1 UDP 2130706431 10.9.0.2 40000 typ host");
        Assert.Equal("candidate:1 1 UDP 2130706431 1f0c6e36-4b5f-4b6f-9d77-3c9a2f1e8b10.local 40000 typ host", MdnsCandidates.Conceal(host, names).Format());
        Assert.Equal("candidate:2 1 UDP 1694498815 198.51.100.6 50000 typ srflx raddr 0.0.0.0 rport 9", MdnsCandidates.Conceal(srflx, names).Format());
        Assert.Same(other, MdnsCandidates.Conceal(other, names));
    }
}
