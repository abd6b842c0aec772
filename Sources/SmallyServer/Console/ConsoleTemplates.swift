/// The console's Mustache templates, compiled into the binary (no resource bundle to find at run
/// time, in tests, in CI or in an installed binary). `{{x}}` escapes HTML; `{{{x}}}` is used only
/// for markup this server wrote (a rendered page body, an SVG chart).
enum ConsoleTemplates {
    static let all: [String: String] = [
        "layout": layout, "sign-in": signIn, "overview": overview, "keys": keys, "revoke": revoke, "orgs": orgs, "message": message,
    ]

    static let layout = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · Smally console</title>
    <link rel="stylesheet" href="/console/style.css">
    <script src="/console/console.js" defer></script>
    </head>
    <body>
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
    <p class="brand"><a href="/console">Smally console</a></p>
    {{#signedIn}}
    <nav aria-label="Console">
    <ul>{{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}</ul>
    </nav>
    <form class="sign-out" method="post" action="/console/sign-out">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <span class="who">Signed in as {{who}}</span>
    <button type="submit">Sign out</button>
    </form>
    {{/signedIn}}
    </header>
    <main id="main" tabindex="-1">
    {{{body}}}
    </main>
    </body>
    </html>
    """#

    static let signIn = #"""
    <h1>Sign in</h1>
    {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
    <form method="post" action="/console/sign-in" class="stack">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="credential">Admin API key of your organization, or the operator's admin token</label>
    <input id="credential" name="credential" type="password" autocomplete="off" required spellcheck="false">
    <button type="submit">Sign in</button>
    </form>
    <p class="hint">Only keys with the <code>admin</code> role open the console (<code>smally keys create --org NAME --role admin</code>).
    The key is sent once to start a session; it is not kept in your browser.</p>
    """#

    static let overview = #"""
    <h1>{{org}} <span class="tag">{{tier}} tier</span></h1>
    <section aria-labelledby="month-heading">
    <h2 id="month-heading">This month <span class="muted">({{month}}, UTC)</span></h2>
    <p id="quota-text">Embeddings: <strong>{{used}}</strong> of {{quota}} ({{percent}} %){{#over}} — <strong>quota reached</strong>{{/over}}</p>
    <div class="quota-bar" role="img" aria-labelledby="quota-text">{{{quotaBar}}}</div>
    <dl class="stats">
    <div><dt>Requests</dt><dd>{{requests}}</dd></div>
    <div><dt>Tokens</dt><dd>{{tokens}}</dd></div>
    <div><dt>Cache-hit rate</dt><dd>{{hitRate}} %</dd></div>
    <div><dt>Limit per key</dt><dd>{{perMinute}} requests/min</dd></div>
    <div><dt>Tier</dt><dd>{{tier}}</dd></div>
    <div><dt>Quota left</dt><dd>{{remaining}}</dd></div>
    </dl>
    </section>
    <section aria-labelledby="chart-heading">
    <h2 id="chart-heading">Embeddings per day</h2>
    <figure class="chart-figure">
    {{{chart}}}
    <figcaption>Last {{dayCount}} days (UTC); today is the last bar.</figcaption>
    </figure>
    <details>
    <summary>The same figures as a table</summary>
    <div class="scroll" role="region" aria-label="Embeddings per day" tabindex="0">
    <table>
    <thead><tr><th scope="col">Day</th><th scope="col" class="num">Embeddings</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Tokens</th></tr></thead>
    <tbody>{{#days}}<tr><th scope="row">{{day}}</th><td class="num">{{embeddings}}</td><td class="num">{{requests}}</td><td class="num">{{tokens}}</td></tr>{{/days}}</tbody>
    </table>
    </div>
    </details>
    </section>
    {{#operator}}
    <section aria-labelledby="limits-heading">
    <h2 id="limits-heading">Tier and limits</h2>
    <form method="post" action="/console/orgs/{{org}}/limits" class="stack">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="tier">Tier</label>
    <select id="tier" name="tier">{{#tiers}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/tiers}}</select>
    <label for="monthly_quota">Monthly quota override (embeddings; empty = the tier's)</label>
    <input id="monthly_quota" name="monthly_quota" inputmode="numeric" pattern="[0-9]*" value="{{quotaOverride}}">
    <label for="per_minute">Requests per minute per key override (empty = the tier's)</label>
    <input id="per_minute" name="per_minute" inputmode="numeric" pattern="[0-9]*" value="{{perMinuteOverride}}">
    <button type="submit">Save limits</button>
    </form>
    </section>
    {{/operator}}
    """#

    static let keys = #"""
    <h1>Keys of {{org}}</h1>
    {{#created}}
    <section class="notice" aria-labelledby="new-key-heading">
    <h2 id="new-key-heading">{{verb}} key “{{name}}” ({{role}})</h2>
    <p>Copy it now: it is shown only this once.</p>
    <label for="new-key">The new key</label>
    <div class="copy">
    <input id="new-key" class="secret" readonly value="{{secret}}" spellcheck="false" autocomplete="off">
    <button type="button" class="copy-button" data-copy="new-key" hidden>Copy</button>
    </div>
    <p class="copy-status" role="status" aria-live="polite"></p>
    {{#replaces}}<p>The key it replaces keeps working until {{replaces}} UTC.</p>{{/replaces}}
    </section>
    {{/created}}
    {{#message}}<p class="notice" role="status">{{message}}</p>{{/message}}
    {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
    <div class="scroll" role="region" aria-label="Keys" tabindex="0">
    <table class="keys">
    <caption>{{keyCount}} keys; times in UTC; usage is this month's ({{month}})</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Prefix</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col" class="num">Embeddings</th><th scope="col" class="num">Requests</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>
    {{#keys}}
    <tr>
    <th scope="row">{{name}}</th><td>{{role}}</td><td><code>{{prefix}}…</code></td><td>{{status}}</td><td>{{created}}</td><td>{{lastUsed}}</td><td>{{expires}}</td>
    <td class="num">{{embeddings}}</td><td class="num">{{requests}}</td>
    <td class="actions">{{#active}}
    <form method="post" action="/console/orgs/{{org}}/keys/{{id}}/rotate"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" aria-label="Rotate {{name}}">Rotate</button></form>
    <a class="danger-link" href="/console/orgs/{{org}}/keys/{{id}}/revoke" aria-label="Revoke {{name}}">Revoke…</a>
    {{/active}}</td>
    </tr>
    {{/keys}}
    </tbody>
    </table>
    </div>
    <section aria-labelledby="create-heading">
    <h2 id="create-heading">Create a key</h2>
    <form method="post" action="/console/orgs/{{org}}/keys" class="stack">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="name">Name</label>
    <input id="name" name="name" required maxlength="100" autocomplete="off">
    <fieldset>
    <legend>Role</legend>
    <label class="inline"><input type="radio" name="role" value="embed" checked> embed — the API only</label>
    <label class="inline"><input type="radio" name="role" value="admin"> admin — the API and this console</label>
    </fieldset>
    <label for="expires_in">Expires</label>
    <select id="expires_in" name="expires_in"><option value="">never</option><option value="30d">in 30 days</option><option value="90d">in 90 days</option><option value="365d">in a year</option></select>
    <button type="submit">Create key</button>
    </form>
    <p class="hint">Rotating makes a new key with the same name, role and expiry; the old one keeps working for 24 hours.</p>
    </section>
    """#

    static let revoke = #"""
    <h1>Revoke key “{{name}}”?</h1>
    <p>Key <code>{{prefix}}…</code> ({{role}}) of {{org}}. Every node refuses it within 5 seconds, and it cannot be restored.</p>
    <form method="post" action="/console/orgs/{{org}}/keys/{{id}}/revoke" class="row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit" class="danger">Revoke key</button>
    <a href="/console/orgs/{{org}}/keys">Cancel</a>
    </form>
    """#

    static let orgs = #"""
    <h1>Organizations</h1>
    <div class="scroll" role="region" aria-label="Organizations" tabindex="0">
    <table>
    <caption>{{count}} organizations; usage this month ({{month}}, UTC). Select a heading to sort.</caption>
    <thead><tr>{{#columns}}<th scope="col"{{#numeric}} class="num"{{/numeric}}{{#sorted}} aria-sort="{{sorted}}"{{/sorted}}><a href="?sort={{key}}&amp;order={{next}}">{{label}}{{#sorted}} <span aria-hidden="true">{{arrow}}</span>{{/sorted}}</a></th>{{/columns}}</tr></thead>
    <tbody>
    {{#rows}}<tr><th scope="row"><a href="/console/orgs/{{name}}">{{name}}</a></th><td>{{tier}}</td><td class="num">{{used}}</td><td class="num">{{quota}}</td><td class="num">{{percent}} %</td><td class="num">{{requests}}</td><td class="num">{{perMinute}}</td></tr>{{/rows}}
    </tbody>
    </table>
    </div>
    """#

    static let message = #"""
    <h1>{{heading}}</h1>
    <p>{{text}}</p>
    <p><a href="{{back}}">{{backLabel}}</a></p>
    """#
}
