// Shared by k6_test.js and quick_test.js: the text mix, the API key, one checked embed request,
// the custom metrics and the end-of-test summary. Runs inside k6 (goja), not Node.
import http from 'k6/http';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import { Counter, Rate, Trend } from 'k6/metrics';

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
export const DIMENSION = parseInt(__ENV.EMBEDDING_DIMENSION || '384', 10);

function ratio(name, fallback) {
  const text = __ENV[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a number in [0, 1], got '${text}'`);
  return value;
}

/// Probability that a request reuses a text from the small hot set (a cache hit once warmed);
/// the rest are texts never sent before (cache misses). 0 = every text unique.
export const CACHE_HIT_RATIO = ratio('CACHE_HIT_RATIO', 0);
export const HOT_SET_SIZE = Math.max(1, parseInt(__ENV.HOT_SET_SIZE || '20', 10));

// ---- corpus ------------------------------------------------------------------------------
// open() resolves relative paths against this file (scripts/performance/lib/).
const queries = new SharedArray('queries', () => {
  const path = __ENV.QUERIES_FILE || '../queries.txt';
  const lines = open(path).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length < 10) throw new Error(`${path}: need at least 10 queries, found ${lines.length}`);
  return lines;
});

// The hot set: HOT_SET_SIZE queries spread over the corpus (deterministic, so runs compare).
const hotSet = new SharedArray('hot', () => {
  const step = Math.max(1, Math.floor(queries.length / HOT_SET_SIZE));
  const out = [];
  for (let i = 0; out.length < Math.min(HOT_SET_SIZE, queries.length); i += step) out.push(queries[i % queries.length]);
  return out;
});

export function hotTexts() {
  const out = [];
  for (let i = 0; i < hotSet.length; i++) out.push(hotSet[i]);
  return out;
}

function pick(array) {
  return array[Math.floor(Math.random() * array.length)];
}

// One-token words (from the model's vocabulary) for making texts unique; see uniqueText.
const words = new SharedArray('words', () => {
  const path = __ENV.WORDS_FILE || '../words.txt';
  const lines = open(path).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length < 1000) throw new Error(`${path}: need at least 1000 words, found ${lines.length}`);
  return lines;
});

/// A text this server has never seen: a corpus query plus two random one-token words. With
/// 363 queries and ~18,600 words that is ~1.3e11 texts, so repeats (in this run or from earlier
/// runs still in the caches) are vanishingly rare — and the `cached` field would show them. Two
/// words add only two tokens: a tag such as "(ticket r7q3x12)" (10 tokens) or a long number
/// (4-5 tokens) would double the cost of a typical 8.6-token query and measure our tags rather
/// than realistic queries.
export function uniqueText() {
  return `${pick(queries)} ${pick(words)} ${pick(words)}`;
}

/// The next text to send: from the hot set with probability CACHE_HIT_RATIO, else unique.
export function nextText() {
  if (CACHE_HIT_RATIO > 0 && Math.random() < CACHE_HIT_RATIO) return { text: pick(hotSet), hot: true };
  return { text: uniqueText(), hot: false };
}

// ---- API key -----------------------------------------------------------------------------
function readKeyFile(path) {
  try {
    return open(path).trim();
  } catch (e) {
    return '';
  }
}

/// API_KEY, else API_KEY_FILE, else SMALLY_DATA_DIR/dev-api-key (default data/dev-api-key at the
/// repository root), else no key.
function loadKey() {
  if (__ENV.API_KEY) return { key: __ENV.API_KEY.trim(), source: 'API_KEY' };
  if (__ENV.API_KEY_FILE) {
    const key = readKeyFile(__ENV.API_KEY_FILE);
    return { key, source: key ? __ENV.API_KEY_FILE : '' };
  }
  const dir = __ENV.SMALLY_DATA_DIR || 'data';
  const path = dir.startsWith('/') ? `${dir}/dev-api-key` : `../../../${dir}/dev-api-key`;
  const key = readKeyFile(path);
  return { key, source: key ? `${dir}/dev-api-key` : '' };
}
const apiKey = loadKey();
export const KEY_SOURCE = apiKey.source || 'none';

export const PARAMS_HEADERS = (() => {
  const headers = { 'Content-Type': 'application/json' };
  if (apiKey.key) headers.Authorization = `Bearer ${apiKey.key}`;
  return headers;
})();

// ---- metrics -----------------------------------------------------------------------------
export const metrics = {
  errors: new Rate('errors'), // non-2xx, transport error or a body that is not a 384-float embedding
  cacheHits: new Rate('cache_hit_rate'), // from the response's "cached" field
  serverLatency: new Trend('server_latency_ms', true), // the response's "latency_ms"
  queueTime: new Trend('server_queue_ms', true), // x-queue-time
  inferenceTime: new Trend('server_inference_ms', true), // x-inference-time (misses only, like x-queue-time)
  durationHit: new Trend('http_duration_cached', true), // client-side duration of cache hits
  durationMiss: new Trend('http_duration_uncached', true), // ... and of misses
  durationRefused: new Trend('http_duration_refused', true), // ... of refusals under load (429 full queue, 503 queue deadline)
  queueTimeouts: new Counter('queue_timeout_503'), // 503 queue_timeout: waited past SMALLY_MAX_QUEUE_MS
  embedRequests: new Counter('embed_requests'),
  rateLimited: new Counter('rate_limited_429'),
  unauthorized: new Counter('unauthorized_401_403'),
};

/// One `POST /v1/embed`, checked; records every metric. Returns true when it succeeded.
export function embedOnce(text) {
  const res = http.post(`${BASE_URL}/v1/embed`, JSON.stringify({ text, normalize: true }), {
    headers: PARAMS_HEADERS,
    tags: { endpoint: 'embed' },
    timeout: __ENV.REQUEST_TIMEOUT || '30s',
  });
  metrics.embedRequests.add(1);
  let ok = res.status >= 200 && res.status < 300;
  let body = null;
  if (ok) {
    // GJSON selectors (Go, on the raw bytes) rather than res.json(): building a JS object of 384
    // numbers costs the load generator ~0.5 ms of CPU per request, on the CPUs the server uses.
    // k6 validates the whole body as JSON before the first selector; an invalid one throws.
    try {
      body = {
        dimension: res.json('embedding.#'),
        first: res.json('embedding.0'),
        cached: res.json('cached'),
        latency_ms: res.json('latency_ms'),
      };
    } catch (e) {
      body = null;
    }
    ok = body !== null && body.dimension === DIMENSION && typeof body.first === 'number' &&
      typeof body.cached === 'boolean';
  }
  if (res.status === 429) metrics.rateLimited.add(1);
  if (res.status === 503) metrics.queueTimeouts.add(1);
  if (res.status === 429 || res.status === 503) metrics.durationRefused.add(res.timings.duration);
  if (res.status === 401 || res.status === 403) metrics.unauthorized.add(1);
  metrics.errors.add(!ok);
  if (ok) {
    metrics.cacheHits.add(body.cached);
    if (typeof body.latency_ms === 'number') metrics.serverLatency.add(body.latency_ms);
    (body.cached ? metrics.durationHit : metrics.durationMiss).add(res.timings.duration);
    if (!body.cached) { // a hit neither waits nor runs inference: only misses tell about the batcher
      const queue = parseFloat(res.headers['X-Queue-Time']);
      const inference = parseFloat(res.headers['X-Inference-Time']);
      if (!isNaN(queue)) metrics.queueTime.add(queue);
      if (!isNaN(inference)) metrics.inferenceTime.add(inference);
    }
  }
  return ok;
}

// ---- setup -------------------------------------------------------------------------------
/// Checks the server answers and the key is accepted, warms the hot set (so a hot text is a hit
/// from the first request on), and returns the run tag that makes this run's texts unique.
export function prepare() {
  const ready = http.get(`${BASE_URL}/ready`, { tags: { endpoint: 'setup' }, timeout: '10s' });
  if (ready.status !== 200) {
    exec.test.abort(`${BASE_URL}/ready answered ${ready.status || ready.error}: is the server running and warmed up?`);
  }
  const texts = CACHE_HIT_RATIO > 0 ? hotTexts() : ['warm-up request'];
  const res = http.post(`${BASE_URL}/v1/embed`, JSON.stringify({ texts }), {
    headers: PARAMS_HEADERS, tags: { endpoint: 'setup' }, timeout: '120s',
  });
  if (res.status === 401 || res.status === 403) {
    exec.test.abort(`the API refused the key (${res.status}, key from ${KEY_SOURCE}): set API_KEY=sk_... ` +
      `(smally keys create --org NAME --json) or run scripts/performance/run_benchmarks.sh, which creates one`);
  }
  if (res.status !== 200) exec.test.abort(`warm-up request failed: ${res.status} ${res.body}`);
  console.log(`target ${BASE_URL}, key from ${KEY_SOURCE}, CACHE_HIT_RATIO=${CACHE_HIT_RATIO}` +
    (CACHE_HIT_RATIO > 0 ? ` (hot set ${hotSet.length} texts, warmed)` : '') + `, corpus ${queries.length} queries, ${words.length} words for unique texts`);
  return { startedAt: Date.now() };
}

// ---- summary -----------------------------------------------------------------------------
/// Latency of the measured requests that succeeded (fast 429/5xx answers would flatter it).
export const LATENCY_METRIC = 'http_req_duration{endpoint:embed,expected_response:true}';

export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

function ms(value) {
  if (value === undefined || value === null || isNaN(value)) return '-';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(2)} ms`;
}

function pct(value) {
  return value === undefined || value === null || isNaN(value) ? '-' : `${(value * 100).toFixed(2)}%`;
}

function values(data, name) {
  return (data.metrics[name] && data.metrics[name].values) || {};
}

/// The figures the text and JSON summaries report, from k6's summary data.
export function figures(data, vus) {
  const duration = values(data, LATENCY_METRIC);
  const requests = values(data, 'embed_requests').count || 0;
  const setup = data.setup_data || {};
  // Load phase only: from the end of setup (warm-up done) to now (handleSummary runs right after the test).
  const seconds = setup.startedAt ? (Date.now() - setup.startedAt) / 1000 : data.state.testRunDurationMs / 1000;
  const errors = values(data, 'errors');
  const failed = values(data, 'http_req_failed{endpoint:embed}');
  const hits = values(data, 'cache_hit_rate');
  const server = values(data, 'server_latency_ms');
  const hit = values(data, 'http_duration_cached');
  const miss = values(data, 'http_duration_uncached');
  const refused = values(data, 'http_duration_refused');
  return {
    requests,
    seconds: Number(seconds.toFixed(3)),
    rps: seconds > 0 ? Number((requests / seconds).toFixed(2)) : 0,
    failures: errors.passes || 0, // Rate 'passes' = samples that were true = failed requests
    error_rate: errors.rate || 0,
    http_failed_rate: failed.rate || 0,
    rate_limited_429: values(data, 'rate_limited_429').count || 0,
    queue_timeout_503: values(data, 'queue_timeout_503').count || 0,
    // Open-loop scenarios: arrivals k6 could not send because every VU was busy (client-side).
    dropped_iterations: values(data, 'dropped_iterations').count || 0,
    unauthorized: values(data, 'unauthorized_401_403').count || 0,
    cache_hit_rate: hits.rate === undefined ? null : hits.rate,
    cache_hit_ratio_requested: CACHE_HIT_RATIO,
    latency_ms: {
      min: duration.min, avg: duration.avg, p50: duration.med, p90: duration['p(90)'],
      p95: duration['p(95)'], p99: duration['p(99)'], max: duration.max,
    },
    cached_latency_ms: { count: hit.count || 0, p50: hit.med, p95: hit['p(95)'], p99: hit['p(99)'] },
    uncached_latency_ms: { count: miss.count || 0, p50: miss.med, p95: miss['p(95)'], p99: miss['p(99)'] },
    refused_latency_ms: { count: refused.count || 0, p50: refused.med, p95: refused['p(95)'], p99: refused['p(99)'] },
    server_latency_ms: { avg: server.avg, p50: server.med, p95: server['p(95)'], p99: server['p(99)'] },
    server_queue_ms: { p50: values(data, 'server_queue_ms').med, p95: values(data, 'server_queue_ms')['p(95)'] },
    server_inference_ms: { p50: values(data, 'server_inference_ms').med, p95: values(data, 'server_inference_ms')['p(95)'] },
    vus_max: values(data, 'vus_max').max || vus || null,
  };
}

/// Conditions that always hold, used only to make k6 keep a sub-metric in the summary.
export const DECLARATION_ONLY = ['max>=0', 'rate>=0'];

/// Every threshold with its verdict: [{metric, condition, ok}].
export function thresholdResults(data) {
  const out = [];
  for (const name of Object.keys(data.metrics).sort()) {
    const thresholds = data.metrics[name].thresholds || {};
    for (const condition of Object.keys(thresholds)) {
      if (DECLARATION_ONLY.includes(condition)) continue;
      out.push({ metric: name, condition, ok: thresholds[condition].ok });
    }
  }
  return out;
}

export function textReport(title, data, f) {
  const lines = [];
  const l = f.latency_ms;
  lines.push('', `==== ${title} ====`);
  lines.push(`target            ${BASE_URL}   (key from ${KEY_SOURCE})`);
  lines.push(`requests          ${f.requests} in ${f.seconds.toFixed(1)} s   (${f.rps.toFixed(1)} req/s${f.vus_max ? `, up to ${f.vus_max} VUs` : ''})`);
  if (f.requests === 0) lines.push('NO REQUEST WAS MEASURED (test aborted in setup? see the error below)');
  lines.push(`failures          ${f.failures} (${pct(f.error_rate)}; non-2xx or bad body)` +
    (f.rate_limited_429 ? `; 429 rate-limited: ${f.rate_limited_429}` : '') + (f.unauthorized ? `; 401/403: ${f.unauthorized}` : '') +
    (f.queue_timeout_503 ? `; 503 queue deadline: ${f.queue_timeout_503}` : '') +
    (f.dropped_iterations ? `; not sent (no free VU): ${f.dropped_iterations}` : ''));
  lines.push(`latency (2xx)     min ${ms(l.min)}  avg ${ms(l.avg)}  p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`);
  lines.push(`  cache hits      n=${f.cached_latency_ms.count}  p50 ${ms(f.cached_latency_ms.p50)}  p95 ${ms(f.cached_latency_ms.p95)}  p99 ${ms(f.cached_latency_ms.p99)}`);
  lines.push(`  cache misses    n=${f.uncached_latency_ms.count}  p50 ${ms(f.uncached_latency_ms.p50)}  p95 ${ms(f.uncached_latency_ms.p95)}  p99 ${ms(f.uncached_latency_ms.p99)}`);
  if (f.refused_latency_ms.count) {
    lines.push(`  refusals        n=${f.refused_latency_ms.count}  p50 ${ms(f.refused_latency_ms.p50)}  p95 ${ms(f.refused_latency_ms.p95)}  p99 ${ms(f.refused_latency_ms.p99)}   (429/503)`);
  }
  lines.push(`server latency_ms p50 ${ms(f.server_latency_ms.p50)}  p95 ${ms(f.server_latency_ms.p95)}  p99 ${ms(f.server_latency_ms.p99)}` +
    `   (misses: queue p95 ${ms(f.server_queue_ms.p95)}, inference p50 ${ms(f.server_inference_ms.p50)})`);
  lines.push(`cache hit rate    ${pct(f.cache_hit_rate)}   (CACHE_HIT_RATIO=${f.cache_hit_ratio_requested})`);
  const thresholds = thresholdResults(data);
  if (thresholds.length) {
    lines.push('thresholds');
    for (const t of thresholds) lines.push(`  ${t.ok ? 'PASS' : 'FAIL'}  ${t.metric}  ${t.condition}`);
  }
  if (f.rate_limited_429) {
    lines.push('note: 429s come from the per-minute limit of the key\'s tier (or a full inference queue); ' +
      'run_benchmarks.sh creates an organization without that limit.');
  }
  lines.push('');
  return lines.join('\n');
}
