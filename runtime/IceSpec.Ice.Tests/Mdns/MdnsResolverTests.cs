using System.Net;
using IceSpec.Ice.Mdns;

namespace IceSpec.Ice.Tests.Mdns;

/// <summary>The querier (draft-ietf-mmusic-mdns-ice-candidates §3.2, RFC 6762 §5) on a virtual clock.</summary>
[Trait("Category", "unit")]
public sealed class MdnsResolverTests
{
    private const string Name = "1f0c6e36-4b5f-4b6f-9d77-3c9a2f1e8b10.local";
    private static readonly TimeSpan S = TimeSpan.FromSeconds(1);

    private static MdnsMessage Answer(string name, params string[] addresses) =>
        MdnsMessage.Response(0, [.. addresses.Select(a => new MdnsRecord(name, MdnsRecordTypes.A, true, 120, IPAddress.Parse(a)))]);

    [Fact]
    public void The_first_query_asks_A_and_AAAA_with_the_QU_bit_and_the_repeats_without_it()
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(5), 4);
        Assert.Null(resolver.Start(Name, TimeSpan.Zero));
        var first = resolver.PollQuery(TimeSpan.Zero)!;
        Assert.Equal([new(Name, MdnsRecordTypes.A, true), new(Name, MdnsRecordTypes.Aaaa, true)], first.Questions);
        Assert.Null(resolver.PollQuery(0.9 * S));
        Assert.Equal(S, resolver.NextDeadline);
        Assert.All(resolver.PollQuery(S)!.Questions, q => Assert.False(q.UnicastResponse));
        Assert.Equal(3 * S, resolver.NextDeadline);
        Assert.NotNull(resolver.PollQuery(3 * S));
        Assert.Equal(5 * S, resolver.NextDeadline);
    }

    [Fact]
    public void An_answer_resolves_the_name_to_its_address()
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(5), 4);
        resolver.Start(Name, TimeSpan.Zero);
        resolver.PollQuery(TimeSpan.Zero);
        var done = resolver.Handle(Answer(Name.ToUpperInvariant(), "10.1.0.3"), TimeSpan.Zero);
        Assert.Equal(new MdnsResolution(Name.ToUpperInvariant(), IPAddress.Parse("10.1.0.3"), null), done.Single());
        Assert.Equal(0, resolver.PendingCount);
    }

    [Fact]
    public void No_answer_within_the_timeout_fails_the_name_with_the_timeout_in_the_reason()
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(2), 4);
        resolver.Start(Name, TimeSpan.Zero);
        Assert.Empty(resolver.Expire(1.9 * S));
        var expired = resolver.Expire(2 * S).Single();
        Assert.Null(expired.Address);
        Assert.Contains("no mDNS answer within 2 s", expired.Failure);
        Assert.Null(resolver.NextDeadline);
    }

    [Fact]
    public void Two_addresses_for_one_name_fail_it()
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(5), 4);
        resolver.Start(Name, TimeSpan.Zero);
        var done = resolver.Handle(Answer(Name, "10.1.0.3", "10.1.0.4"), TimeSpan.Zero).Single();
        Assert.Null(done.Address);
        Assert.Contains("§3.2.2", done.Failure);
    }

    [Fact]
    public void Queries_goodbyes_and_other_names_resolve_nothing()
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(5), 4);
        resolver.Start(Name, TimeSpan.Zero);
        Assert.Empty(resolver.Handle(MdnsMessage.Query(new MdnsQuestion(Name, MdnsRecordTypes.A, false)), TimeSpan.Zero));
        Assert.Empty(resolver.Handle(MdnsMessage.Response(0, [new MdnsRecord(Name, MdnsRecordTypes.A, true, 0, IPAddress.Parse("10.1.0.3"))]), TimeSpan.Zero));
        Assert.Empty(resolver.Handle(Answer("other.local", "10.1.0.3"), TimeSpan.Zero));
        Assert.Equal(1, resolver.PendingCount);
    }

    [Theory]
    [InlineData("host.example.com")]
    [InlineData("a.b.local")]
    [InlineData(".local")]
    [InlineData("10.0.0.1")]
    public void Only_a_single_label_dot_local_name_is_looked_up(string name)
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(5), 4);
        var refused = resolver.Start(name, TimeSpan.Zero)!.Failure;
        Assert.Contains("§3.2.1", refused);
    }

    [Fact]
    public void A_lookup_past_the_limit_is_refused()
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(5), 1);
        Assert.Null(resolver.Start(Name, TimeSpan.Zero));
        var refused = resolver.Start("x" + Name, TimeSpan.Zero)!.Failure;
        Assert.Contains("1 mDNS lookups are already pending", refused);
    }

    [Fact]
    public void A_name_announced_before_the_lookup_resolves_at_once_from_the_cache()
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(5), 4);
        Assert.Empty(resolver.Handle(Answer(Name, "10.1.0.2"), TimeSpan.Zero));
        Assert.Equal(new MdnsResolution(Name, IPAddress.Parse("10.1.0.2"), null), resolver.Start(Name, 0.5 * S));
        Assert.Equal(0, resolver.PendingCount);
        Assert.Null(resolver.PollQuery(0.5 * S));
    }

    [Fact]
    public void A_cached_name_expires_with_its_TTL_and_a_goodbye_removes_it()
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(5), 4);
        resolver.Handle(Answer(Name, "10.1.0.2"), TimeSpan.Zero);
        Assert.Null(resolver.Start(Name, 121 * S));
        var other = "2" + Name[1..];
        resolver.Handle(Answer(other, "10.1.0.4"), TimeSpan.Zero);
        resolver.Handle(MdnsMessage.Response(0, [new MdnsRecord(other, MdnsRecordTypes.A, true, 0, IPAddress.Parse("10.1.0.4"))]), S);
        Assert.Null(resolver.Start(other, 2 * S));
    }

    [Fact]
    public void The_cache_holds_at_most_MaxCached_names()
    {
        var resolver = new MdnsResolver(TimeSpan.FromSeconds(5), 4);
        for (var i = 0; i <= MdnsResolver.MaxCached; i++) resolver.Handle(Answer($"{i:D8}{Name[8..]}", "10.1.0.2"), TimeSpan.Zero);
        Assert.NotNull(resolver.Start($"{0:D8}{Name[8..]}", S));
        Assert.Null(resolver.Start($"{MdnsResolver.MaxCached:D8}{Name[8..]}", S));
    }
}
