import Foundation
import SieveCore

/// Everything the Store can refuse, with what to do about it.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case open(path: String, underlying: String)
    case noSuchPost(Int64)
    case invalidTransition(post: Int64, from: String, decision: String)
    case unknownChannel(String, known: [String])
    case database(String)
    case noSuchDelivery(Int64)
    case deliveryState(id: Int64, status: String, wanted: String)
    case accountExists(String)
    case noSuchAccount(String)
    case claimedByOther(post: Int64, user: String, until: Date)
    /// Merging `post` into `into` is refused: the same item, or `into` is already a duplicate of `post`.
    case invalidMerge(post: Int64, into: Int64)
    /// A delivery of an item that was retracted: it may never go out again.
    case retracted(post: Int64, delivery: Int64)

    public var description: String {
        switch self {
        case .open(let path, let underlying):
            return "cannot open database \(path): \(underlying)"
        case .noSuchPost(let id):
            return "no post with id \(id) (see `sieve queue` for the ids awaiting review)"
        case .invalidTransition(let post, let from, let decision):
            switch decision {
            case "retract":
                return "post \(post) is \(from); only approved or escalated items can be retracted"
                    + (from == "queued" ? " (to take a queued item off the queue, reject it)" : "")
            case "edit":
                return "post \(post) is \(from); only approved items can have their public wording edited"
            default:
                return "post \(post) is \(from); only queued or escalated posts can be given the decision \"\(decision)\""
            }
        case .unknownChannel(let name, let known):
            return "unknown channel \"\(name)\" (configured: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
        case .noSuchDelivery(let id):
            return "no outbox entry with id \(id) (see `sieve outbox list`)"
        case .deliveryState(let id, let status, let wanted):
            return "outbox entry \(id) is \(status); cannot \(wanted) it"
        case .database(let message):
            return "database error: \(message)"
        case .accountExists(let name):
            return "an account named \"\(name)\" already exists (see `sieve user list`)"
        case .noSuchAccount(let name):
            return "no account named \"\(name)\" (create it with `sieve user add \(name) --role moderator`)"
        case .claimedByOther(let post, let user, let until):
            return "post \(post) is being handled by \(user) until \(TaipeiTime.rfc3339(until))"
        case .invalidMerge(let post, let into):
            return post == into
                ? "cannot merge: an item cannot be merged into itself" : "cannot merge: post \(into) is already a duplicate of \(post)"
        case .retracted(let post, let delivery):
            return "item \(post) was retracted, so delivery \(delivery) can never be sent again (a retraction cancels every delivery not yet made)"
        }
    }
}
