import Foundation
import Net
import SieveCore
import Store

/// What the crawl stage learns from one picture: the words in it (OCR) and its perceptual hashes, as the Store keeps
/// them ("dct64:…", "dct256:…").
public struct PictureRead: Sendable, Equatable {
    public var text: String
    public var hashes: [String]

    public init(text: String, hashes: [String]) {
        self.text = text
        self.hashes = hashes
    }
}

/// Reads one downloaded picture (the pipeline passes OCR + hashing); throws when it is not a picture it can read.
public typealias PictureReader = @Sendable (Data) async throws -> PictureRead

extension CrawlEngine {
    /// Reads the pictures of a page's NEW posts (posts the Store already has are not read again), at most
    /// `picturesPerPage` per page and `picturesPerPost` per post, each fetched within `maxPictureBytes` and the
    /// crawler's timeouts under the SSRF guard (the source's `allow_private` applies, its cookie does not). The
    /// words read are added to the post's text after 〔圖片文字〕 (a photo without a caption gets them as its
    /// text), the hashes go to `extra["pictureHashes"]` for the cross-reference; errors go to
    /// `extra["pictureErrors"]` and the log. Posts are never dropped for their pictures.
    func readPictures(_ posts: [ExtractedPost], source: SourceConfig, sourceID: Int64) async -> (posts: [ExtractedPost], read: Int, failed: Int) {
        let settings = config.crawler
        guard let reader = pictureReader, settings.picturesPerPage > 0, posts.contains(where: { !$0.pictures.isEmpty }) else {
            return (posts, 0, 0)
        }
        let withPictures = posts.filter { !$0.pictures.isEmpty }.map(\.externalID)
        let known = (try? await database.existingPosts(sourceID: sourceID, externalIDs: withPictures)) ?? Set(withPictures)
        var budget = settings.picturesPerPage
        var read = 0, failed = 0
        var out: [ExtractedPost] = []
        var limits = settings
        limits.maxBodyBytes = settings.maxPictureBytes
        let client = HTTPClient(settings: limits)
        var options = fetchOptions
        options.cookie = nil
        options.etag = nil
        options.lastModified = nil
        options.proxy = source.proxy ?? settings.proxy ?? options.proxy
        options.allowPrivate = source.allowPrivate || options.allowPrivate
        for var post in posts {
            if !post.pictures.isEmpty, !known.contains(post.externalID), budget > 0 {
                var words: [String] = []
                var hashes: [String] = []
                var errors: [String] = []
                for url in post.pictures.prefix(settings.picturesPerPost) where budget > 0 {
                    budget -= 1
                    do {
                        let response = try await client.fetch(url, options: options)
                        let picture = try await reader(response.body)
                        read += 1
                        if !picture.text.isEmpty { words.append(picture.text) }
                        hashes.append(picture.hashes.joined(separator: ","))
                    } catch let error as FetchError {
                        failed += 1
                        errors.append(error.description)  // names the URL
                    } catch {
                        failed += 1
                        errors.append("\(url): \(error)")
                    }
                }
                if !hashes.isEmpty { post.extra["pictureHashes"] = hashes.joined(separator: " ") }
                if !errors.isEmpty {
                    post.extra["pictureErrors"] = String(errors.joined(separator: "\n").prefix(1000))
                    for e in errors { logger.warning("picture not read", metadata: ["source": "\(source.name)", "error": "\(e)"]) }
                }
                if !words.isEmpty {
                    let said = words.joined(separator: "\n")
                    post.text = post.text.isEmpty ? said : post.text + "\n〔圖片文字〕" + said
                }
                // A photo without words keeps an empty text: its hashes still match known rumours' pictures, and a
                // picture that could not be read is kept as a post with its error (nothing is lost; the page's next
                // fetch finds it stored and does not read it again).
            }
            out.append(post)
        }
        return (out, read, failed)
    }
}
