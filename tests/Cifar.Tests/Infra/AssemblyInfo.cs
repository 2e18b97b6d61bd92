// libtorch's global state (default generator, thread count) is process-wide: tests that seed it and tests that draw
// from it must not interleave, or the determinism tests see another test's draws. The suite is short; run it serially.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
