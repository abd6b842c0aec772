/// The console's one stylesheet and its one small script, served by the server. The pages work
/// without the script: it only shows the copy buttons (hidden otherwise; the key stays in a
/// selectable field) and copies on click.
enum ConsoleAssets {
    static let stylesheet = #"""
    :root { --ink: #1b1f24; --muted: #4b5563; --line: #c9ced6; --bg: #ffffff; --panel: #f3f5f8; --accent: #0b4fb3;
      --focus: #b34700; --danger: #b3261e; --bar: #1f3a5f; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    * { box-sizing: border-box; }
    body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.5; font-size: 1rem; }
    a { color: var(--accent); }
    :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
    .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .25rem .5rem; }
    .top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
    .brand { margin: 0; font-weight: 700; } .brand a { color: var(--ink); text-decoration: none; }
    nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
    nav a[aria-current="page"] { font-weight: 700; color: var(--ink); text-decoration-thickness: 3px; }
    .sign-out { margin-left: auto; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
    .who { color: var(--muted); font-size: .9rem; }
    main { max-width: 84rem; margin: 0 auto; padding: 1rem; }
    h1 { font-size: 1.6rem; margin: .5rem 0 1rem; } h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
    .tag { font-size: .9rem; font-weight: 400; border: 1px solid var(--line); border-radius: 1rem; padding: .1rem .6rem; vertical-align: middle; }
    .muted, .hint { color: var(--muted); } .hint { font-size: .9rem; }
    button, .button { font: inherit; padding: .45rem .9rem; border: 1px solid var(--ink); border-radius: .3rem; background: var(--ink); color: #fff; cursor: pointer; }
    button.danger { background: var(--danger); border-color: var(--danger); }
    .actions button { padding: .2rem .6rem; background: var(--bg); color: var(--ink); }
    .danger-link { color: var(--danger); margin-left: .5rem; }
    input, select { font: inherit; padding: .4rem .5rem; border: 1px solid var(--muted); border-radius: .3rem; max-width: 100%; }
    .stack { display: grid; gap: .4rem; max-width: 32rem; } .stack button { justify-self: start; margin-top: .4rem; }
    .row { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; }
    fieldset { border: 1px solid var(--line); border-radius: .3rem; } .inline { display: block; }
    .error { color: var(--danger); font-weight: 600; }
    .notice { background: var(--panel); border-left: 4px solid var(--bar); padding: .75rem 1rem; }
    .copy { display: flex; flex-wrap: wrap; gap: .5rem; } .secret { font-family: ui-monospace, monospace; flex: 1 1 20rem; min-width: 0; }
    .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin: 1rem 0; }
    .stats div { background: var(--panel); padding: .6rem .8rem; border-radius: .3rem; }
    .stats dt { color: var(--muted); font-size: .9rem; } .stats dd { margin: 0; font-size: 1.3rem; font-weight: 600; }
    .quota { width: 100%; height: 1.25rem; display: block; }
    .quota .track { fill: #e3e7ed; stroke: var(--muted); stroke-width: 1; } .quota .fill { fill: var(--bar); } .quota .fill.over { fill: var(--danger); }
    .chart-figure { margin: 0; max-width: 48rem; } .chart { width: 100%; height: auto; display: block; }
    .chart .bar { fill: var(--bar); } .chart .grid { stroke: #d5d9e0; stroke-width: 1; } .chart .baseline { stroke: var(--ink); stroke-width: 1.5; }
    .chart .axis { font-size: 13px; fill: var(--muted); }
    figcaption { color: var(--muted); font-size: .9rem; }
    .scroll { overflow-x: auto; position: relative; } table { border-collapse: collapse; width: 100%; font-size: .95rem; }
    caption { text-align: left; color: var(--muted); padding: .25rem 0; }
    th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; vertical-align: middle; }
    thead th { border-bottom: 2px solid var(--ink); } th a { color: var(--ink); } .num { text-align: right; }
    .actions form { display: inline; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    @media (max-width: 480px) { h1 { font-size: 1.3rem; } .sign-out { margin-left: 0; } main { padding: .75rem; } }
    """#

    static let script = #"""
    document.querySelectorAll("button.copy-button").forEach(function (button) {
      var field = document.getElementById(button.dataset.copy);
      var status = document.querySelector(".copy-status");
      if (!field || !navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          if (status) { status.textContent = "Copied."; }
        }, function () {
          field.select();
          if (status) { status.textContent = "Select the key and copy it."; }
        });
      });
    });
    """#
}
