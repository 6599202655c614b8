/// The moderators' web app in English: its Traditional Chinese wording (the source language, as written in the
/// templates and labels) mapped to English — gettext-style, the Chinese text is the key. Templates are translated
/// text node by text node (`Templates.translated`), labels and messages through `Messages.app(_:_:)`. A test renders
/// every template in English and fails on any Chinese left, and on any phrase looked up without an entry.
extension Messages {
    public static let appEnglish: [String: String] = [
        // Errors (parameters, API, forms)
        "村里：{file}（內政部村里界），{villages} 個村里；只提到村里（名稱在縣市內唯一）的報告算在它的鄉鎮。":
            "Villages: {file} (MOI village boundaries), {villages} villages; a report naming only a village (its name unique in the county) counts for its township.",
        "讀不到村里界線檔：{error}": "Cannot read the village boundary file: {error}", "只提到村里的報告算在縣市。": "Reports naming only a village count for their county.",
        "沒有編號 {id} 的項目": "no post with id {id}",
        "項目 {post} 的狀態是 {state}；只有已核准或已轉 EOC 的項目可以撤回": "post {post} is {state}; only approved or escalated items can be retracted",
        "項目 {post} 的狀態是 {state}；只有已核准的項目可以修改公開文字": "post {post} is {state}; only approved items can have their public wording edited",
        "項目 {post} 的狀態是 {state}；只有待審或已轉 EOC 的項目可以做「{decision}」決定":
            "post {post} is {state}; only queued or escalated posts can be given the decision \"{decision}\"",
        "沒有「{name}」這個頻道（已設定：{known}）": "unknown channel \"{name}\" (configured: {known})",
        "發布匣沒有編號 {id} 的項目": "no outbox entry with id {id}", "發布匣項目 {id} 的狀態是 {status}，不能 {action}": "outbox entry {id} is {status}; cannot {action} it",
        "已經有名為「{name}」的帳號": "an account named \"{name}\" already exists", "沒有名為「{name}」的帳號": "no account named \"{name}\"",
        "項目 {post} 正由 {user} 處理，到 {until} 為止": "post {post} is being handled by {user} until {until}",
        "項目不能合併到自己": "cannot merge: an item cannot be merged into itself",
        "無法合併：項目 {into} 已經是 {post} 的重複": "cannot merge: post {into} is already a duplicate of {post}",
        "項目 {post} 已撤回，發送 {delivery} 永遠不會再送出（撤回會取消所有尚未送出的發送）":
            "item {post} was retracted, so delivery {delivery} can never be sent again (a retraction cancels every delivery not yet made)",
        "內容須是 JSON，例如 {\"decision\": \"approve\"}：{error}": "body must be JSON like {\"decision\": \"approve\"}: {error}",
        "decision 須是 approve、reject 或 escalate，收到「{got}」": "decision must be approve, reject or escalate, got \"{got}\"",
        "退回需要原因 reason = not_disaster、rumour、duplicate 或 spam，收到「{got}」":
            "a rejection needs reason = not_disaster, rumour, duplicate or spam, got \"{got}\"",
        "需要登入": "login required", "{key} 須是 {choices} 之一，收到「{got}」": "{key} must be one of {choices}, got \"{got}\"",
        "{key} 須是時間，例如 2026-09-14T22:00（臺北時間）或 RFC 3339，收到「{got}」":
            "{key} must be a time like 2026-09-14T22:00 (Taipei) or RFC 3339, got \"{got}\"",
        "county 須是縣市名稱，例如臺北市，收到「{got}」": "county must be a county or city such as 臺北市, got \"{got}\"",
        "沒有設定查證專線": "no tipline",
        "表單內容 {length} 位元組，上限是 {limit}（tipline.max_picture_bytes + 64 KiB）":
            "form body of {length} bytes; the limit is {limit} (tipline.max_picture_bytes + 64 KiB)",
        "表單內容超過 {limit} 位元組（tipline.max_picture_bytes + 64 KiB）": "form body over {limit} bytes (tipline.max_picture_bytes + 64 KiB)",
        "不是以 {boundary} 分隔的 multipart/form-data 內容": "not a multipart/form-data body with boundary {boundary}",
        "無法讀取查證專線的鹽值；請看伺服器紀錄": "the tipline's salt cannot be read; see the server log",
        "沒有設定查證專線網頁表單（設定檔 [tipline] web_form = true）": "no tipline web form is configured ([tipline] web_form = true in the config)",
        "發布匣編號不正確": "bad outbox id", "沒有發布匣動作「{action}」（retry、drop）": "no outbox action \"{action}\" (retry, drop)",
        "項目編號須是正整數，收到「{got}」": "item id must be a positive integer, got \"{got}\"",
        "Authorization 須是 \"Bearer <token>\"（以 `sieve user token NAME` 建立）":
            "Authorization must be \"Bearer <token>\" (create one with `sieve user token NAME`)",
        "API 權杖不存在或已撤銷": "unknown or revoked API token", "內部錯誤；請看伺服器紀錄": "internal error; see the server log",
        "into 須是此項目所重複的項目編號，收到「{got}」": "into must be the id of the item this one duplicates, got \"{got}\"",
        "limit 須是 1…500，收到「{got}」": "limit must be 1…500, got \"{got}\"", "page 須是正整數，收到「{got}」": "page must be a positive integer, got \"{got}\"",
        "post 須是項目編號，收到「{got}」": "post must be an item id, got \"{got}\"",
        "page 須是 1 到 100000 的整數，收到「{got}」": "page must be a whole number from 1 to 100000, got \"{got}\"",
        "沒有 {file} 這個饋送（{choices}）": "no feed {file} ({choices})", "沒有 CAP 訊息 {file}": "no CAP message {file}",
        "沒有這個演習動作（pause、resume、finish、speed、inject）": "unknown drill action (pause, resume, finish, speed, inject)",
        // Layout and navigation
        "· Sieve 審核台": "· Sieve moderation", "Sieve 審核台": "Sieve moderation", "佇列": "Queue", "地圖": "Map",
        "儀表板": "Dashboard", "發布匣": "Outbox", "稽核紀錄": "Audit log", "帳號": "Accounts", "（": " (", "）": ")",
        "登出": "Sign out", "登入": "Sign in", "。": ".",
        // Login
        "颱風夜的社群訊息審核。請以管理員發給您的帳號登入。": "Moderating community posts on a typhoon night. Sign in with the account your administrator gave you.",
        "同時登出機關單一登入": "Also sign out of the agency's single sign-on", "密碼": "Password", "以本機帳號": "Sign in with a local account",
        "登入中": "Signing in", "已登入": "Signed in", "，歡迎。正在前往審核台…… 若未自動前往，請": ", welcome. Taking you to the queue… If nothing happens,",
        "按這裡": "click here",
        // Queue
        "審核佇列": "Moderation queue", "共": "Open:", "則待審（待審": "items (queued", "、已轉 EOC": ", escalated to the EOC",
        "）。依優先順序排列。": "), most urgent first.", "有": "", "筆發送失敗或已放棄，請到": "deliveries failed or were given up; see the",
        "查看錯誤並重試。": "for the errors and to retry.", "有新的項目進入佇列（目前": "New items have arrived (now",
        "則）。": "open).", "重新整理": "Reload", "搜尋": "Search", "例：土石流 那瑪夏（按 / ）": "e.g. 土石流 那瑪夏 (press /)",
        "類型": "Type", "全部": "All", "縣市": "County", "查證": "Verdict", "來源": "Source", "狀態": "State",
        "待審＋EOC": "Queued + EOC", "自": "From", "至": "To", "篩選": "Filter", "清除": "Clear", "勾選的項目：": "Ticked items:",
        "批次動作": "Bulk action", "核准發布": "Approve and publish", "退回": "Reject", "轉 EOC": "Escalate to the EOC",
        "退回原因": "Reason for rejecting", "批次執行": "Apply",
        "鍵盤：j/k 上下、a 核准、r 退回、e 轉 EOC、x 勾選、Enter 開啟、/ 搜尋、? 說明":
            "Keys: j/k move, a approve, r reject, e escalate, x tick, Enter open, / search, ? help",
        "內容": "Post", "時間": "Time", "地點": "Place", "災情": "Disaster", "謠言": "Rumour", "相似": "Similar",
        "← 上一頁": "← Previous", "第": "Page", "頁": "", "下一頁 →": "Next →", "移動": "move",
        "退回（再按 1 非災情、2 謠言、3 重複、4 垃圾訊息）": "reject (then 1 not a disaster, 2 rumour, 3 duplicate, 4 spam)",
        "勾選": "tick", "開啟": "open", "退回原因：": "Reason for rejecting:", "非災情": "Not a disaster", "重複": "Duplicate",
        "垃圾訊息\u{3000}（Esc 取消）": "Spam (Esc cancels)", "垃圾訊息": "Spam",
        // Item
        "← 回佇列": "← Back to the queue", "· 狀態：": "· State:", "· 重複於": "· duplicate of", "正在處理此項目（至": "is working on this item (until",
        "）。您可以檢視，但暫時不能決定。": "). You can look, but not decide for now.", "您已鎖定此項目至": "You hold this item until",
        "，其他人暫時無法處理。": "; nobody else can decide it meanwhile.", "原始連結：": "Original link:",
        "（非 http/https，不提供連結）": "(not http/https: not linked)", "分類器判斷": "Classifier", "優先": "Priority", "模型": "Model",
        "時間：": "Times:", "人員：": "People:", "交叉比對": "Cross-reference", "分數": "score", "尚未比對。": "Not cross-referenced yet.",
        "相符的官方事件": "Matching official records", "相似貼文（": "Similar posts (", "沒有其他相似貼文。": "No other similar posts.",
        "決定": "Decide", "發布頻道": "Channels", "公開文字（可編修）": "Public wording (editable)", "備註": "Note",
        "例：已向區公所確認": "e.g. confirmed with the district office", "原因": "Reason", "例：需應變中心確認": "e.g. needs the EOC to confirm",
        "轉交 EOC": "Escalate to the EOC", "合併重複": "Merge as duplicate", "與 # 合併": "Merge into #", "標為重複並合併": "Mark as duplicate and merge",
        "已核准或已轉 EOC 的項目": "Approved or escalated item", "修正公開文字": "Correct the public wording",
        "已發布的頻道會就地修正（Mastodon、Telegram、Facebook、Discord），CAP 送出更新，動態消息改用新文字；LINE 與 Slack 無法修改。":
            "Channels that got it are corrected in place (Mastodon, Telegram, Facebook, Discord), CAP sends an Update, the feeds carry the new wording; LINE and Slack cannot be edited.",
        "公開文字": "Public wording", "例：更正地點": "e.g. place corrected", "送出修正": "Send the correction", "撤回": "Retract",
        "尚未送出的發布全部取消；已送達的頻道會刪除或發出撤回（CAP Cancel），動態消息移除此則。撤回後不能再發布。":
            "Deliveries not yet sent are cancelled; channels that got it delete it or get a withdrawal (CAP Cancel), and the feeds drop it. A retracted item cannot be published again.",
        "原因（必填，會留在紀錄中）": "Reason (required, kept in the log)", "例：經查證為誤報": "e.g. checked: a false report",
        "撤回此項目": "Retract this item", "紀錄": "History", "誰": "Who", "動作": "Action", "尚無紀錄。": "Nothing yet.", "發布：": "Published:",
        // Dashboard
        "待審": "Queued", "已轉 EOC": "Escalated to the EOC", "最久待審": "Oldest queued", "平均等待": "Average wait",
        "社群訊息發布 ÷ 官方公告（目標 80%）": "Community messages published ÷ official announcements (target 80%)",
        "則發布 /": "published /", "則官方公告": "official announcements", "每小時貼文（依類型）": "Posts per hour by type",
        "每小時貼文（依縣市）": "Posts per hour by county", "審核者決定": "Decisions by moderator", "審核者": "Moderator", "核准": "Approve",
        "合計": "Total", "尚無決定。": "No decisions yet.",
        // Audit log and accounts
        "項目 #": "Item #", "匯出 CSV": "Export CSV", "項目": "Item", "之前": "Before", "之後": "After", "位址": "Address",
        "沒有紀錄。": "No entries.", "← 較新": "← Newer", "較舊 →": "Older →", "以": "Add accounts with",
        "sieve user add 名稱 --role admin|moderator|eoc": "sieve user add NAME --role admin|moderator|eoc", "新增帳號；": "; ",
        "sieve user token 名稱": "sieve user token NAME", "產生 API 權杖。": "makes an API token.",
        "單一登入建立的帳號沒有本機密碼；機關撤銷其角色時帳號會自動停用，需以":
            "Accounts made by single sign-on have no local password; when the agency withdraws the role the account is disabled, and",
        "sieve user enable 名稱": "sieve user enable NAME", "重新啟用。": "enables it again.", "名稱": "Name", "角色": "Role",
        "登入方式": "Sign-in", "建立時間": "Created", "回佇列": "Back to the queue",
        // Labels: states, verdicts, roles, actions
        "未分類": "Not classified", "已核准": "Approved", "已退回": "Rejected", "已撤回": "Retracted", "尚未比對": "Not cross-referenced",
        "管理員": "Administrator", "審核員": "Moderator", "EOC 檢視": "EOC viewer", "鎖定處理": "Lock", "登入失敗": "Failed sign-in",
        "新增帳號": "Account added", "產生權杖": "Token made", "單一登入建立帳號": "Account made by single sign-on", "角色變更": "Role changed",
        // Map
        "{n} 小時": "{n} hours", "{n} 天": "{n} days", "中央氣象署地震報告 {id}，規模 {magnitude}，{time}": "CWA earthquake report {id}, magnitude {magnitude}, {time}",
        "EMIC 災情 {event}：{address}，{time}": "EMIC report {event}: {address}, {time}", "警報（CAP）{event}：{headline}，{time}": "Alert (CAP) {event}: {headline}, {time}",
        "{from} 至 {to}（臺北時間）：{posts} 則待審或已核准的報告、{official} 筆官方資料。點鄉鎮或圓圈開啟該地的佇列。":
            "{from} to {to} (Taipei time): {posts} queued or approved reports, {official} official records. Click a township or a bubble to open its queue.",
        "待審＋已核准": "Queued + approved", "現在": "Now", "{place}各鄉鎮市區報告數（{from} 至 {to}）": "Reports per township, {place} ({from} to {to})",
        "全國": "All of Taiwan", "讀不到鄉鎮界線檔：{error}": "The township boundary file cannot be read: {error}",
        "尚未設定鄉鎮界線（[server] map_boundaries）；`make boundaries` 可取得內政部國土測繪中心的開放資料。":
            "No township boundaries are configured ([server] map_boundaries); `make boundaries` fetches the national land-surveying open data.",
        "30 以上": "30 or more", "（只提到縣市）": " (county only)",
        "鄉鎮界線：{file}（內政部國土測繪中心開放資料，政府資料開放授權條款第 1 版），{townships} 個鄉鎮市區，簡化後 {points} 點。":
            "Township boundaries: {file} (National Land Surveying and Mapping Center open data, Open Government Data License 1.0), {townships} townships, {points} points after simplification. ",
        "金門、連江以框內位置示意。": "Kinmen and Matsu are shown in insets.", "時段": "Window", "著色": "Shade by", "顯示": "Show",
        "時間軸（時段結束時間）": "Timeline (end of the window)", "← 往前 {span}": "← {span} earlier", "往後 →": "Later →", "回到全國": "Back to all of Taiwan",
        "底圖：": "Base map: ", "。金門縣、連江縣請選縣市檢視。": ". Kinmen and Lienchiang: choose the county.", "下表仍列出各地報告數。": "The table below still lists the reports per place.",
        "圖例": "Legend", "{n} 則": "{n} reports", "報告群集（數字為則數；點選開啟佇列）": "Reports grouped (the number of reports; click to open the queue)",
        "地震震央（氣象署）": "Earthquake epicentre (CWA)", "EMIC 災情通報": "EMIC disaster report", "警報範圍（CAP）": "Alert area (CAP)",
        "各地報告": "Reports by place", "這段時間沒有提到地點的報告。": "No report named a place in this window.",
        "{place}：待審 {pending}、已核准 {verified}": "{place}: {pending} queued, {verified} approved", "等 {n} 區": " and others ({n} townships)",
        "{county}（位置示意）": "{county} (inset)", "N 北": "N", "{n} 公里": "{n} km",
        // Accounts, scores, cross-reference lines
        "單一登入": "Single sign-on", "本機密碼": "Local password", "停用": "Disabled", "啟用": "Enabled", "不確定": "Unsure", "待查證": "Check",
        "{kind} {id}：{summary}（分數 {score}）": "{kind} {id}: {summary} (score {score})",
        // Sign-in
        "已登出 Sieve。": "Signed out of Sieve.", "本站只接受機關單一登入。": "This site accepts the agency's single sign-on only.",
        "登入表單已過期，請再試一次。": "The sign-in form expired; please try again.", "嘗試次數過多，請於 {time} 後再試。": "Too many attempts; try again after {time}.",
        "登入人數過多，請稍候再試。": "Too many sign-ins at once; please try again shortly.", "帳號或密碼錯誤。": "Wrong account name or password.",
        "單一登入未設定（[oidc]）。": "Single sign-on is not configured ([oidc]).",
        "目前無法連線到機關單一登入服務，請稍後再試。": "The agency's single sign-on cannot be reached now; please try again later.",
        "單一登入失敗，請重新登入。（{reason}）": "Single sign-on failed; please sign in again. ({reason})",
        "登入連結已使用過或已過期": "the sign-in link was used already or has expired", "身分權杖已過期": "the identity token has expired",
        "身分權杖不是發給本系統的": "the identity token was not issued to this system", "身分權杖簽章不符": "the identity token's signature does not match",
        "您的機關帳號沒有 Sieve 的角色，請洽管理員": "your agency account has no Sieve role; ask your administrator",
        "系統暫時無法完成登入，請再試一次": "the sign-in could not be completed; please try again", "帳號已停用": "the account is disabled",
        "登入已取消或被拒": "the sign-in was cancelled or refused", "身分驗證失敗": "authentication failed",
        // Outbox
        "已放棄（dead letter）": "Given up (dead letter)", "失敗，將重試": "Failed, will retry", "頻道不支援": "Not supported by the channel",
        "重試": "Retry", "放棄": "Drop", "等待發送 {n} 筆。以下為失敗、已放棄或頻道不支援的發送（與 sieve outbox list 相同）。":
            "{n} deliveries waiting. Below: deliveries that failed, were given up or the channel cannot do (as sieve outbox list shows).",
        "編號": "No.", "頻道": "Channel", "嘗試": "Attempts", "下次嘗試": "Next attempt", "錯誤": "Error", "沒有失敗的發送。": "No failed deliveries.",
        // Errors and notices
        "EOC 檢視帳號只能檢視，不能做決定（需要審核員或管理員帳號）。": "EOC viewer accounts can look but not decide (a moderator or administrator account is needed).",
        "此頁面僅限管理員。": "This page is for administrators only.",
        "CSRF 驗證失敗（表單已過期或來源不明）。請重新整理頁面再試一次。": "The form's CSRF check failed (it expired or came from elsewhere). Reload the page and try again.",
        "決定：{action}": "Decision: {action}", "撤回需要填寫原因（note）。": "A retraction needs a reason (note).",
        "公開文字不能是空的（text）。": "The public wording cannot be empty (text).", "公開文字最多 5,000 字，收到 {n} 字。": "The public wording can be at most 5,000 characters; got {n}.",
        "已合併至 #{id}": "Merged into #{id}", "選取": "Select", "處理中": "Being handled",
        "{d} 天 {h} 小時": "{d} d {h} h", "{h} 小時 {m} 分": "{h} h {m} min", "{m} 分": "{m} min", "{s} 秒": "{s} s",
        "#{id} 已{action}。": "#{id}: {action} done.", "批次處理：{done} 則完成，{skipped} 則略過（他人處理中或狀態已改變）。":
            "Bulk: {done} done, {skipped} skipped (someone else holds them or their state changed).", "批次處理：{done} 則完成。": "Bulk: {done} done.",
        "沒有勾選任何項目（ids）。": "No item was ticked (ids).", "請至少選擇一個發布頻道。": "Choose at least one channel.",
        "{time} 起 24 小時（臺北時間；至最新一則貼文）": "24 hours from {time} (Taipei time; up to the newest post)", "這段時間沒有貼文": "No posts in this period",
        "沒有符合條件的項目。": "No items match.",
        // Drills
        "進行中": "running", "暫停": "Pause", "已結束": "finished", "演習控制": "Exercise control", "演習中": "Exercise",
        "【演習】{title}（{scenario}，{state}）— 這是演習資料庫：所有內容皆為演習，只發布到演習頻道。":
            "[EXERCISE] {title} ({scenario}, {state}) — this is an exercise database: everything here is an exercise and is published to exercise channels only.",
        "公開頁面不顯示演習內容": "The public page does not show exercises",
        "這個伺服器連接的是演習資料庫（{scenario}）。演習中的貼文與通報不是真實災情，不會出現在公開頁面。":
            "This server is connected to an exercise database ({scenario}). Posts and reports in an exercise are not real and never appear on the public page.",
        "這不是演習資料庫（沒有進行中的演習）": "This is not an exercise database (no exercise is running)", "演習控制：{title}": "Exercise control: {title}",
        "情境 {scenario}・情境時間 {clock}（{time}）・速度 {speed}×・{state}・已發生 {due}／{events} 個事件・已做出 {decided} 個決定":
            "Scenario {scenario} · scenario time {clock} ({time}) · speed {speed}× · {state} · {due} of {events} events happened · {decided} decisions made",
        "繼續": "Resume", "結束演習": "End the exercise", "速度（情境秒／實際秒）": "Speed (scenario seconds per real second)", "變更速度": "Change speed",
        "插入事件": "Inject an event", "真相": "Truth", "真實災情": "Real report", "雜訊": "Noise", "應為": "Expected", "（依真相）": "(from the truth)",
        "轉報應變中心": "Escalate to the EOC", "貼文內容": "Post text", "現在發出": "Post now", "報告：": "Report: ", "這不是演習資料庫": "This is not an exercise database",
        "速度須介於 0 與 3600 之間": "The speed must be between 0 and 3600",
        "插入事件需要內容、真相（report、rumour、noise）與頻道（小寫英數字與 -）": "An injected event needs text, a truth (report, rumour, noise) and a channel (lower-case letters, digits and -)",
        "應為：approve、reject 或 escalate": "Expected must be approve, reject or escalate",
        // The classifier's reasons (ReasonNote templates)
        "提到{words}：{type}（+{weight}）": "mentions {words}: {type} (+{weight})",
        "停班停課說法「{claim}」搭配傳聞用語，未引用官方公告（+1.5 謠言）": "the closure claim “{claim}” with hearsay wording and no official notice quoted (+1.5 rumour)",
        "傳聞／轉傳用語{cues}（+{weight} 謠言）": "hearsay / chain-message wording {cues} (+{weight} rumour)",
        "含照常上班上課用語「{notice}」": "says work and school go on as normal: “{notice}”", "地點：{places}": "places: {places}",
        "未見災情或傳聞關鍵詞": "no disaster or hearsay words found",
        "模型：{verdict}（{percent}）{source}": "model: {verdict} ({percent}){source}",
        "模型：{verdict}（{percent}），依據{words}{source}": "model: {verdict} ({percent}), from {words}{source}",
        "像災情通報": "looks like a disaster report", "不像災情通報": "does not look like a disaster report",
        "不確定是否為災情通報": "unsure whether it is a disaster report", "像謠言／轉傳訊息": "looks like a rumour / chain message",
        "不確定是否為謠言": "unsure whether it is a rumour", "可能是謠言，待查證": "possibly a rumour: check it", "災情通報": "a disaster report",
        "模型：{words}使其判為{label}（{percent}）": "model: {words} make it {label} ({percent})",
        "模型：{words}像謠言／轉傳訊息（{percent}）": "model: {words} look like a rumour / chain message ({percent})",
        "模型判斷類型：{type}{source}": "model's type: {type}{source}", "模型判斷類型：{type}（{words}）{source}": "model's type: {type} ({words}){source}",
        "模型判斷類型：{type}": "model's type: {type}", "模型判斷類型：{type}（{words}）": "model's type: {type} ({words})",
        "［訓練資料：{names} 等 {n} 筆］": " [training data: {names} and others, {n} examples]", "［訓練資料：{names} {n} 筆］": " [training data: {names}, {n} examples]",
        "{label}": "{label}", "{label} {n} 人": "{label} {n}", "受困": "trapped", "受傷": "injured", "死亡": "dead", "失聯": "missing", "撤離": "evacuated",
        "人員：{p0}": "people: {p0}", "人員：{p0}、{p1}": "people: {p0}, {p1}", "人員：{p0}、{p1}、{p2}": "people: {p0}, {p1}, {p2}",
        "時間：「{surface}」→ {start}": "time: “{surface}” → {start}",
        // The CLI's queue table
        "佇列是空的。（`sieve run` 會抓取並分類新貼文。）": "The queue is empty. (`sieve run` fetches and classifies new posts.)",
        "查核": "Verdict", "證實": "corroborated", "矛盾": "contradicted", "未證實": "unconfirmed", "查核：": "Cross-reference: ",
        "{n} 則待審。決定：sieve review ID approve|reject|escalate --note \"…\"": "{n} item(s). Decide with: sieve review ID approve|reject|escalate --note \"…\"",
    ]
}

extension Messages {
    /// Phrases looked up without an English entry since the process started (a test checks it stays empty).
    public static let missingAppPhrases = Locked<Set<String>>([])

    /// The moderators' app's wording in `lang`: Chinese as written, English from `appEnglish` (other languages
    /// read the English). `{name}` placeholders are filled from `args` after translating.
    public static func app(_ zh: String, _ lang: Language, _ args: [String: String] = [:]) -> String {
        var text = zh
        if lang != .zhHant {
            if let en = appEnglish[zh] {
                text = en
            } else {
                missingAppPhrases.withLock { _ = $0.insert(zh) }
            }
        }
        return fill(text, args)
    }

    /// Whether a string has Chinese characters (CJK ideographs or full-width punctuation).
    public static func hasChinese(_ s: String) -> Bool {
        s.unicodeScalars.contains { (0x3000...0x303F).contains($0.value) || (0x4E00...0x9FFF).contains($0.value) || (0xFF00...0xFFEF).contains($0.value) }
    }
}
