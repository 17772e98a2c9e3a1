// The product assemblies are Linux-only (Directory.Build.props); so are these tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
