// Test-only: makes the fuzz child die abruptly (as a native crash would) once it has recorded
// its first call, so boundary.test.ts can check that a dead child is noticed and the call named.
const fs = require('node:fs');
const write = fs.writeFileSync;
fs.writeFileSync = function (file, ...rest) {
  write.call(this, file, ...rest);
  if (file === process.env.FUZZ_LAST) process.kill(process.pid, 'SIGSEGV');
};
