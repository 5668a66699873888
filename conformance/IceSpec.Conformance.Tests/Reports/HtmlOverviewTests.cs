using System.Text.Json;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Reports;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace IceSpec.Conformance.Tests.Reports;

/// <summary>
/// The overview of the HTML report, opened from a file:// URL in headless Chromium at 1366×768 for a report the size of a
/// default run: it fits the first screen, shows every cell and case run with its outcome, counts them right, the
/// "failures only" filter hides what passed and keeps what failed, and a failing mark's link opens its details.
/// Screenshots are saved beside the test assembly: report-overview.png, report-failures-only.png, report-arrived.png.
/// </summary>
[Trait("Category", "interop")]
public sealed class HtmlOverviewTests(ITestOutputHelper output) : IDisposable
{
    private const int Width = 1366;
    private const int Height = 768;

    /// <summary>The outcome classes and count labels the report documents (README "What comes out"), written out here.</summary>
    private static readonly Dictionary<CaseOutcome, (string Class, string Label)> Documented = new()
    {
        [CaseOutcome.Passed] = ("passed", "passed"),
        [CaseOutcome.Failed] = ("failed", "failed"),
        [CaseOutcome.Unsupported] = ("unsupported", "unsupported"),
        [CaseOutcome.ExpectedFailure] = ("expected", "expected failure"),
        [CaseOutcome.UnexpectedPass] = ("unexpected", "unexpected pass"),
        [CaseOutcome.Inconclusive] = ("inconclusive", "inconclusive"),
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-overview-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_overview_fits_one_screen_shows_every_cell_counts_filters_and_links_to_details()
    {
        var report = DefaultRunReport.Create();
        var html = Path.Combine(_directory, ReportFiles.Html);
        HtmlReport.Write(report, html);

        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium(),
            Headless = true,
            UserDataDir = Path.Combine(_directory, "profile"),
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"], // root needs --no-sandbox
            DefaultViewport = new ViewPortOptions { Width = Width, Height = Height },
            Timeout = 60_000,
        });
        try
        {
            await using var page = await browser.NewPageAsync();
            page.DefaultTimeout = 30_000;
            await page.GoToAsync(new Uri(html).AbsoluteUri);
            await page.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "report-overview.png"));

            // The overview and each of its parts lie within the first 1366×768 viewport.
            var boxes = await Evaluate<List<Box>>("""
                [...document.querySelectorAll('#overview, #overview .legend, #overview .ov-block, #overview table.ov')].map(e => {
                  const r = e.getBoundingClientRect();
                  return { name: e.id || e.className, left: r.left, top: r.top, right: r.right, bottom: r.bottom };
                })
                """, page);
            Assert.Equal(new[] { Width, Height }, await Evaluate<int[]>("[window.innerWidth, window.innerHeight]", page));
            Assert.Equal(1 + 1 + 3 + 3, boxes.Count); // overview, legend, cells + agent + server blocks and grids
            Assert.Empty(boxes.Where(b => b.Left < 0 || b.Top < 0 || b.Right > Width || b.Bottom > Height).Select(b => b.ToString()));

            // Every cell and case run of the model is a mark in its grid, with its outcome's class; positions without a cell say "not run".
            var marks = await Evaluate<List<Mark>>("""
                [...document.querySelectorAll('#overview a.o')].map(e => ({ key: e.dataset.cell || e.dataset.run || '', classes: e.className, visible: e.checkVisibility({ visibilityProperty: true }) }))
                """, page);
            var expected = Expected(report);
            var byKey = marks.ToDictionary(m => m.Key);
            Assert.Empty(expected.Where(e => !byKey.TryGetValue(e.Key, out var mark) || !mark.Classes.Split(' ').Contains(Documented[e.Value].Class))
                .Select(e => $"{e.Key} ({e.Value}): {(byKey.TryGetValue(e.Key, out var m) ? m.Classes : "missing")}"));
            Assert.Empty(marks.Where(m => !expected.ContainsKey(m.Key)).Select(m => $"{m.Key}: not in the report"));
            var notRun = await Evaluate<int>("document.querySelectorAll('#overview-cells .o.none').length", page);
            Assert.Equal(DefaultRunReport.NotRunInLossy10.Length, notRun);

            // The counts by outcome, as shown, are the model's (and the empty positions are counted as not run).
            await AssertCounts(page, "overview-cells", report.Cells.Select(c => c.Outcome), notRun: DefaultRunReport.NotRunInLossy10.Length);
            await AssertCounts(page, "overview-agent-loopback", report.AgentCases.Select(r => r.Outcome), notRun: 0);
            await AssertCounts(page, "overview-server", report.ServerCases.Select(r => r.Outcome), notRun: 0);

            // "failures only": the failed and unexpectedly passing marks stay visible, every other mark is hidden, in place.
            Assert.All(marks, m => Assert.True(m.Visible, m.Key));
            await page.ClickAsync("#failures-only");
            var filtered = (await Evaluate<List<Mark>>("""
                [...document.querySelectorAll('#overview a.o')].map(e => ({ key: e.dataset.cell || e.dataset.run || '', classes: e.className, visible: e.checkVisibility({ visibilityProperty: true }) }))
                """, page)).ToDictionary(m => m.Key);
            await page.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "report-failures-only.png"));
            Assert.Empty(expected.Where(e => filtered[e.Key].Visible != IsFailing(e.Value)).Select(e => $"{e.Key} ({e.Value}) visible: {filtered[e.Key].Visible}"));
            var details = await Evaluate<int[]>("""
                [...document.querySelectorAll('details.cell-details')].reduce((n, d) => { n[d.checkVisibility() ? 0 : 1]++; return n; }, [0, 0])
                """, page);
            Assert.Equal(new[] { report.Cells.Count(c => IsFailing(c.Outcome)), report.Cells.Count(c => !IsFailing(c.Outcome)) }, details);

            // Following a failing cell's mark lands on its details: the hash names them, they are open, highlighted and on screen.
            var cell = report.Cells.First(c => c.Outcome == CaseOutcome.Failed && c.Scenario != report.Cells[0].Scenario);
            var arrival = await Follow(page, $"{cell.Scenario}/{cell.Controlling}>{cell.Controlled}/{cell.Nomination}", "data-cell");
            Assert.Equal("DETAILS", arrival.Tag);
            Assert.Contains($"{cell.Scenario}: {cell.Controlling} (controlling) → {cell.Controlled} (controlled)", arrival.Summary);
            Assert.True(arrival.Open && arrival.Visible && arrival.Highlighted && arrival.OnScreen, arrival.ToString());
            await page.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "report-arrived.png"));

            // … and so does a failing agent case run's mark (its details inside the agent cases table).
            var run = report.AgentCases.First(r => r.Outcome == CaseOutcome.Failed);
            arrival = await Follow(page, $"{run.Scenario}/{run.Implementation}/{run.Case.Id}", "data-run");
            Assert.Equal("DETAILS", arrival.Tag);
            Assert.Contains(run.Detail, arrival.Text);
            Assert.True(arrival.Open && arrival.Visible && arrival.Highlighted && arrival.OnScreen, arrival.ToString());
            output.WriteLine($"{marks.Count} marks, {boxes.Count} boxes within {Width}×{Height}; screenshots in {AppContext.BaseDirectory}");
        }
        finally
        {
            await browser.CloseAsync();
        }
    }

    /// <summary>Every mark the overview must hold: cells by scenario/pair/nomination, case runs by placement/implementation/case.</summary>
    private static Dictionary<string, CaseOutcome> Expected(ConformanceReport report) =>
        report.Cells.Select(c => ($"{c.Scenario}/{c.Controlling}>{c.Controlled}/{c.Nomination}", c.Outcome))
            .Concat(report.AgentCases.Concat(report.ServerCases).Select(r => ($"{r.Scenario}/{r.Implementation}/{r.Case.Id}", r.Outcome)))
            .ToDictionary(x => x.Item1, x => x.Item2);

    private static bool IsFailing(CaseOutcome outcome) => outcome is CaseOutcome.Failed or CaseOutcome.UnexpectedPass;

    /// <summary>The counts line of one overview block reads "N label" for each outcome present, and "N not run".</summary>
    private static async Task AssertCounts(IPage page, string block, IEnumerable<CaseOutcome> outcomes, int notRun)
    {
        var shown = await Evaluate<string[]>($"[...document.querySelectorAll('#{block} h2 .count')].map(e => e.textContent)", page);
        var expected = outcomes.GroupBy(o => o).Select(g => $"{g.Count()} {Documented[g.Key].Label}").ToList();
        if (notRun > 0) expected.Add($"{notRun} not run");
        Assert.Equal(expected.Order(), shown.Order());
    }

    /// <summary>Clicks the overview mark with <paramref name="attribute"/> = <paramref name="key"/> and describes where it landed.</summary>
    private static async Task<Arrival> Follow(IPage page, string key, string attribute)
    {
        var selector = $"#overview a.o[{attribute}=\"{key}\"]";
        var href = await Evaluate<string>($"document.querySelector('{selector.Replace("'", "\\'")}').getAttribute('href')", page);
        await page.ClickAsync(selector);
        await page.WaitForFunctionAsync($"() => location.hash === {JsonSerializer.Serialize(href)}");
        try
        {
            // hashchange is dispatched after the navigation: give the report's script its turn (the checks below say what is missing).
            await page.WaitForFunctionAsync("() => document.getElementById(decodeURIComponent(location.hash.slice(1)))?.classList.contains('arrived')",
                new WaitForFunctionOptions { Timeout = 5_000 });
        }
        catch (WaitTaskTimeoutException)
        {
        }
        return await Evaluate<Arrival>("""
            (() => {
              const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
              const r = target.getBoundingClientRect();
              return { tag: target.tagName, open: !!target.open, visible: target.checkVisibility({ visibilityProperty: true }),
                       highlighted: target.classList.contains('arrived'), onScreen: r.top > -1 && r.top < window.innerHeight && r.left > -1 && r.left < window.innerWidth && r.height > 0, // -1: sub-pixel scroll top: r.top, left: r.left, scrollY: window.scrollY,
                       summary: target.querySelector('summary')?.textContent ?? '', text: target.innerText };
            })()
            """, page);
    }

    private static async Task<T> Evaluate<T>(string expression, IPage page) =>
        JsonSerializer.Deserialize<T>(await page.EvaluateExpressionAsync<string>($"JSON.stringify({expression})"), JsonOptions)!;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Debian's chromium (scripts/install-deps.sh installs it).</summary>
    private static string Chromium() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "chromium")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("chromium is not on PATH: install the Debian package chromium (scripts/install-deps.sh)");

    private sealed record Box(string Name, double Left, double Top, double Right, double Bottom);

    private sealed record Mark(string Key, string Classes, bool Visible);

    private sealed record Arrival(string Tag, bool Open, bool Visible, bool Highlighted, bool OnScreen, double Top, double Left, double ScrollY, string Summary, string Text);
}
