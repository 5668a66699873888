using System.Runtime.InteropServices;

namespace IceSpec.Captures;

/// <summary>
/// The native libpcap that SharpPcap binds to, looked for before a capture is opened. Without it SharpPcap reads the
/// library's version as 0.0 and fails with a PlatformNotSupportedException ("pcap version is &lt; 1.5.1") that does not
/// say the library is missing.
/// </summary>
public static class NativeLibpcap
{
    /// <summary>The Debian package that installs the shared object (libpcap.so.0.8).</summary>
    public const string DebianPackage = "libpcap0.8";

    /// <summary>The names SharpPcap's resolver tries on Linux, in its order (LibPcapSafeNativeMethods.Resolver).</summary>
    private static readonly string[] SharedObjectNames = ["libpcap.so", "libpcap.so.0", "libpcap.so.0.8", "libpcap.so.1"];

    private static readonly Lazy<bool> Loadable = new(() => SharedObjectNames.Any(name => NativeLibrary.TryLoad(name, out _)));

    /// <summary>True when one of the names loads (the handle stays loaded: SharpPcap uses the same library next).</summary>
    public static bool IsLoadable => Loadable.Value;

    /// <exception cref="MissingLibraryException">No libpcap shared object loads.</exception>
    public static void EnsureLoadable(string neededFor = "reading captures")
    {
        if (!IsLoadable) throw new MissingLibraryException("libpcap (libpcap.so.0.8)", DebianPackage, neededFor);
    }
}
