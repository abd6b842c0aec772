// k6 load for scripts/drills/cluster_failover.sh: POST /v1/embed alternately to two API nodes that
// share a Redis Cluster, one text a request (half repeated: L2 hits and computed answers).
// Scenario "load" (a key with a quota far away): every answer that is not a 200 is a failure.
// Scenario "quota" (a key of an organization with a small monthly quota): 200 = admitted, 429 =
// refused (expected once the quota is spent), anything else a failure.
import http from 'k6/http';
import { Counter } from 'k6/metrics';

const ok = new Counter('answers_200');
const failed = new Counter('answers_failed');
const admitted = new Counter('quota_admitted');
const refused = new Counter('quota_refused');
const bases = [__ENV.NODE1_URL, __ENV.NODE2_URL];
const duration = __ENV.DURATION || '20s';

export const options = {
  scenarios: {
    load: { executor: 'constant-vus', vus: Number(__ENV.VUS || 8), duration, exec: 'load' },
    quota: { executor: 'constant-arrival-rate', rate: Number(__ENV.QUOTA_RATE || 100), timeUnit: '1s', duration,
      preAllocatedVUs: 8, maxVUs: 32, exec: 'quota' },
  },
  summaryTrendStats: ['avg', 'p(95)', 'p(99)', 'max'],
};

function post(key, text) {
  const params = { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` }, timeout: '30s' };
  return http.post(`${bases[__ITER % 2]}/v1/embed`, JSON.stringify({ text }), params);
}

export function load() {
  const text = Math.random() < 0.5 ? `repeated text ${Math.floor(Math.random() * 200)}`
    : `fresh text ${__VU} ${__ITER} ${Math.random()}`;
  const response = post(__ENV.API_KEY, text);
  if (response.status === 200) {
    ok.add(1);
  } else {
    failed.add(1);
    console.error(`status ${response.status} ${response.error || ''} ${String(response.body || '').slice(0, 200)}`);
  }
}

export function quota() {
  const response = post(__ENV.QUOTA_KEY, `quota text ${Math.floor(Math.random() * 100)}`);
  if (response.status === 200) {
    admitted.add(1);
  } else if (response.status === 429) {
    refused.add(1);
  } else {
    failed.add(1);
    console.error(`quota: status ${response.status} ${response.error || ''} ${String(response.body || '').slice(0, 200)}`);
  }
}

export function handleSummary(data) {
  const count = (name) => (data.metrics[name] ? data.metrics[name].values.count : 0);
  const summary = { ok: count('answers_200'), failed: count('answers_failed'), admitted: count('quota_admitted'),
    refused: count('quota_refused'), requests: count('http_reqs'), p99_ms: data.metrics.http_req_duration.values['p(99)'] };
  return { [__ENV.SUMMARY_FILE]: JSON.stringify(summary), stdout: `k6: ${JSON.stringify(summary)}\n` };
}
