// V8's JSON.parse + JSON.stringify on the benchmark payloads, the reference for our own JSON
// parse + serialize (bench/JSONataBenchmark --json), measured the same way: the payload's
// compact text parsed and written back, in batches that double until the time budget is spent.
//
// Usage: node bench/transforms/json-v8.js CASES_JSON [--seconds S]
// Output: "<payload> <rate> parse+serialize/s" per payload.
'use strict';
const fs = require('fs');

const [casesPath, ...rest] = process.argv.slice(2);
if (!casesPath) {
  process.stderr.write('usage: json-v8.js CASES_JSON [--seconds S]\n');
  process.exit(2);
}
let seconds = 1;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--seconds') seconds = Number(rest[++i]);
  else { process.stderr.write(`unknown argument ${rest[i]}\n`); process.exit(2); }
}
const { payloads } = JSON.parse(fs.readFileSync(casesPath, 'utf8'));

function rate(text, budget) {
  let sink = 0;
  const measure = () => {
    let iterations = 0;
    let batch = 64;
    const start = process.hrtime.bigint();
    for (;;) {
      for (let i = 0; i < batch; i++) sink += JSON.stringify(JSON.parse(text)).length;
      iterations += batch;
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      if (elapsed >= budget) return iterations / elapsed;
      if (batch < 65536) batch *= 2;
    }
  };
  // The first budget warms the JIT and is not counted: the Swift side is compiled ahead of time.
  measure();
  const result = measure();
  if (sink === 42) process.stdout.write(' ');
  return result;
}

for (const [name, payload] of Object.entries(payloads)) {
  console.log(`${name} ${Math.round(rate(JSON.stringify(payload), seconds))} parse+serialize/s`);
}
