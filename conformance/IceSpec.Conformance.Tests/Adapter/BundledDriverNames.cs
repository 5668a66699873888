namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>The drivers in conformance/drivers that every adapter test covers.</summary>
internal static class BundledDriverNames
{
    public static readonly string[] All = ["icespec", "libnice", "aioice", "werift", "pion"];

    /// <summary>
    /// Every driver in conformance/drivers/implementations.json: <see cref="All"/> and the browser, which the adapter tests
    /// over <see cref="All"/> leave out (they run on loopback, where Chromium gathers nothing): ChromiumDriverTests and
    /// ChromiumPairTests cover it.
    /// </summary>
    public static readonly string[] Declared = [.. All, "chromium"];
}
