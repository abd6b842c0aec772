// Quick test: a fixed number of POST /v1/embed requests shared by a few VUs, then the figures.
//   NUM_REQUESTS (default 1000), NUM_USERS (default 10), BASE_URL, CACHE_HIT_RATIO, API_KEY as in k6_test.js
//   make quick-test NUM_REQUESTS=2000 NUM_USERS=20
// A request fails when it is not 2xx or its body is not a 384-float embedding; k6 exits non-zero
// when any request failed.
import { embedOnce, figures, nextText, prepare, textReport, LATENCY_METRIC, TREND_STATS } from './lib/workload.js';

const NUM_REQUESTS = parseInt(__ENV.NUM_REQUESTS || '1000', 10);
const NUM_USERS = Math.min(parseInt(__ENV.NUM_USERS || '10', 10), NUM_REQUESTS);

export const options = {
  scenarios: {
    quick: { executor: 'shared-iterations', vus: NUM_USERS, iterations: NUM_REQUESTS, maxDuration: __ENV.MAX_DURATION || '10m' },
  },
  thresholds: {
    [LATENCY_METRIC]: ['max>=0'], // no goal: declared so the summary has this sub-metric
    'http_req_failed{endpoint:embed}': ['rate>=0'],
    errors: ['rate==0'],
  },
  summaryTrendStats: TREND_STATS,
  setupTimeout: '180s',
};

export function setup() {
  return prepare();
}

export default function () {
  embedOnce(nextText().text);
}

export function handleSummary(data) {
  const f = figures(data, NUM_USERS);
  const text = textReport(`quick test: ${NUM_REQUESTS} requests, ${NUM_USERS} users`, data, f);
  const out = { stdout: text };
  if (__ENV.RESULTS_DIR) {
    out[`${__ENV.RESULTS_DIR}/quick-test-summary.txt`] = text;
    out[`${__ENV.RESULTS_DIR}/quick-test-summary.json`] = JSON.stringify({ scenario: 'quick', thresholds_ok: f.requests > 0 && f.failures === 0, figures: f, k6: data }, null, 2);
  }
  return out;
}
