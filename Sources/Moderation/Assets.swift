/// The stylesheet and the small progressive script, served from the binary (no CDN, nothing external).
/// Every page works without the script; it adds keyboard shortcuts and the "new items" notice.
enum Assets {
    /// The public page's stylesheet: large readable type, high contrast on request, no web fonts (≈ 2 KB).
    static let publicCSS = """
        :root { --fg: #1a1a1a; --bg: #fff; --muted: #4a4a4a; --link: #0b4f9c; --line: #c8c8c8; --ok: #17602a; --bad: #9b1c1c; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 1.05rem/1.6 system-ui, "Noto Sans TC", "WenQuanYi Zen Hei", sans-serif; color: var(--fg); background: var(--bg); }
        body.large { font-size: 1.35rem; }
        body.contrast { --fg: #000; --bg: #fff; --muted: #000; --link: #00007a; --line: #000; --ok: #004d00; --bad: #7a0000; }
        body.contrast a { text-decoration: underline; font-weight: 700; }
        header, nav, main, footer { max-width: 52rem; margin: 0 auto; padding: .5rem 1rem; }
        h1 { font-size: 1.5em; margin: .6rem 0 .3rem; } h2 { font-size: 1.2em; margin: 1rem 0 .4rem; } h3 { font-size: 1.05em; margin: 0 0 .3rem; }
        a { color: var(--link); } a:focus-visible { outline: 3px solid #d97706; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .3rem .6rem; }
        .options a { display: inline-block; padding: .3rem .2rem; }
        summary { cursor: pointer; padding: .4rem 0; font-weight: 600; color: var(--link); }
        ul.langs { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .2rem .8rem; }
        ul.langs a { display: inline-block; padding: .25rem 0; } ul.langs a[aria-current] { font-weight: 700; text-decoration: none; }
        ul.places.towns { border-top: 1px solid var(--line); padding-top: .4rem; }
        ul.places { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem .4rem; }
        ul.places a { display: inline-block; padding: .35rem .6rem; border: 1px solid var(--line); border-radius: 4px; text-decoration: none; }
        ul.places a[aria-current] { background: var(--link); color: #fff; border-color: var(--link); }
        .official { padding-left: 1.2rem; }
        article.item { border-top: 1px solid var(--line); padding: .7rem 0; }
        article.retracted { color: var(--bad); }
        .text { white-space: pre-wrap; margin: .2rem 0; }
        .meta { color: var(--muted); font-size: .92em; }
        .badge { display: inline-block; margin: .2rem 0; padding: 0 .4rem; border-radius: 3px; font-weight: 700; }
        .badge.ok { color: var(--ok); border: 1px solid var(--ok); } .badge.withdrawn { color: var(--bad); border: 1px solid var(--bad); }
        .matches { margin: .1rem 0 .3rem; padding-left: 1.2rem; color: var(--muted); font-size: .92em; }
        .dist { font-weight: 700; margin: 0 0 .2rem; }
        #near button { font: inherit; padding: .4rem .8rem; border: 1px solid var(--link); color: var(--link); background: var(--bg); border-radius: 4px; cursor: pointer; }
        .pages a { display: inline-block; padding: .4rem .2rem; margin-right: 1rem; }
        footer { color: var(--muted); font-size: .9em; border-top: 1px solid var(--line); margin-top: 1rem; }
        """

