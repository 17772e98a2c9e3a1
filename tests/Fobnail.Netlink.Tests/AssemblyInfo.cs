// The product assemblies are Linux-only (platform analyzer, CA1416); so are these tests (netlink, netns).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
