import Testing

/// The C API's examples in Go and Nim, one test at a time: their compilers and `go test -race`
/// take a core each, and the suites that run beside them (servers on loopback with read
/// timeouts) must keep one.
@Suite("Examples in Go and Nim", .serialized)
struct LanguageExampleTests {}
