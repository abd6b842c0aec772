// k6 load for scripts/ops/rolling_restart.sh: POST /v1/embed through nginx, one text a request
// (half of them repeated, so both cached and computed answers are in flight during restarts).
// Every answer that is not a 200 is a failure; the summary (statuses) is written as JSON.
import http from 'k6/http';
import { Counter } from 'k6/metrics';

const ok = new Counter('answers_200');
const failed = new Counter('answers_failed');
const url = `${__ENV.BASE_URL}/v1/embed`;
const params = { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${__ENV.API_KEY}` }, timeout: '30s' };

export const options = {
  vus: Number(__ENV.VUS || 12),
  duration: __ENV.DURATION || '30s',
  summaryTrendStats: ['avg', 'p(95)', 'p(99)', 'max'],
};

export default function () {
  const text = Math.random() < 0.5 ? `repeated text ${Math.floor(Math.random() * 50)}`
    : `fresh text ${__VU} ${__ITER} ${Math.random()}`;
  const response = http.post(url, JSON.stringify({ text }), params);
  if (response.status === 200) {
    ok.add(1);
  } else {
    failed.add(1);
    console.error(`status ${response.status} ${response.error || ''} ${String(response.body || '').slice(0, 200)}`);
  }
}

export function handleSummary(data) {
  const count = (name) => (data.metrics[name] ? data.metrics[name].values.count : 0);
  const summary = { ok: count('answers_200'), failed: count('answers_failed'), requests: count('http_reqs'),
    p99_ms: data.metrics.http_req_duration.values['p(99)'] };
  return { [__ENV.SUMMARY_FILE]: JSON.stringify(summary), stdout: `k6: ${JSON.stringify(summary)}\n` };
}
