using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IceSpec.Turn.Tests.Server;

/// <summary>A self-signed certificate for localhost written as PEM files (certificate and key), deleted on dispose.</summary>
public sealed class SelfSignedCertificate : IDisposable
{
    public SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Directory = Path.Combine(Path.GetTempPath(), "icespec-tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        CertificateFile = Path.Combine(Directory, "cert.pem");
        KeyFile = Path.Combine(Directory, "key.pem");
        File.WriteAllText(CertificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(KeyFile, key.ExportPkcs8PrivateKeyPem());
    }

    public string Directory { get; }

    public string CertificateFile { get; }

    public string KeyFile { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
