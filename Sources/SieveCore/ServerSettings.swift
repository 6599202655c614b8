/// `[server]`: the moderation web app (`sieve serve`).
public struct ServerSettings: Sendable, Equatable {
    /// Address to bind ("127.0.0.1": this machine only; "0.0.0.0": every interface).
    public var host: String
    public var port: Int
    /// Mark the session cookie Secure (sent over HTTPS only). Turn off only for plain-http on localhost.
    public var secureCookies: Bool
    /// Seconds a login stays valid.
    public var sessionLifetime: Int
    /// Seconds an opened item stays locked for the moderator who opened it.
    public var claimDuration: Int
    /// Queue rows per page.
    public var pageSize: Int
    /// Failed logins per account and address before that pair is locked out …
    public var loginMaxFailures: Int
    /// … for this many seconds.
    public var loginLockout: Int
    /// bcrypt cost for new passwords (4…31; each step doubles the work).
    public var bcryptCost: Int
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDR blocks). Requests from anyone else
    /// are attributed to their own address, whatever the header says.
    public var trustedProxies: [IPRange] = []
    /// bcrypt checks running at once (each takes about a quarter of a second of one core at cost 12); logins
    /// beyond them wait, and beyond `4 ×` this many waiting, are refused with 503.
    public var loginConcurrency: Int = 2
    /// Township boundaries for the map (`/map`): a GeoJSON or TopoJSON file of the national land-surveying open
    /// data (鄉鎮市區界線), absolute or relative to the config file. Nil: the map shows official incidents and a
    /// table only. `make boundaries` fetches one.
    public var mapBoundaries: String? = nil
    /// Village boundaries (村里界) as GeoJSON/TopoJSON: reports naming only a village land in its township.
    public var mapVillages: String? = nil
    /// An optional tile layer under the map: a `https://…/{z}/{x}/{y}.png` template (Web Mercator, 256-pixel
    /// tiles) and the attribution its licence asks for. Nil: no tiles, nothing loaded from another site.
    public var mapTiles: String? = nil
    public var mapTilesAttribution: String? = nil

    public init(
        host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = true, sessionLifetime: Int = 12 * 3600,
        claimDuration: Int = 600, pageSize: Int = 50, loginMaxFailures: Int = 5, loginLockout: Int = 900,
        bcryptCost: Int = 12
    ) {
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.sessionLifetime = sessionLifetime
        self.claimDuration = claimDuration
        self.pageSize = pageSize
        self.loginMaxFailures = loginMaxFailures
        self.loginLockout = loginLockout
        self.bcryptCost = bcryptCost
    }
}
