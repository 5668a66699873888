using System.Text.RegularExpressions;
using IceSpec.Conformance.Reports;

namespace IceSpec.Conformance.Tests.Reports;

/// <summary>The HTML report, opened in headless Chromium, renders one matrix per scenario with every cell, and the server cases.</summary>
[Trait("Category", "interop")]
public sealed class HtmlReportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-html-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Chromium_renders_the_matrix_cells_details_and_server_cases()
    {
        var report = SampleReport.Create();
        var html = Path.Combine(_directory, ReportFiles.Html);
        HtmlReport.Write(report, html);

        var dom = await HeadlessChromium.DumpDomAsync(html, Path.Combine(_directory, "profile"));

        var impls = SampleReport.Implementations.Length;
        Assert.Equal(report.Scenarios.Count, Regex.Matches(dom, "<table class=\"matrix\"").Count);
        Assert.Equal(report.Scenarios.Count * impls * impls, Regex.Matches(dom, "<td class=\"cell ").Count);
        Assert.Equal(report.Cells.Count(c => c.Outcome == Cases.CaseOutcome.Failed), Regex.Matches(dom, "<td class=\"cell failed\"").Count);
        Assert.Equal(report.Cells.Count, Regex.Matches(dom, "<details class=\"cell-details").Count);
        Assert.Contains("RFC 8445 §6.1.2.3: pairs are ordered by priority", dom);
        Assert.Contains("href=\"no-nat/libnice-aioice/public.pcap\"", dom);
        Assert.Contains("id=\"server-cases\"", dom);
        Assert.Contains("detail &lt;1&gt; &amp; more", dom);

        // The coverage of the generated catalogs: every wire-observable requirement is listed once, covered or not.
        var rows = IceSpec.Conformance.Coverage.RequirementCoverage.Compute().Where(r => r.WireObservable).ToList();
        Assert.Contains($"{rows.Count(r => r.Covered)} of {rows.Count} wire-observable requirements", dom);
        Assert.Equal(rows.Count(r => !r.Covered), Regex.Matches(dom, "<tr class=\"uncovered\"").Count);
        Assert.Equal(rows.Count(r => r.Covered), Regex.Matches(dom, "<tr class=\"covered\"").Count);
    }

    [Fact]
    public async Task Chromium_takes_a_screenshot_of_the_report()
    {
        var html = Path.Combine(_directory, ReportFiles.Html);
        HtmlReport.Write(SampleReport.Create(), html);
        var png = Path.Combine(_directory, "report.png");

        await HeadlessChromium.ScreenshotAsync(html, png, Path.Combine(_directory, "profile"));

        var bytes = await File.ReadAllBytesAsync(png);
        Assert.True(bytes.Length > 10_000, $"screenshot is only {bytes.Length} bytes");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
    }
}
