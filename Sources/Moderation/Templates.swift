import SieveCore

/// The app's Mustache templates, compiled into the binary so `sieve serve` works from any directory.
/// `{{x}}` is HTML-escaped (including quotes); the only `{{{raw}}}` insertions are SVG the server drew itself and
/// the body of `raw` pages, which Swift code builds with every value escaped (`H.e`).
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "login": login, "ssoContinue": ssoContinue, "public": publicPage, "queue": queue, "item": item, "dashboard": dashboard, "audit": audit,
        "users": users, "error": error, "raw": raw,
    ]

    static let raw = """
        {{<layout}}
        {{$title}}{{title}}{{/title}}
        {{$page}}{{page}}{{/page}}
        {{$body}}{{{html}}}{{/body}}
        {{/layout}}
        """

    static let layout = """
        <!doctype html>
        <html lang="zh-Hant-TW">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{$title}}Sieve{{/title}} · Sieve 審核台</title>
        <link rel="stylesheet" href="/static/app.css">
        {{#chrome.csrf}}<meta name="csrf-token" content="{{.}}">{{/chrome.csrf}}
        <script src="/static/app.js" defer></script>
        </head>
        <body data-page="{{$page}}{{/page}}">
        {{#chrome.user}}
        <header class="top">
        <nav>
        <a href="/" class="brand">Sieve 審核台</a>
        <a href="/">佇列</a>
        <a href="/map">地圖</a>
        <a href="/dashboard">儀表板</a>
        <a href="/outbox">發布匣</a>
        {{#chrome.isAdmin}}<a href="/admin/audit">稽核紀錄</a> <a href="/admin/users">帳號</a>{{/chrome.isAdmin}}
        </nav>
        <div class="who"><span class="user">{{chrome.user}}</span>（{{chrome.roleLabel}}）
        <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="{{chrome.csrf}}"><button type="submit">登出</button></form>
        </div>
        </header>
        {{/chrome.user}}
        {{#chrome.switchURL}}<p class="langswitch"><a href="{{chrome.switchURL}}" lang="{{chrome.switchLang}}">{{chrome.switchLabel}}</a></p>{{/chrome.switchURL}}
        <main>
        {{$body}}{{/body}}
        </main>
        <div id="toast" class="toast" role="status" hidden></div>
        </body>
        </html>
        """

    static let login = """
        {{<layout}}
        {{$title}}登入{{/title}}
        {{$page}}login{{/page}}
        {{$body}}
        <section class="login">
        <h1>Sieve 審核台</h1>
        <p class="muted">颱風夜的社群訊息審核。請以管理員發給您的帳號登入。</p>
        {{#message}}<p class="flash bad" role="alert">{{.}}</p>{{/message}}
        {{#notice}}<p class="flash good" role="status">{{.}}</p>{{/notice}}
        {{#providerLogout}}<p><a href="{{.}}">同時登出機關單一登入</a></p>{{/providerLogout}}
        {{#sso}}<p><a class="button sso" href="{{startURL}}">{{label}}</a></p>{{/sso}}
        {{#localLogin}}
        <form method="post" action="/login">
        <input type="hidden" name="_csrf" value="{{loginToken}}">
        <input type="hidden" name="next" value="{{next}}">
        <label>帳號 <input name="name" autocomplete="username" required value="{{name}}"{{^sso}} autofocus{{/sso}}></label>
        <label>密碼 <input name="password" type="password" autocomplete="current-password" required></label>
        <button type="submit">{{#sso}}以本機帳號{{/sso}}登入</button>
        </form>
        {{/localLogin}}
        </section>
        {{/body}}
        {{/layout}}
        """

    static let ssoContinue = """
        {{<layout}}
        {{$title}}登入中{{/title}}
        {{$page}}login{{/page}}
        {{$body}}
        <section class="login">
        <h1>已登入</h1>
        <p>{{user}}，歡迎。正在前往審核台…… 若未自動前往，請<a href="{{next}}">按這裡</a>。</p>
        <meta http-equiv="refresh" content="0;url={{next}}">
        </section>
        {{/body}}
        {{/layout}}
        """

    /// The public page: its own document (no moderators' chrome, no script), one small stylesheet.
    static let publicPage = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{words.title}} · Sieve</title>
        <link rel="stylesheet" href="/static/public.css">
        <script src="/static/public.js" defer></script>
        </head>
        <body class="{{bodyClass}}">
        <a class="skip" href="#items">{{words.skip}}</a>
        <header>
        <h1>{{words.title}}</h1>
        <p>{{words.intro}}</p>
        <p class="options"><a href="{{largeHref}}">{{largeLabel}}</a> · <a href="{{contrastHref}}">{{contrastLabel}}</a></p>
        <nav aria-label="{{words.language}}"><ul class="langs">{{#languages}}<li><a href="{{href}}" lang="{{lang}}" hreflang="{{lang}}"{{#current}} aria-current="true"{{/current}}>{{label}}</a></li>{{/languages}}</ul></nav>
        </header>
        <nav aria-label="{{words.byCounty}}">
        <details{{#hasTownships}} open{{/hasTownships}}>
        <summary>{{words.choosePlace}}</summary>
        <ul class="places"><li><a href="{{allHref}}"{{^options.county}} aria-current="page"{{/options.county}}>{{words.allTaiwan}}</a></li>{{#counties}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/counties}}</ul>
        {{#hasTownships}}
        <ul class="places towns">{{#townships}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/townships}}</ul>
        {{/hasTownships}}
        </details>
        </nav>
        <main>
        {{#hasOfficial}}
        <section aria-labelledby="official-h">
        <h2 id="official-h">{{words.official}}</h2>
        <ul class="official">
        {{#official}}<li><strong>{{kind}}</strong> <span lang="zh-Hant-TW">{{title}}</span>{{#area}} ({{.}}){{/area}}<br><span class="meta">{{meta}}{{#link}} · <a href="{{.}}" rel="noopener noreferrer">{{words.original}}</a>{{/link}}</span></li>{{/official}}
        </ul>
        </section>
        {{/hasOfficial}}
        <section id="items" aria-labelledby="items-h">
        <h2 id="items-h">{{words.reports}}</h2>
        <p id="near" hidden data-locating="{{words.nearLocating}}" data-denied="{{words.nearDenied}}" data-done="{{words.nearDone}}" data-km="{{words.nearKm}}" data-unknown="{{words.nearUnknown}}"><button type="button" id="near-me">{{words.nearMe}}</button> <span id="near-status" role="status"></span></p>
        {{^hasItems}}<p>{{words.none}}</p>{{/hasItems}}
        {{#items}}
        <article class="item{{#retracted}} retracted{{/retracted}}"{{#lat}} data-lat="{{.}}"{{/lat}}{{#lon}} data-lon="{{.}}"{{/lon}}>
        {{#retracted}}<p class="badge withdrawn">{{withdrawn}}</p><p>{{withdrawnText}} {{#retractionNote}}{{.}}{{/retractionNote}}</p>{{/retracted}}
        {{^retracted}}
        <h3>{{heading}}</h3>
        {{#words.asWritten}}<p class="meta">{{.}}</p>{{/words.asWritten}}
        <p class="text" lang="zh-Hant-TW">{{text}}</p>
        {{#corroborated}}<p class="badge ok">{{words.matches}}</p><ul class="matches" lang="zh-Hant-TW">{{#official}}<li>{{.}}</li>{{/official}}</ul>{{/corroborated}}
        <p class="meta">{{meta}}{{#link}} (<a href="{{.}}" rel="noopener noreferrer">{{words.original}}</a>){{/link}}</p>
        {{/retracted}}
        </article>
        {{/items}}
        <p class="pages">{{#previous}}<a href="{{.}}" rel="prev">{{words.newer}}</a>{{/previous}} {{#next}}<a href="{{.}}" rel="next">{{words.older}}</a>{{/next}}</p>
        </section>
        </main>
        <footer><p>{{words.footer}}</p></footer>
        </body>
        </html>
        """

    static let queue = """
        {{<layout}}
        {{$title}}審核佇列{{/title}}
        {{$page}}queue{{/page}}
        {{$body}}
        <div class="head">
        <h1>審核佇列</h1>
        <p class="muted">共 {{summary.open}} 則待審（待審 {{summary.queued}}、已轉 EOC {{summary.escalated}}）。依優先順序排列。</p>
        {{#summary.hasOutboxProblems}}<p class="flash error">有 {{summary.outboxProblems}} 筆發送失敗或已放棄，請到<a href="/outbox">發布匣</a>查看錯誤並重試。</p>{{/summary.hasOutboxProblems}}
        <p id="live" class="flash" data-latest="{{summary.latestID}}" hidden>有新的項目進入佇列（目前 <span class="n">{{summary.open}}</span> 則）。<a href="{{reloadURL}}">重新整理</a></p>
        {{#flash}}<p class="flash" role="status">{{.}}</p>{{/flash}}
        </div>
        <form method="get" action="/" class="filters" role="search">
        <label>搜尋 <input id="q" name="q" value="{{filter.q}}" placeholder="例：土石流 那瑪夏（按 / ）"></label>
        <label>類型 <select name="type"><option value="">全部</option>{{{typesHTML}}}</select></label>
        <label>縣市 <select name="county"><option value="">全部</option>{{{countiesHTML}}}</select></label>
        <label>查證 <select name="verdict"><option value="">全部</option>{{{verdictsHTML}}}</select></label>
        <label>來源 <select name="source"><option value="">全部</option>{{{sourcesHTML}}}</select></label>
        <label>狀態 <select name="state"><option value="">待審＋EOC</option>{{{statesHTML}}}</select></label>
        <label>自 <input type="datetime-local" name="from" value="{{filter.from}}"></label>
        <label>至 <input type="datetime-local" name="to" value="{{filter.to}}"></label>
        <button type="submit">篩選</button> <a href="/">清除</a>
        </form>
        <form method="post" action="/bulk" id="bulk">
        <input type="hidden" name="_csrf" value="{{chrome.csrf}}">
        <input type="hidden" name="back" value="{{reloadURL}}">
        {{#canDecide}}
        <div class="bulk">勾選的項目：
        <select name="decision" aria-label="批次動作"><option value="approve">核准發布</option><option value="reject">退回</option><option value="escalate">轉 EOC</option></select>
        <select name="reason" aria-label="退回原因">{{{reasonsHTML}}}</select>
        <button type="submit">批次執行</button>
        <span class="muted keys">鍵盤：j/k 上下、a 核准、r 退回、e 轉 EOC、x 勾選、Enter 開啟、/ 搜尋、? 說明</span>
        </div>
        {{/canDecide}}
        <table class="queue">
        <thead><tr><th></th><th>#</th><th>內容</th><th>來源</th><th>時間</th><th>地點</th><th>類型</th><th>災情</th><th>謠言</th><th>查證</th><th>相似</th><th>狀態</th></tr></thead>
        <tbody>
        {{{rowsHTML}}}
        </tbody>
        </table>
        </form>
        <nav class="pager">
        {{#prevURL}}<a href="{{.}}" rel="prev">← 上一頁</a>{{/prevURL}}
        <span>第 {{page}} 頁</span>
        {{#nextURL}}<a href="{{.}}" rel="next">下一頁 →</a>{{/nextURL}}
        </nav>
        <div id="help" class="help" hidden>
        <p><kbd>j</kbd>/<kbd>k</kbd> 移動　<kbd>a</kbd> 核准發布　<kbd>r</kbd> 退回（再按 1 非災情、2 謠言、3 重複、4 垃圾訊息）　<kbd>e</kbd> 轉 EOC　<kbd>x</kbd> 勾選　<kbd>Enter</kbd> 開啟　<kbd>/</kbd> 搜尋</p>
        </div>
        <div id="reasons" class="reasons" hidden>退回原因：<kbd>1</kbd> 非災情　<kbd>2</kbd> 謠言　<kbd>3</kbd> 重複　<kbd>4</kbd> 垃圾訊息　（Esc 取消）</div>
        {{/body}}
        {{/layout}}
        """

    static let item = """
        {{<layout}}
        {{$title}}#{{id}}{{/title}}
        {{$page}}item{{/page}}
        {{$body}}
        <p><a href="/">← 回佇列</a></p>
        {{#flash}}<p class="flash" role="status">{{.}}</p>{{/flash}}
        <article class="post">
        <h1>#{{id}} {{#title}}{{.}}{{/title}}</h1>
        <p class="meta">{{source}} · {{#author}}{{.}} · {{/author}}{{time}} · 狀態：<strong>{{stateLabel}}</strong>{{#duplicateOf}} · 重複於 <a href="/items/{{.}}">#{{.}}</a>{{/duplicateOf}}</p>
        {{#lockedBy}}<p class="flash bad" role="alert">🔒 {{user}} 正在處理此項目（至 {{until}}）。您可以檢視，但暫時不能決定。</p>{{/lockedBy}}
        {{#claimedUntil}}<p class="muted">您已鎖定此項目至 {{.}}，其他人暫時無法處理。</p>{{/claimedUntil}}
        <div class="text">{{text}}</div>
        <p>原始連結：{{#link}}<a href="{{.}}" rel="noopener noreferrer nofollow" target="_blank">{{.}}</a>{{/link}}{{#linkText}}<span class="rawlink">{{.}}</span>（非 http/https，不提供連結）{{/linkText}}{{^link}}{{^linkText}}—{{/linkText}}{{/link}}</p>
        </article>
        <section class="cols">
        <div>
        <h2>分類器判斷</h2>
        <dl class="scores"><dt>災情</dt><dd class="{{disasterClass}}">{{disaster}}</dd><dt>謠言</dt><dd class="{{rumourClass}}">{{rumour}}</dd><dt>優先</dt><dd>{{priority}}</dd><dt>類型</dt><dd>{{types}}</dd><dt>地點</dt><dd>{{places}}</dd><dt>模型</dt><dd>{{model}}</dd></dl>
        <ul class="reasons-list">{{#why}}<li>{{.}}</li>{{/why}}</ul>
        {{#hasTimes}}<p>時間：{{#times}}{{.}}　{{/times}}</p>{{/hasTimes}}
        {{#hasPeople}}<p>人員：{{#people}}{{.}}　{{/people}}</p>{{/hasPeople}}
        </div>
        <div>
        <h2>交叉比對</h2>
        {{#verdict}}<p><span class="badge v-{{value}}">{{label}}</span> {{#score}}分數 {{.}}{{/score}}</p>{{/verdict}}
        {{^verdict}}<p class="muted">尚未比對。</p>{{/verdict}}
        <ul class="why">{{#explanation}}<li>{{.}}</li>{{/explanation}}</ul>
        {{#hasIncidents}}<h3>相符的官方事件</h3><ul>{{#incidents}}<li>{{.}}</li>{{/incidents}}</ul>{{/hasIncidents}}
        <h2>相似貼文（{{clusterSize}}）</h2>
        <ul>{{#cluster}}<li><a href="/items/{{id}}">#{{id}}</a> {{source}} · {{excerpt}}</li>{{/cluster}}{{^cluster}}<li class="muted">沒有其他相似貼文。</li>{{/cluster}}</ul>
        </div>
        </section>
        {{#actionable}}
        <section class="actions">
        <h2>決定</h2>
        <form method="post" action="/items/{{id}}/decision" id="approve-form" class="act">
        <input type="hidden" name="_csrf" value="{{chrome.csrf}}"><input type="hidden" name="decision" value="approve">
        <h3>核准發布 <kbd>a</kbd></h3>
        <input type="hidden" name="channels_present" value="1">
        <fieldset><legend>發布頻道</legend>{{#channels}}<label><input type="checkbox" name="channels" value="{{name}}" checked> {{title}}（{{name}}）</label> {{/channels}}</fieldset>
        <label>公開文字（可編修）<textarea name="public_text" rows="6">{{publicText}}</textarea></label>
        <label>備註 <input name="note" placeholder="例：已向區公所確認"></label>
        <button type="submit" class="ok">核准發布</button>
        </form>
        <form method="post" action="/items/{{id}}/decision" id="reject-form" class="act">
        <input type="hidden" name="_csrf" value="{{chrome.csrf}}"><input type="hidden" name="decision" value="reject">
        <h3>退回 <kbd>r</kbd></h3>
        <label>原因 <select name="reason" id="reject-reason">{{#reasons}}<option value="{{value}}">{{label}}</option>{{/reasons}}</select></label>
        <label>備註 <input name="note"></label>
        <button type="submit" class="bad">退回</button>
        </form>
        <form method="post" action="/items/{{id}}/decision" id="escalate-form" class="act">
        <input type="hidden" name="_csrf" value="{{chrome.csrf}}"><input type="hidden" name="decision" value="escalate">
        <h3>轉 EOC <kbd>e</kbd></h3>
        <label>備註 <input name="note" placeholder="例：需應變中心確認"></label>
        <button type="submit">轉交 EOC</button>
        </form>
        <form method="post" action="/items/{{id}}/merge" id="merge-form" class="act">
        <input type="hidden" name="_csrf" value="{{chrome.csrf}}">
        <h3>合併重複</h3>
        <label>與 # 合併 <input name="into" inputmode="numeric" pattern="[0-9]+" required></label>
        <button type="submit">標為重複並合併</button>
        </form>
        </section>
        {{/actionable}}
        {{#retractable}}
        <section class="actions">
        <h2>已核准或已轉 EOC 的項目</h2>
        {{#editable}}
        <form method="post" action="/items/{{id}}/edit" id="edit-form" class="act">
        <input type="hidden" name="_csrf" value="{{chrome.csrf}}">
        <h3>修正公開文字</h3>
        <p class="muted">已發布的頻道會就地修正（Mastodon、Telegram、Facebook、Discord），CAP 送出更新，動態消息改用新文字；LINE 與 Slack 無法修改。</p>
        <label>公開文字 <textarea name="text" rows="6" required>{{publicText}}</textarea></label>
        <label>備註 <input name="note" placeholder="例：更正地點"></label>
        <button type="submit">送出修正</button>
        </form>
        {{/editable}}
        <form method="post" action="/items/{{id}}/retract" id="retract-form" class="act">
        <input type="hidden" name="_csrf" value="{{chrome.csrf}}">
        <h3>撤回</h3>
        <p class="muted">尚未送出的發布全部取消；已送達的頻道會刪除或發出撤回（CAP Cancel），動態消息移除此則。撤回後不能再發布。</p>
        <label>原因（必填，會留在紀錄中）<input name="note" required placeholder="例：經查證為誤報"></label>
        <button type="submit" class="bad">撤回此項目</button>
        </form>
        </section>
        {{/retractable}}
        <section>
        <h2>紀錄</h2>
        <table class="history"><thead><tr><th>時間</th><th>誰</th><th>動作</th><th>內容</th></tr></thead><tbody>
        {{#history}}<tr><td class="nowrap">{{time}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{detail}}</td></tr>{{/history}}
        {{^history}}<tr><td colspan="4" class="muted">尚無紀錄。</td></tr>{{/history}}
        </tbody></table>
        {{#hasPublications}}<p>發布：{{#publications}}{{.}}　{{/publications}}</p>{{/hasPublications}}
        </section>
        {{/body}}
        {{/layout}}
        """

    static let dashboard = """
        {{<layout}}
        {{$title}}儀表板{{/title}}
        {{$page}}dashboard{{/page}}
        {{$body}}
        <h1>儀表板</h1>
        <section class="kpis">
        <div class="kpi"><div class="v">{{queued}}</div><div class="l">待審</div></div>
        <div class="kpi"><div class="v">{{escalated}}</div><div class="l">已轉 EOC</div></div>
        <div class="kpi"><div class="v">{{oldestAge}}</div><div class="l">最久待審</div></div>
        <div class="kpi"><div class="v">{{averageAge}}</div><div class="l">平均等待</div></div>
        <div class="kpi {{indicatorClass}}"><div class="v">{{indicator}}</div><div class="l">社群訊息發布 ÷ 官方公告（目標 80%）<br>{{published}} 則發布 / {{official}} 則官方公告</div></div>
        </section>
        <section><h2>每小時貼文（依類型）</h2><p class="muted">{{window}}</p>{{{typeChart}}}</section>
        <section><h2>每小時貼文（依縣市）</h2>{{{countyChart}}}</section>
        <section><h2>審核者決定</h2>
        <table><thead><tr><th>審核者</th><th>核准</th><th>退回</th><th>轉 EOC</th><th>合計</th></tr></thead><tbody>
        {{#decisions}}<tr><td>{{reviewer}}</td><td class="num">{{approve}}</td><td class="num">{{reject}}</td><td class="num">{{escalate}}</td><td class="num">{{total}}</td></tr>{{/decisions}}
        {{^decisions}}<tr><td colspan="5" class="muted">尚無決定。</td></tr>{{/decisions}}
        </tbody></table></section>
        {{/body}}
        {{/layout}}
        """

    static let audit = """
        {{<layout}}
        {{$title}}稽核紀錄{{/title}}
        {{$page}}audit{{/page}}
        {{$body}}
        <h1>稽核紀錄</h1>
        <form method="get" action="/admin/audit" class="filters">
        <label>誰 <input name="actor" value="{{actor}}"></label>
        <label>動作 <input name="action" value="{{action}}"></label>
        <label>項目 # <input name="post" value="{{post}}" inputmode="numeric"></label>
        <button type="submit">篩選</button>
        <a href="/admin/audit.csv{{query}}">匯出 CSV</a>
        </form>
        <table class="audit"><thead><tr><th>#</th><th>時間</th><th>誰</th><th>動作</th><th>項目</th><th>之前</th><th>之後</th><th>位址</th></tr></thead><tbody>
        {{#entries}}<tr><td>{{id}}</td><td class="nowrap">{{time}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{#postId}}<a href="/items/{{.}}">#{{.}}</a>{{/postId}}</td><td><code>{{before}}</code></td><td><code>{{after}}</code></td><td>{{ip}}</td></tr>{{/entries}}
        {{^entries}}<tr><td colspan="8" class="muted">沒有紀錄。</td></tr>{{/entries}}
        </tbody></table>
        <nav class="pager">{{#prevURL}}<a href="{{.}}">← 較新</a>{{/prevURL}} <span>第 {{page}} 頁</span> {{#nextURL}}<a href="{{.}}">較舊 →</a>{{/nextURL}}</nav>
        {{/body}}
        {{/layout}}
        """

    static let users = """
        {{<layout}}
        {{$title}}帳號{{/title}}
        {{$page}}users{{/page}}
        {{$body}}
        <h1>帳號</h1>
        <p class="muted">以 <code>sieve user add 名稱 --role admin|moderator|eoc</code> 新增帳號；<code>sieve user token 名稱</code> 產生 API 權杖。</p>
        <p class="muted">單一登入建立的帳號沒有本機密碼；機關撤銷其角色時帳號會自動停用，需以 <code>sieve user enable 名稱</code> 重新啟用。</p>
        <table><thead><tr><th>名稱</th><th>角色</th><th>登入方式</th><th>建立時間</th><th>狀態</th></tr></thead><tbody>
        {{#accounts}}<tr><td>{{name}}</td><td>{{role}}</td><td>{{signIn}}</td><td>{{created}}</td><td>{{status}}</td></tr>{{/accounts}}
        </tbody></table>
        {{/body}}
        {{/layout}}
        """

    static let error = """
        {{<layout}}
        {{$title}}{{status}}{{/title}}
        {{$page}}error{{/page}}
        {{$body}}
        <h1>{{status}} {{heading}}</h1>
        <p>{{message}}</p>
        <p><a href="/">回佇列</a></p>
        {{/body}}
        {{/layout}}
        """

    /// The template in `lang`: every text node and attribute value with Chinese in it is looked up whole (trimmed,
    /// its surrounding spaces kept) in the app's catalogue; `<html lang>` follows. Traditional Chinese: unchanged.
    static func translated(_ template: String, _ lang: Language) -> String {
        guard lang != .zhHant else { return template }
        var out = ""
        out.reserveCapacity(template.utf8.count)
        var rest = Substring(template)
        func translateText(_ text: Substring) -> String {
            guard Messages.hasChinese(String(text)) else { return String(text) }
            // Full-width spaces (between keys, list items) become plain ones.
            let plain = { (s: String) in s.replacingOccurrences(of: "\u{3000}", with: " ") }
            let core = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let lead = plain(String(text.prefix { $0.isWhitespace })), trail = plain(String(text.reversed().prefix { $0.isWhitespace }.reversed()))
            return core.isEmpty ? lead : lead + Messages.app(core, lang) + trail
        }
        while !rest.isEmpty {
            if rest.hasPrefix("{{") {
                let end = rest.range(of: "}}").map { $0.upperBound } ?? rest.endIndex
                out += rest[..<end]
                rest = rest[end...]
            } else if rest.hasPrefix("<") {
                let end = rest.range(of: ">").map { $0.upperBound } ?? rest.endIndex
                var tag = String(rest[..<end])
                // Attribute values with Chinese (placeholder, aria-label, title).
                if Messages.hasChinese(tag) {
                    var rebuilt = "", parts = tag.components(separatedBy: "\"")
                    for (k, part) in parts.enumerated() {
                        rebuilt += k % 2 == 1 ? translateText(Substring(part)) : part
                        if k < parts.count - 1 { rebuilt += "\"" }
                    }
                    parts = []
                    tag = rebuilt
                }
                if tag.hasPrefix("<html ") { tag = tag.replacingOccurrences(of: "lang=\"zh-Hant-TW\"", with: "lang=\"\(lang.htmlLang)\"") }
                out += tag
                rest = rest[end...]
            } else {
                let next = [rest.range(of: "{{")?.lowerBound, rest.range(of: "<")?.lowerBound].compactMap { $0 }.min() ?? rest.endIndex
                out += translateText(rest[..<next])
                rest = rest[next...]
            }
        }
        return out
    }
}
