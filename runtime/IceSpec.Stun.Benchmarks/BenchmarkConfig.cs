using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace IceSpec.Stun.Benchmarks;

/// <summary>
/// Adds Min and Median columns, and a machine-readable CSV (<c>*-report-raw.csv</c>: invariant culture, times in ns,
/// sizes in bytes, no units in cells, zeros printed) next to the default exporters, so run-vs-libnice.sh reads the
/// results without guessing units.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddExporter(new RawCsvExporter());
        AddColumn(StatisticColumn.Min, StatisticColumn.Median);
    }

    private sealed class RawCsvExporter() : CsvExporter(CsvSeparator.Comma,
        new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, sizeUnit: SizeUnit.B, timeUnit: TimeUnit.Nanosecond,
            printUnitsInContent: false, printZeroValuesInContent: true))
    {
        protected override string FileNameSuffix => "-raw";
    }
}
