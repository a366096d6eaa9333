/**
 * The benchmarks behind {@code cacheshadow bench}: timed runs of the core bundles' readers on real evidence, kept
 * out of the bundles they measure (they depend on those, never the reverse). The command line's bench subcommand
 * ({@code cacheshadow.cli.BenchCommand}) parses the options and calls them; their output is its output.
 */
package cacheshadow.bench;