    static let css = """
        :root { --fg: #1d232a; --muted: #5c6670; --line: #d7dde3; --bg: #f6f8fa; --ok: #1a7f37; --bad: #c62828;
          --warn: #8f5400; --sel: #fff4c2; font-family: "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", sans-serif; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--fg); background: #fff; font-size: 15px; line-height: 1.5; }
        header.top { display: flex; justify-content: space-between; align-items: center; padding: .4rem 1rem;
          background: #24313d; color: #fff; }
        header.top a { color: #fff; margin-right: 1rem; text-decoration: none; }
        header.top .brand { font-weight: 700; }
        .exercise-banner { background: #6a1b9a; color: #fff; padding: .45rem 1rem; font-weight: 700; border-bottom: 4px solid #f5c400; }
        .exercise-banner a { color: #fff; }
        body.exercise header.top { background: #4a148c; }
        header.top button { background: none; border: 1px solid #fff8; color: #fff; border-radius: 3px; cursor: pointer; }
        main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
        h1 { font-size: 1.4rem; margin: .2rem 0 .6rem; } h2 { font-size: 1.1rem; margin-top: 1.2rem; }
        .muted { color: var(--muted); } .nowrap { white-space: nowrap; } .num { text-align: right; font-variant-numeric: tabular-nums; }
        .inline { display: inline; }
        .langswitch { max-width: 1400px; margin: 0 auto; padding: .3rem 1rem 0; font-size: .9rem; text-align: right; }
        .mapform { display: flex; flex-wrap: wrap; gap: .4rem .8rem; align-items: center; background: var(--bg);
          padding: .5rem; border: 1px solid var(--line); border-radius: 4px; margin-bottom: .5rem; }
        .timeslider { margin: .3rem 0 .6rem; } .timeslider ol { display: flex; flex-wrap: wrap; gap: 0; list-style: none;
          padding: 0; margin: 0 0 .3rem; border-top: 4px solid var(--line); }
        .timeslider li a { display: block; padding: .35rem .55rem; font-size: .85rem; color: #0b4f8a; }
        .timeslider li a[aria-current] { background: #0b4f8a; color: #fff; font-weight: 700; }
        .mapfig { margin: 0; max-width: 760px; } svg.sitmap { width: 100%; height: auto; max-height: calc(100vh - 9rem);
          display: block; border: 1px solid var(--line); }
        svg.sitmap .sea { fill: #eaf3fa; } svg.sitmap .inset { fill: none; stroke: #7a8790; stroke-dasharray: 3 2; vector-effect: non-scaling-stroke; }
        svg.sitmap .insetlabel { fill: #3d4852; }
        .t { stroke: #fff; stroke-width: .6; vector-effect: non-scaling-stroke; }
        .t.s0 { fill: #e4e7ea; } .t.s1 { fill: #fdd49e; } .t.s2 { fill: #fdae6b; } .t.s3 { fill: #f16913; } .t.s4 { fill: #a63603; }
        .t.out { opacity: .35; } a:hover > .t, a:focus > .t { stroke: #0b4f8a; stroke-width: 2; }
        svg.sitmap .names text { fill: #1d232a; text-anchor: middle; paint-order: stroke; stroke: #fff; stroke-width: 2.5px;
          stroke-linejoin: round; pointer-events: none; }
        svg.sitmap .names a text { pointer-events: auto; font-weight: 700; }
        .m-area { fill: #7b1fa2; fill-opacity: .08; stroke: #7b1fa2; stroke-width: 1.5; stroke-dasharray: 4 2; vector-effect: non-scaling-stroke; }
        .m-quake { fill: #c62828; stroke: #fff; stroke-width: 1; vector-effect: non-scaling-stroke; }
        .m-emic { fill: #6a1b9a; stroke: #fff; stroke-width: 1; vector-effect: non-scaling-stroke; }
        .m-point { fill: #6a1b9a; } svg.sitmap .m-mag { fill: #8b0000; font-weight: 700; paint-order: stroke; stroke: #fff; stroke-width: 2px; }
        .bubble circle, .bub { fill: #0b4f8a; fill-opacity: .88; stroke: #fff; stroke-width: 1.2; vector-effect: non-scaling-stroke; }
        .bubble text { fill: #fff; text-anchor: middle; font-weight: 700; pointer-events: none; }
        a:focus > .bubble circle, a:hover > .bubble circle { fill: #062c4f; stroke: #ffbf00; stroke-width: 3; }
        svg.sitmap .north path { fill: #1d232a; } svg.sitmap .north text { text-anchor: middle; fill: #1d232a; }
        svg.sitmap .scale path { fill: none; stroke: #1d232a; stroke-width: 2; vector-effect: non-scaling-stroke; }
        svg.sitmap .scale text { text-anchor: middle; fill: #1d232a; }
        .legend ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; margin: .2rem 0; }
        .legend li { display: flex; align-items: center; gap: .35rem; font-size: .9rem; } svg.sw { width: 16px; height: 16px; }
        .notice { background: #fff8e1; border: 1px solid #e0b000; padding: .5rem .7rem; border-radius: 4px; }
        .small { font-size: .85rem; }
        @media (min-width: 1100px) { body[data-page=map] .mapfig { float: left; width: 58%; margin-right: 1.5rem; }
          body[data-page=map] main section { overflow: auto; } }
        .flash { background: #e8f4ff; border: 1px solid #9cc8f0; padding: .4rem .7rem; border-radius: 4px; }
        .flash.bad { background: #fdecea; border-color: #f0a29c; }
        .filters { display: flex; flex-wrap: wrap; gap: .4rem .8rem; align-items: end; background: var(--bg);
          padding: .6rem; border: 1px solid var(--line); border-radius: 4px; margin-bottom: .6rem; }
        .filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
        input, select, textarea, button { font: inherit; }
        .bulk { margin: .4rem 0; } .keys { font-size: .8rem; margin-left: 1rem; }
        table { border-collapse: collapse; width: 100%; }
        th, td { border-bottom: 1px solid var(--line); padding: .3rem .4rem; vertical-align: top; text-align: left; }
        th { background: var(--bg); font-weight: 600; font-size: .85rem; }
        tr.sel { background: var(--sel); outline: 2px solid #e0b000; }
        tr.done { opacity: .45; } tr.locked { background: #f3f3f3; }
        td.excerpt { max-width: 34rem; }
        .hi { color: var(--bad); font-weight: 700; } .mid { color: var(--warn); font-weight: 600; }
        .badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .85rem; border: 1px solid var(--line); }
        .v-corroborated { background: #e6f4ea; border-color: #8ccf9e; } .v-contradicted { background: #fdecea; border-color: #f0a29c; }
        .v-unconfirmed { background: #fff8e1; border-color: #f0d67c; }
        .pager { margin: .8rem 0; display: flex; gap: 1rem; }
        .post .text { white-space: pre-wrap; background: var(--bg); border: 1px solid var(--line); padding: .8rem;
          border-radius: 4px; font-size: 1.05rem; overflow-wrap: anywhere; }
        .rawlink { font-family: monospace; overflow-wrap: anywhere; }
        .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
        .scores { display: grid; grid-template-columns: auto 1fr; gap: .1rem .8rem; } .scores dt { color: var(--muted); }
        .actions { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 1rem; }
        .act { border: 1px solid var(--line); border-radius: 4px; padding: .6rem; display: flex; flex-direction: column; gap: .4rem; }
        .act h3 { margin: 0; font-size: 1rem; } .act label { display: flex; flex-direction: column; }
        button.ok { background: var(--ok); color: #fff; border: 0; padding: .4rem; border-radius: 3px; }
        button.bad { background: var(--bad); color: #fff; border: 0; padding: .4rem; border-radius: 3px; }
        pre.json { white-space: pre-wrap; font-size: .85rem; background: var(--bg); padding: .4rem; }
        .kpis { display: flex; flex-wrap: wrap; gap: 1rem; }
        .kpi { border: 1px solid var(--line); border-radius: 6px; padding: .6rem 1rem; min-width: 9rem; }
        .kpi .v { font-size: 1.6rem; font-weight: 700; } .kpi .l { color: var(--muted); font-size: .85rem; }
        .kpi.good .v { color: var(--ok); } .kpi.low .v { color: var(--bad); }
        .login { max-width: 22rem; margin: 3rem auto; } .login form { display: flex; flex-direction: column; gap: .6rem; }
        .login label { display: flex; flex-direction: column; }
        .login a.button.sso { display: block; text-align: center; padding: .6rem; background: #24313d; color: #fff;
          border-radius: 4px; text-decoration: none; font-weight: 600; }
        .flash.good { background: #e9f7ec; border-color: #8fcf9c; }
        .toast { position: fixed; bottom: 1rem; right: 1rem; background: #24313d; color: #fff; padding: .5rem 1rem; border-radius: 4px; }
        .toast.bad { background: var(--bad); }
        .help, .reasons { position: fixed; bottom: 1rem; left: 1rem; background: #fff; border: 2px solid #24313d; padding: .5rem 1rem; border-radius: 4px; }
        kbd { border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 3px; padding: 0 .3rem; font-size: .85em; background: var(--bg); }
        svg.chart { max-width: 100%; height: auto; } code { font-size: .8rem; overflow-wrap: anywhere; }
        .empty { text-align: center; color: var(--muted); padding: 2rem; }
        """

