/**
 * GET / : a page to try the model. Type a prompt and responses; see each attribute's score and the
 * merged reward as bars on the rating scale, scored by the server or, after loading the model files,
 * in the browser itself. Self-contained: its one script is served by this server (/assets/...).
 *
 * @example
 *   reply.type('text/html').send(pageHtml())
 */

export const PAGE_SCRIPT_PATH = '/assets/rewardfit-page.js'

const CSS = `
:root { --fg:#1d2330; --muted:#5d6677; --line:#d9dee7; --accent:#2f6fdb; --bar:#3d8bfd; --local:#20a36b; --bg:#f6f7fa; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { padding:14px 24px; background:#fff; border-bottom:1px solid var(--line); display:flex; gap:16px; align-items:baseline; }
header h1 { font-size:18px; margin:0; } header span { color:var(--muted); }
main { max-width:1100px; margin:0 auto; padding:20px 24px; display:grid; grid-template-columns: 1fr 340px; gap:20px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px; }
h2 { font-size:15px; margin:0 0 10px; }
label { display:block; font-weight:600; margin:8px 0 4px; }
textarea { width:100%; min-height:56px; font:inherit; padding:8px; border:1px solid var(--line); border-radius:6px; resize:vertical; }
.response-row { display:flex; gap:6px; align-items:flex-start; margin-bottom:6px; }
.response-row button { flex:none; }
button { font:inherit; padding:6px 12px; border-radius:6px; border:1px solid var(--line); background:#fff; cursor:pointer; }
button.primary { background:var(--accent); color:#fff; border-color:var(--accent); }
button:disabled { opacity:.5; cursor:default; }
.actions { display:flex; gap:8px; flex-wrap:wrap; margin-top:10px; }
#status, #local-status { color:var(--muted); margin-top:8px; min-height:1.4em; }
.error { color:#b3261e; }
.results { margin-top:16px; display:grid; gap:10px; }
.result { border:1px solid var(--line); border-radius:6px; padding:10px; }
.result .title { display:flex; justify-content:space-between; gap:8px; font-weight:600; }
.result .text { color:var(--muted); white-space:pre-wrap; max-height:4.5em; overflow:hidden; margin:4px 0 8px; }
.row { display:grid; grid-template-columns: 140px 1fr 70px; gap:8px; align-items:center; font-size:13px; }
.track { height:10px; background:#eef1f6; border-radius:5px; position:relative; overflow:hidden; }
.fill { position:absolute; left:0; top:0; bottom:0; background:var(--bar); border-radius:5px; }
.local .fill { background:var(--local); }
.row.reward { font-weight:600; }
.num { text-align:right; font-variant-numeric: tabular-nums; }
.scale { color:var(--muted); font-size:12px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
td, th { text-align:left; padding:3px 4px; border-bottom:1px solid var(--line); vertical-align:top; }
code { font-size:12px; }
`

export function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rewardfit</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>rewardfit</h1><span id="model-summary">loading the model card…</span></header>
<main>
  <div>
    <section id="try">
      <h2>Try the reward model</h2>
      <label for="prompt">Prompt</label>
      <textarea id="prompt" placeholder="The prompt (x)"></textarea>
      <label>Responses</label>
      <div id="responses"></div>
      <div class="actions">
        <button id="add-response" type="button">Add a response</button>
        <button id="score-server" class="primary" type="button">Score on the server</button>
        <button id="score-local" type="button" disabled title="Load the model into this browser first">Score in this browser</button>
      </div>
      <div id="status" role="status"></div>
      <div id="results-server" class="results"></div>
      <div id="results-local" class="results local"></div>
    </section>
  </div>
  <div>
    <section id="local">
      <h2>Score in this browser</h2>
      <p class="scale">Runs the hashing featurizer and the head in this page, without the server.</p>
      <div class="actions"><button id="load-server-model" type="button">Load this server's model</button></div>
      <label for="model-files">…or choose config.json and head.safetensors</label>
      <input id="model-files" type="file" multiple accept=".json,.safetensors">
      <div id="local-status" role="status"></div>
    </section>
    <section id="card" style="margin-top:20px">
      <h2>Model card</h2>
      <div id="card-body">loading…</div>
    </section>
  </div>
</main>
<script src="${PAGE_SCRIPT_PATH}"></script>
</body>
</html>
`
}
