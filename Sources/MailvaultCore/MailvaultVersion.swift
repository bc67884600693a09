/// The version of the whole package: the CLI's `--version`, the server's `Server` header, the
/// signed descriptor's `software` and bench reports all say this.
public enum MailvaultVersion {
    /// Semantic version of this build.
    public static let current = "0.3.0"
}