    /// The public page's only script: "near me". Shown only where the browser can locate; asks for the position
    /// only when the button is pressed; sorts this page's items by great-circle distance on the device and says
    /// how far each is. The position never leaves the device (no request is made with it).
    static let publicJS = """
        (function () {
          var box = document.getElementById("near");
          if (!box || !("geolocation" in navigator)) return;
          box.hidden = false;
          var status = document.getElementById("near-status");
          document.getElementById("near-me").addEventListener("click", function () {
            status.textContent = box.dataset.locating;
            navigator.geolocation.getCurrentPosition(function (pos) {
              var lat = pos.coords.latitude, lon = pos.coords.longitude, rad = Math.PI / 180;
              var items = Array.prototype.slice.call(document.querySelectorAll("article.item"));
              items.forEach(function (a) {
                var old = a.querySelector(".dist"); if (old) old.remove();
                var p = document.createElement("p"); p.className = "dist";
                if (a.dataset.lat && a.dataset.lon) {
                  var dLat = (a.dataset.lat - lat) * rad, dLon = (a.dataset.lon - lon) * rad;
                  var h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(lat * rad) * Math.cos(a.dataset.lat * rad) * Math.pow(Math.sin(dLon / 2), 2);
                  a.dist = 12742 * Math.asin(Math.sqrt(h));
                  p.textContent = box.dataset.km.replace("{km}", a.dist < 10 ? a.dist.toFixed(1) : Math.round(a.dist));
                } else { a.dist = Infinity; p.textContent = box.dataset.unknown; }
                a.insertBefore(p, a.firstChild);
              });
              items.sort(function (x, y) { return x.dist - y.dist; });
              var parent = items.length ? items[0].parentNode : null, anchor = parent && parent.querySelector(".pages");
              items.forEach(function (a) { parent.insertBefore(a, anchor); });
              status.textContent = box.dataset.done;
            }, function () { status.textContent = box.dataset.denied; }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
          });
        })();
        """

