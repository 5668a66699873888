namespace IceSpec.Turn.Tests.Observability;

/// <summary>The scrape reader used by the endpoint tests objects to each thing it is meant to catch, and to nothing in a clean scrape.</summary>
[Trait("Category", "unit")]
public sealed class PrometheusScrapeTests
{
    [Theory]
    [InlineData("# TYPE sent counter\nsent 1\n", "counter 'sent' does not end with _total")]
    [InlineData("# TYPE a-b gauge\na-b 1\n", "bad name 'a-b'")]
    [InlineData("# TYPE up_total counter\n# TYPE up_total counter\nup_total 1\n", "'up_total' declared twice")]
    [InlineData("# HELP up x\n# HELP up y\n# TYPE up gauge\nup 1\n", "'up' described twice")]
    [InlineData("# TYPE up gauge\nup 1\ndown 1\n", "sample 'down' of no declared family")]
    [InlineData("# TYPE up gauge\nup_count 1\n", "sample 'up_count' of no declared family")] // only histograms have _count
    [InlineData("# TYPE up gauge\nup one\n", "no value in 'up one'")]
    public void Flags(string scrape, string problem) => Assert.Contains(problem, PrometheusScrape.Parse(scrape).Problems);

    [Fact]
    public void A_clean_scrape_has_no_problems()
    {
        var scrape = PrometheusScrape.Parse(
            "# HELP t_seconds Time.\n# TYPE t_seconds histogram\nt_seconds_bucket{le=\"+Inf\"} 1\nt_seconds_sum 0.5\nt_seconds_count 1\n"
            + "# HELP sent_total Sent.\n# TYPE sent_total counter\nsent_total{to=\"a b\"} 2\n");
        Assert.Empty(scrape.Problems);
        Assert.Equal(2, scrape.Samples["sent_total{to=\"a b\"}"]);
    }
}
