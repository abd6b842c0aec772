// Two models served by one process under a closed-loop mix (run by two_models.sh).
// Each iteration picks a model (MIX_B = share of model B), one of its texts, POSTs /v1/embed with
// that model's name, and compares the vector with the model's offline output (smally embed):
// a response computed by the wrong model (cross-talk), or wrong, fails the `correct` check and the
// `wrong_vectors` threshold (0 allowed).
//
// Environment: BASE_URL, EXPECTED (JSON file: {"models": {name: [{"text", "embedding"}]}}),
//   MODELS ("a,b": the names to mix; one name = one model alone), MIX_B (default 0.5),
//   VUS (default 8), DURATION (default 20s), SUMMARY (file for the JSON summary).
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const expected = JSON.parse(open(__ENV.EXPECTED)).models;
const names = (__ENV.MODELS || Object.keys(expected).join(',')).split(',');
const MIX_B = parseFloat(__ENV.MIX_B || '0.5');
const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
const wrong = new Counter('wrong_vectors');
const served = {};
for (const name of names) served[name] = new Counter(`served_${name.replace(/[^A-Za-z0-9_]/g, '_')}`);

export const options = {
  scenarios: { mix: { executor: 'constant-vus', vus: parseInt(__ENV.VUS || '8', 10), duration: __ENV.DURATION || '20s' } },
  thresholds: { wrong_vectors: ['count==0'], http_req_failed: ['rate==0'] },
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

function maxAbsDiff(a, b) {
  if (!a || a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export default function () {
  const name = names.length === 1 || Math.random() >= MIX_B ? names[0] : names[1];
  const cases = expected[name];
  const item = cases[Math.floor(Math.random() * cases.length)];
  const response = http.post(`${BASE_URL}/v1/embed`, JSON.stringify({ text: item.text, model: name }),
    { headers: { 'content-type': 'application/json' } });
  let ok = false;
  if (response.status === 200) {
    const body = response.json();
    ok = body.model === name && maxAbsDiff(body.embedding, item.embedding) <= 1e-4;
  }
  if (!ok) wrong.add(1);
  served[name].add(1);
  check(response, { correct: () => ok });
}

export function handleSummary(data) {
  const out = {};
  if (__ENV.SUMMARY) out[__ENV.SUMMARY] = JSON.stringify(data, null, 2);
  const m = data.metrics;
  const line = `models=${names.join('+')} req/s=${m.http_reqs.values.rate.toFixed(1)} p50=${m.http_req_duration.values['p(50)'].toFixed(2)}ms `
    + `p95=${m.http_req_duration.values['p(95)'].toFixed(2)}ms wrong=${m.wrong_vectors ? m.wrong_vectors.values.count : 0}\n`;
  out.stdout = line;
  return out;
}
