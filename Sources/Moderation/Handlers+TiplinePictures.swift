import Foundation
import Net
import SieveCore

/// How a tipline gets a picture a person sent: a download from the platform, made when the message is answered (a
/// redelivered picture event is downloaded again before the Store finds it a repeat; it is not answered twice).
struct PictureFetch: Sendable {
    let fetch: @Sendable () async throws(PictureFetchError) -> Data
}

/// Why a picture could not be had; `message` names the platform's API, never a URL with a token in it.
struct PictureFetchError: Error, Equatable {
    var message: String
}

extension ModerationApp {
    /// A LINE picture message: its content from the Messaging API's data host
    /// (`GET /v2/bot/message/{messageId}/content`), or, when a LINE partner hosts it (`contentProvider.type`
    /// "external"), from its `originalContentUrl` under the SSRF guard. Nil for anything that is not a picture.
    func linePicture(_ event: LineWebhook.MessageEvent, settings: TiplineSettings, token: String) -> PictureFetch? {
        guard event.kind == "image" else { return nil }
        if let external = event.externalPictureURL {
            let request = Net.HTTPRequest(method: "GET", url: external, allowPrivate: settings.allowPrivate, timeout: 10)
            return PictureFetch { () throws(PictureFetchError) in
                try await self.downloadPicture(request, settings: settings, platform: "the picture's own host (\(URL(string: external)?.host ?? "?"))")
            }
        }
        // LINE's ids are digits; anything else would change the path.
        guard let id = event.messageID, !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        let request = Net.HTTPRequest(
            method: "GET", url: "\(settings.lineDataAPI)/v2/bot/message/\(id)/content", headers: ["Authorization: Bearer \(token)"],
            allowPrivate: settings.allowPrivate, timeout: 10)
        return PictureFetch { () throws(PictureFetchError) in
            try await self.downloadPicture(request, settings: settings, platform: "LINE content API at \(settings.lineDataAPI)")
        }
    }

    /// A Telegram picture: `getFile` says where the file is (`file_path`, valid for an hour), then the file is read
    /// from `/file/bot<token>/<file_path>`. The bot token is in both URLs, so errors name only the API's base.
    func telegramPicture(fileID: String, settings: TiplineSettings, token: String) -> PictureFetch {
        PictureFetch { () throws(PictureFetchError) in
            let platform = "Telegram getFile at \(settings.telegramAPI)"
            var query = URLComponents()
            query.queryItems = [URLQueryItem(name: "file_id", value: fileID)]
            let lookup = Net.HTTPRequest(
                method: "GET", url: "\(settings.telegramAPI)/bot\(token)/getFile?\(query.percentEncodedQuery ?? "")", allowPrivate: settings.allowPrivate,
                timeout: 10)
            let answer = try await self.downloadPicture(lookup, settings: settings, platform: platform, json: true)
            let root = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any]
            guard root?["ok"] as? Bool == true, let result = root?["result"] as? [String: Any] else {
                throw PictureFetchError(message: "\(platform): \((root?["description"] as? String) ?? "not the Bot API's JSON")")
            }
            if let size = (result["file_size"] as? NSNumber)?.intValue, size > settings.maxPictureBytes {
                throw PictureFetchError(message: "\(platform): the picture is \(size) bytes, over tipline.max_picture_bytes (\(settings.maxPictureBytes))")
            }
            guard let path = result["file_path"] as? String, !path.isEmpty, !path.contains(".."), !path.hasPrefix("/") else {
                throw PictureFetchError(message: "\(platform): no usable file_path")
            }
            let file = Net.HTTPRequest(
                method: "GET", url: "\(settings.telegramAPI)/file/bot\(token)/\(path)", allowPrivate: settings.allowPrivate, timeout: 10)
            return try await self.downloadPicture(file, settings: settings, platform: "Telegram file download at \(settings.telegramAPI)")
        }
    }

    /// One GET of a platform's API within `tipline.max_picture_bytes` (the limit holds while the body streams in).
    /// A 429 is retried once after the wait asked for (at most 2 s: the person is waiting); any other status or a
    /// transport failure throws, naming `platform` only. `json`: an error answer's body is returned to be read
    /// (the Bot API explains itself in JSON).
    func downloadPicture(_ request: Net.HTTPRequest, settings: TiplineSettings, platform: String, json: Bool = false) async throws(PictureFetchError)
        -> Data
    {
        var limits = CrawlerSettings()
        limits.maxBodyBytes = settings.maxPictureBytes
        let client = Net.HTTPClient(settings: limits)
        for attempt in 1...2 {
            let response: FetchResponse
            do {
                response = try await client.send(request)
            } catch {
                if case .tooLarge = error {
                    throw PictureFetchError(message: "\(platform): the picture is over tipline.max_picture_bytes (\(settings.maxPictureBytes))")
                }
                if case .timeout(_, let seconds) = error { throw PictureFetchError(message: "\(platform): no answer within \(Int(seconds)) s") }
                throw PictureFetchError(message: "\(platform) could not be reached")
            }
            let status = response.status ?? 0
            if status == 200 { return response.body }
            if status == 429, attempt == 1 {
                let wait = response.headers["retry-after"].flatMap { parseRetryAfter($0) }
                    ?? ((try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]).flatMap {
                        ($0["parameters"] as? [String: Any])?["retry_after"] as? Double
                    } ?? 1
                try? await Task.sleep(for: .milliseconds(Int(min(2, wait) * 1000)))
                continue
            }
            if json, (400..<500).contains(status), !response.body.isEmpty { return response.body }
            throw PictureFetchError(message: "\(platform) answered \(status)")
        }
        throw PictureFetchError(message: "\(platform) is rate-limiting (429 twice)")
    }
}
