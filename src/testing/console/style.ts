/** The console's style sheet, shipped as a string (see client.ts). System fonts only: it works offline. */
export const CONSOLE_STYLE = `:root {
  color-scheme: light dark;
  --bg: #f7f7f5; --fg: #1d1d1f; --muted: #5f6368; --line: #d9d9d6; --panel: #ffffff;
  --accent: #0b57d0; --ok: #146c2e; --warn: #8a5300; --bad: #b3261e; --info: #4a4a8a;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #16171a; --fg: #e8e8e6; --muted: #a4a7ad; --line: #34363b; --panel: #1f2024;
    --accent: #8ab4f8; --ok: #7fd38f; --warn: #f0b35a; --bad: #f28b82; --info: #b4b4f0; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: var(--panel); padding: 4px 8px; z-index: 2; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 24px; padding: 10px 24px;
  background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { margin: 0; font-weight: 700; }
.brand a { color: inherit; text-decoration: none; }
.brand span { font-weight: 400; color: var(--muted); }
header nav ul { display: flex; flex-wrap: wrap; gap: 4px; margin: 0; padding: 0; list-style: none; }
header nav a { display: inline-block; padding: 6px 10px; border-radius: 6px; text-decoration: none; }
header nav a[aria-current="page"] { background: var(--accent); color: var(--panel); }
.live { margin: 0 0 0 auto; font-size: 13px; color: var(--muted); }
.live.on::before { content: "● "; color: var(--ok); }
.live.off::before { content: "● "; color: var(--bad); }
#banner.on { background: var(--bad); color: #fff; padding: 8px 24px; }
#banner.on p { margin: 0; }
#banner.on a { color: #fff; font-weight: 700; }
#flash { padding: 0 24px; min-height: 0; }
#flash.ok, #flash.error { padding: 8px 24px; }
#flash.error { color: var(--bad); font-weight: 600; }
#flash.ok { color: var(--ok); }
main { padding: 8px 24px 48px; max-width: 1240px; }
main:focus { outline: none; }
h1 { font-size: 24px; margin: 12px 0; }
h2 { font-size: 17px; margin: 20px 0 8px; }
h3 { font-size: 15px; margin: 0 0 4px; }
table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 13px; color: var(--muted); font-weight: 600; }
td.prompt { max-width: 420px; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.badge.done, .badge.approved, .badge.online, .badge.idle, .badge.active { color: var(--ok); }
.badge.running, .badge.busy { color: var(--accent); }
.badge.pending, .badge.paused { color: var(--warn); }
.badge.failed, .badge.rejected, .badge.offline { color: var(--bad); }
.badge.cancelled, .badge.unknown, .badge.stopping { color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: 6px; list-style: none; padding: 0; margin: 0 0 10px; }
.filters a { padding: 3px 10px; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; background: var(--panel); }
.filters a[aria-current="true"] { background: var(--accent); color: var(--panel); border-color: var(--accent); }
form { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 14px;
  display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: flex-end; margin: 0 0 16px; }
form h2, form p { flex-basis: 100%; margin: 10px 0 0; }
.field { display: flex; flex-direction: column; gap: 3px; }
.field.wide { flex: 1 1 320px; }
.field.check { flex-direction: row; align-items: center; gap: 8px; }
label { font-size: 13px; font-weight: 600; }
label small { font-weight: 400; color: var(--muted); }
input, select, textarea, button { font: inherit; color: inherit; }
input[type="text"], select, textarea { padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); }
textarea { resize: vertical; width: 100%; }
button { padding: 6px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent);
  color: var(--panel); font-weight: 600; cursor: pointer; }
button.reject, button.danger { background: var(--bad); border-color: var(--bad); }
button.approve { background: var(--ok); border-color: var(--ok); }
[hidden] { display: none !important; }
.empty { padding: 24px; text-align: center; color: var(--muted); background: var(--panel); border: 1px dashed var(--line); border-radius: 8px; }
.note { color: var(--muted); font-size: 13px; margin: 2px 0; }
.actions { display: flex; gap: 8px; margin: 0 0 12px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; padding: 12px 16px;
  background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.job-top { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; align-items: start; }
.job-top > section > h2 { margin-top: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin: 0;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 420px; overflow: auto; font-size: 13px; }
.artifacts { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; }
.artifact-image, .preview { display: block; max-width: 100%; image-rendering: pixelated; border: 1px solid var(--line);
  border-radius: 6px; background: var(--panel); }
.artifact-image { width: 256px; }
figcaption { font-size: 13px; margin-top: 4px; }
.reviews { list-style: none; padding: 0; display: grid; gap: 12px; }
.card { display: flex; gap: 16px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.card .preview { width: 160px; flex: none; }
.card-body { flex: 1; min-width: 0; }
.content { white-space: pre-wrap; overflow-wrap: anywhere; }
.decide { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.ks-state { padding: 10px 14px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.ks-state.on { border-color: var(--bad); color: var(--bad); font-weight: 600; }
@media (max-width: 720px) {
  header, main { padding-left: 12px; padding-right: 12px; }
  .live { margin-left: 0; }
  table thead { display: none; }
  table, tbody { display: block; width: 100%; }
  tr { border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 14px; padding: 8px 10px; }
  td, th { display: block; border: 0; padding: 0; }
  td.prompt, tbody th { flex-basis: 100%; }
  td[data-label]::before { content: attr(data-label) " "; color: var(--muted); font-size: 12px; }
  table.jobs td[data-label="Job"]::before, table.jobs td[data-label="Status"]::before, table.jobs td[data-label="Prompt"]::before { content: none; }
  .card { flex-direction: column; }
  .job-top { grid-template-columns: 1fr; }
  .facts { grid-template-columns: 1fr; }
  .facts dt { margin-top: 6px; }
}
`;
