using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Fobnail.Qemu.Tests.Demo;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// What the token-held-secret tests share: a random key, the key put in the emulated token's flash for a guest
/// platform (as `fobnail-init secret new` would have left it there), and the search of every log of a run for it.
/// </summary>
internal static class TokenSecretFiles
{
    public static byte[] RandomKey() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(64);

    /// <summary>The platform ID (SHA-256 of the CBOR metadata) of a guest, from `platform metadata` with the guest's strings (the demo's SMBIOS manufacturer and product).</summary>
    public static string PlatformId(string mac, string serial)
    {
        var psi = new ProcessStartInfo(Repo.InitBinary, ["platform", "metadata", "--json", "--meta", $"mac={mac}", "--meta", "manufacturer=Fobnail Demo",
            "--meta", "product_name=QEMU Guest", "--meta", $"serial_number={serial}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
        return JsonDocument.Parse(stdout).RootElement.GetProperty("platform_id").GetString()!;
    }

    /// <summary>
    /// The FTS file <paramref name="name"/> of the platform (<paramref name="mac"/>, <paramref name="serial"/>) in the
    /// token's flash (<c>&lt;platform id&gt;_NAME</c>, where the firmware and the emulator keep a platform's files).
    /// </summary>
    public static void StoreOnToken(DemoRig rig, string mac, string serial, string name, byte[] key) =>
        File.WriteAllBytes(Path.Combine(rig.Token.StateDir, $"{PlatformId(mac, serial)}_{name}"), key);

    /// <summary>No log of the run holds a key: raw bytes in the file, hex in either case or base64 in its text.</summary>
    public static void AssertNowhere(ITestOutputHelper output, IEnumerable<string> logs, params byte[][] keys)
    {
        foreach (string path in logs)
        {
            byte[] bytes = File.ReadAllBytes(path);
            string text = Encoding.UTF8.GetString(bytes);
            foreach (byte[] key in keys)
            {
                Assert.True(bytes.AsSpan().IndexOf(key) < 0, $"{path} holds the key's raw bytes");
                Assert.True(bytes.AsSpan().IndexOf(key.AsSpan(0, 16)) < 0, $"{path} holds the key's first 16 raw bytes");
                foreach (string form in new[] { Convert.ToHexStringLower(key), Convert.ToHexString(key), Convert.ToHexStringLower(key)[..32], Convert.ToBase64String(key) })
                    Assert.False(text.Contains(form, StringComparison.Ordinal), $"{path} holds the key as text");
            }
            output.WriteLine($"searched {path} ({bytes.Length} bytes): no key");
        }
    }
}
