// The benchmark transforms run by jsonata-js, so `bench/run transforms` can print both
// implementations from the same run. Measured like bench/JSONataBenchmark: each expression
// is compiled once and evaluated in batches that double until the time budget is spent.
//
// Usage: node bench/transforms/jsonata-js.js JSONATA_JS_DIR CASES_JSON [--case NAME]
//          [--seconds S] [--results]
//   JSONATA_JS_DIR  a checkout of the jsonata-js repository (its src/jsonata.js is loaded;
//                   no npm install needed); never part of this repository
//   --results       print "<case>\t<result as JSON>" instead of timing (to check that both
//                   implementations compute the same thing)
// Output: "<case> <evals> evals/s" per case.
'use strict';
const fs = require('fs');
const path = require('path');

const [dir, casesPath, ...rest] = process.argv.slice(2);
if (!dir || !casesPath) {
  process.stderr.write('usage: jsonata-js.js JSONATA_JS_DIR CASES_JSON [--case NAME] [--seconds S] [--results]\n');
  process.exit(2);
}
let only = null;
let seconds = 1;
let resultsOnly = false;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--case') only = rest[++i];
  else if (rest[i] === '--seconds') seconds = Number(rest[++i]);
  else if (rest[i] === '--results') resultsOnly = true;
  else { process.stderr.write(`unknown argument ${rest[i]}\n`); process.exit(2); }
}
const jsonata = require(path.resolve(dir, 'src', 'jsonata.js'));
const { payloads, cases } = JSON.parse(fs.readFileSync(casesPath, 'utf8'));

// Evaluations per second of `expression` on `payload` over about `budget` seconds. jsonata-js
// 2.x evaluates asynchronously, so each call is awaited, as an application would. The first
// budget is spent warming the JIT and is not counted: the Swift side is compiled ahead of time.
async function rate(expression, payload, budget) {
  const run = async (n) => {
    for (let i = 0; i < n; i++) await expression.evaluate(payload);
  };
  const measure = async () => {
    let iterations = 0;
    let batch = 64;
    const start = process.hrtime.bigint();
    for (;;) {
      await run(batch);
      iterations += batch;
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      if (elapsed >= budget) return iterations / elapsed;
      if (batch < 65536) batch *= 2;
    }
  };
  await measure();
  return measure();
}

(async () => {
  for (const c of cases) {
    if (only !== null && c.name !== only) continue;
    const expression = jsonata(c.expression);
    const payload = payloads[c.payload];
    if (resultsOnly) {
      console.log(`${c.name}\t${JSON.stringify(await expression.evaluate(payload))}`);
    } else {
      console.log(`${c.name} ${Math.round(await rate(expression, payload, seconds))} evals/s`);
    }
  }
})().catch((error) => {
  process.stderr.write(`jsonata-js: ${error.code || ''} ${error.message || error}\n`);
  process.exit(1);
});
