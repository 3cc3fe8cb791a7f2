using System.Runtime.Versioning;

// An OCI runtime is Linux-only, and so is this suite.
[assembly: SupportedOSPlatform("linux")]
