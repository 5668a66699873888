namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>The drivers in conformance/drivers that every adapter test covers.</summary>
internal static class BundledDriverNames
{
    public static readonly string[] All = ["libnice", "aioice", "werift", "pion"];
}