    static let js = """
        (function () {
          'use strict';
          var meta = document.querySelector('meta[name="csrf-token"]');
          var csrf = meta ? meta.getAttribute('content') : '';
          var page = document.body.getAttribute('data-page');

          function typing(e) {
            var t = e.target;
            return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
          }
          function toast(message, bad) {
            var t = document.getElementById('toast');
            if (!t) return;
            t.textContent = message;
            t.className = bad ? 'toast bad' : 'toast';
            t.hidden = false;
            clearTimeout(toast.timer);
            toast.timer = setTimeout(function () { t.hidden = true; }, 4000);
          }
          function post(url, data) {
            return fetch(url, {
              method: 'POST', credentials: 'same-origin',
              headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json' },
              body: new URLSearchParams(data).toString()
            }).then(function (r) {
              return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || String(r.status)); return j; });
            });
          }

          if (page === 'queue') {
            var current = -1;
            var reasonsOpen = false;
            var reasonKeys = { '1': 'not_disaster', '2': 'rumour', '3': 'duplicate', '4': 'spam' };
            var rows = function () { return Array.prototype.slice.call(document.querySelectorAll('tr.item')); };
            var select = function (i) {
              var rs = rows();
              if (!rs.length) { current = -1; return; }
              i = Math.max(0, Math.min(rs.length - 1, i));
              rs.forEach(function (r) { r.classList.remove('sel'); r.removeAttribute('aria-selected'); });
              current = i;
              rs[i].classList.add('sel');
              rs[i].setAttribute('aria-selected', 'true');
              rs[i].scrollIntoView({ block: 'nearest' });
            };
            var showReasons = function (show) {
              reasonsOpen = show;
              var box = document.getElementById('reasons');
              if (box) box.hidden = !show;
            };
            var decide = function (decision, reason) {
              var row = rows()[current];
              if (!row) return;
              var id = row.getAttribute('data-id');
              var data = { decision: decision };
              if (reason) data.reason = reason;
              post('/items/' + id + '/decision', data).then(function (j) {
                row.classList.remove('item', 'sel');
                row.classList.add('done');
                var cell = row.querySelector('.state');
                if (cell) cell.textContent = j.state_label;
                toast('#' + id + '：' + j.state_label);
                select(current);
              }).catch(function (err) { toast('#' + id + '：' + err.message, true); });
            };
            document.addEventListener('keydown', function (e) {
              if (e.ctrlKey || e.metaKey || e.altKey) return;
              if (typing(e)) { if (e.key === 'Escape') e.target.blur(); return; }
              if (reasonsOpen) {
                showReasons(false);
                if (reasonKeys[e.key]) { decide('reject', reasonKeys[e.key]); e.preventDefault(); }
                return;
              }
              var row = rows()[current];
              switch (e.key) {
                case 'j': select(current + 1); break;
                case 'k': select(current - 1); break;
                case 'Enter': case 'o': if (row) window.location.href = row.getAttribute('data-href'); break;
                case 'a': if (row) decide('approve'); break;
                case 'e': if (row) decide('escalate'); break;
                case 'r': if (row) showReasons(true); break;
                case 'x':
                  if (row) { var box = row.querySelector('input[type=checkbox]'); if (box) box.checked = !box.checked; }
                  break;
                case '/': var q = document.getElementById('q'); if (q) { q.focus(); q.select(); } break;
                case '?': var h = document.getElementById('help'); if (h) h.hidden = !h.hidden; break;
                default: return;
              }
              e.preventDefault();
            });
            var live = document.getElementById('live');
            if (live && window.fetch) {
              setInterval(function () {
                fetch('/api/v1/queue/summary', { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
                  .then(function (r) { return r.ok ? r.json() : null; })
                  .then(function (s) {
                    if (s && s.latest_id > Number(live.getAttribute('data-latest'))) {
                      live.querySelector('.n').textContent = s.open;
                      live.hidden = false;
                    }
                  }).catch(function () {});
              }, 10000);
            }
          }

          if (page === 'item') {
            document.addEventListener('keydown', function (e) {
              if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
              var form = null;
              if (e.key === 'a') form = document.getElementById('approve-form');
              if (e.key === 'e') form = document.getElementById('escalate-form');
              if (e.key === 'r') { var s = document.getElementById('reject-reason'); if (s) { s.focus(); e.preventDefault(); } return; }
              if (e.key === 'u') { window.location.href = '/'; return; }
              if (form) { e.preventDefault(); if (form.requestSubmit) form.requestSubmit(); else form.submit(); }
            });
          }
        })();
        """
}
