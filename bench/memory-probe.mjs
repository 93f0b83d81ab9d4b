// Preloaded into a proxy under measurement (`node --import bench/memory-probe.mjs bin/rig proxy …`):
// on SIGUSR2 it prints one line `rig-bench-memory {process.memoryUsage() as JSON}` to stderr,
// so the bench reads the proxy's own heap figures without changing the proxy. Plain
// JavaScript, so it loads nothing else (no tsx).
process.on('SIGUSR2', () => {
  process.stderr.write(`rig-bench-memory ${JSON.stringify(process.memoryUsage())}\n`);
});
