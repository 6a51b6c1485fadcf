extension HTMLAssets {
    /// The page's stylesheet: system fonts only, light and dark themes from
    /// the reader's settings, a sticky table header, print-friendly.
    static let style = #"""
    :root{--bg:#f5f6f8;--panel:#fff;--text:#1c2230;--muted:#5d6678;--line:#dfe3ea;--head:#eef1f5;--accent:#2563c9;
    --ok:#1d8348;--bad:#c0392b;--warn:#b26a00;--skip:#7a8293;--other:#7048b8;--hover:#f0f4fb;--ctlbg:#ffe9a8;--ctl:#7a2e00;
    --mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;color-scheme:light dark}
    @media (prefers-color-scheme:dark){:root{--bg:#101319;--panel:#181c24;--text:#e3e7ee;--muted:#9aa3b2;--line:#2b313d;--head:#1f2430;
    --accent:#6ea1ff;--ok:#4cc27e;--bad:#ff6b5b;--warn:#f0b13c;--skip:#8b93a3;--other:#b59af0;--hover:#212836;--ctlbg:#5a4300;--ctl:#ffe08a}}
    *{box-sizing:border-box}
    body{margin:0;padding:20px 28px 40px;background:var(--bg);color:var(--text);
    font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif}
    h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:28px 0 10px}
    .muted{color:var(--muted)}code,.mono{font-family:var(--mono);font-size:12.5px}
    .top{margin-bottom:16px}.top p{margin:0}
    .totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:10px}
    .card{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:10px 14px}
    .card span{display:block;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
    .card b{display:block;font-size:22px;font-variant-numeric:tabular-nums;margin-top:2px}
    .card.ok b{color:var(--ok)}.card.bad b{color:var(--bad)}.card.warn b{color:var(--warn)}
    .statusbar{display:flex;height:8px;border-radius:4px;overflow:hidden;margin:12px 0 4px;background:var(--line)}
    .statusbar i{display:block;min-width:3px}
    .st-collected{background:var(--ok);fill:var(--ok);stroke:var(--ok)}.st-failed{background:var(--bad);fill:var(--bad);stroke:var(--bad)}
    .st-export-failed{background:var(--warn);fill:var(--warn);stroke:var(--warn)}.st-skipped{background:var(--skip);fill:var(--skip);stroke:var(--skip)}
    .st-other{background:var(--other);fill:var(--other);stroke:var(--other)}
    .notice{background:var(--panel);border:1px solid var(--warn);border-left:4px solid var(--warn);border-radius:8px;padding:10px 14px;margin:14px 0}
    .notice ul{margin:6px 0 0;padding-left:20px}
    .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:14px;margin-top:18px}.chart.wide{grid-column:1/-1}
    .chart{margin:0;background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
    .chart figcaption{font-weight:600;margin-bottom:6px}.chart figcaption .muted{font-weight:400}
    .chart svg{width:100%;height:auto;display:block}.chart .empty{color:var(--muted);margin:30px 0;text-align:center}
    svg text{fill:var(--muted);font-size:11px;font-family:inherit}svg .label{font-family:var(--mono);fill:var(--text)}
    svg .value{fill:var(--text);font-variant-numeric:tabular-nums}
    svg .grid{stroke:var(--line);stroke-width:1}svg .axis{stroke:var(--muted);stroke-width:1}
    svg .pt{fill-opacity:.75;stroke:none}svg .pt:hover{fill-opacity:1;stroke:var(--text);stroke-width:1.5}
    svg .dots{fill:none;stroke-width:4;stroke-linecap:round;stroke-opacity:.55}
    svg .bar{fill:var(--accent);fill-opacity:.8}svg .bar.st-failed{fill:var(--bad)}
    svg .mean{stroke:var(--text);stroke-width:2}svg .median{stroke:var(--muted);stroke-dasharray:4 3}
    svg g:hover .bar{fill-opacity:1}
    .legend{margin:6px 0 0;color:var(--muted);font-size:12px}.legend span{margin-right:14px;white-space:nowrap}
    .sw{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;vertical-align:-1px}
    .sw.bar{background:var(--accent);border-radius:2px}.sw.mean{background:var(--text);width:3px;border-radius:0}
    .controls{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center;margin-bottom:6px}
    .controls input[type=search]{flex:1 1 320px;max-width:520px;padding:7px 10px;border:1px solid var(--line);border-radius:8px;
    background:var(--panel);color:var(--text);font:inherit}
    .statuses{display:flex;flex-wrap:wrap;gap:6px 14px}.check{white-space:nowrap;cursor:pointer}
    .check .sw{margin-left:2px}
    button{font:inherit;color:var(--text);background:var(--panel);border:1px solid var(--line);border-radius:7px;padding:5px 12px;cursor:pointer}
    button:hover{background:var(--hover)}
    .shown{margin:4px 0 8px}
    .tablewrap{overflow-x:auto;background:var(--panel);border:1px solid var(--line);border-radius:10px}
    table{border-collapse:collapse;width:100%}
    th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
    thead th{position:sticky;top:0;background:var(--head);z-index:1;white-space:nowrap;font-size:12.5px}
    th button{all:unset;cursor:pointer;font-weight:600}th button:focus-visible{outline:2px solid var(--accent)}
    th[aria-sort=ascending] button::after{content:" ▲";font-size:10px}th[aria-sort=descending] button::after{content:" ▼";font-size:10px}
    td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    tr.srow:hover{background:var(--hover)}tr.srow.bad{box-shadow:inset 3px 0 var(--bad)}tr.srow.warn{box-shadow:inset 3px 0 var(--warn)}
    td.name{unicode-bidi:plaintext;white-space:nowrap;max-width:16em;overflow:hidden;text-overflow:ellipsis}
    td.nowrap{white-space:nowrap}
    .toggle{all:unset;cursor:pointer;width:1.2em;display:inline-block;text-align:center;color:var(--muted)}
    .toggle:focus-visible{outline:2px solid var(--accent)}
    .chip{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
    .chip.st-collected{color:#fff}.tag{display:inline-block;padding:0 6px;border:1px solid var(--line);border-radius:5px;font-size:11.5px;
    margin-right:4px;white-space:nowrap;font-family:var(--mono)}
    .tag.bad{border-color:var(--bad);color:var(--bad)}.tag.warn{border-color:var(--warn);color:var(--warn)}
    .problem{max-width:34em}.problem .msg{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;overflow-wrap:anywhere}
    .ctl{background:var(--ctlbg);color:var(--ctl);border-radius:3px;padding:0 2px;font-family:var(--mono);font-size:.9em}
    tr.drow>td{background:var(--bg);padding:12px 16px 16px 34px}
    .facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0 0 10px}
    .facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere;unicode-bidi:plaintext}
    .sub{width:auto;min-width:60%;background:var(--panel);border:1px solid var(--line);border-radius:8px;margin:6px 0}
    .sub th{background:var(--head);position:static;font-size:12px}.sub td{font-size:13px}
    .sub td.path{unicode-bidi:plaintext;overflow-wrap:anywhere;max-width:40em}
    .ok-text{color:var(--ok)}.bad-text{color:var(--bad);font-weight:600}
    h3{font-size:13.5px;margin:12px 0 4px}
    @media print{body{padding:0}.controls,#more,.toggle{display:none}.tablewrap{overflow:visible;border:none}thead th{position:static}}
    """#
}
