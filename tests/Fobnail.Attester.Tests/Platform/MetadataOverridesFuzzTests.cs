using System.Text;
using Fobnail.Attester.Platform;

namespace Fobnail.Attester.Tests.Platform;

/// <summary>The override file is operator input read by PID 1: random text only ever parses or throws PlatformMetadataException.</summary>
public class MetadataOverridesFuzzTests
{
    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void Random_override_text_only_throws_PlatformMetadataException(int seed)
    {
        var random = new Random(seed);
        string[] pieces = ["mac", "manufacturer", "product_name", "serial_number", "=", "\n", "\r\n", "#", ":", "aa", "zz", " ", "\0", "é", "52:54:00:00:00:01"];
        for (int i = 0; i < 20000; i++)
        {
            var sb = new StringBuilder();
            int n = random.Next(0, 20);
            for (int k = 0; k < n; k++)
                sb.Append(random.Next(4) == 0 ? (char)random.Next(0, 0x300) : pieces[random.Next(pieces.Length)]);
            try
            {
                MetadataOverrides o = MetadataOverrides.Parse(sb.ToString());
                Assert.True(o.Mac is null || o.Mac.Length == 6);
            }
            catch (PlatformMetadataException)
            {
            }
        }
    }
}
