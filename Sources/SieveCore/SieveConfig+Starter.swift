extension SieveConfig {
    /// The commented starter written by `sieve init`.
    public static let starterTOML = """
        # Sieve configuration. Every command reads ./sieve.toml unless given --config FILE;
        # --database PATH overrides `database` below.

        # SQLite file holding sources, posts, assessments, reviews and publications.
        # A relative path is resolved against the working directory.
        database = "sieve.sqlite"

        # Limits for every fetch (all optional; these are the defaults).
        [crawler]
        # user_agent = "Sieve/0.1 (+https://github.com/sieve-disaster/sieve; disaster-information crawler)"
        connect_timeout = 10        # seconds to establish a connection
        timeout = 30                # seconds for a whole transfer
        max_body_bytes = 10485760   # larger (decoded) bodies are cut off with an error
        max_redirects = 5

        # One [[source]] per feed or page. kind = "rss", "atom" or "html".
        # url may be http://, https:// or file: (a relative file: path is resolved against this file's folder).
        # interval is how often it should be polled: seconds, or "10m", "2h".
        [[source]]
        name = "example-news"
        kind = "rss"
        url = "https://example.org/typhoon/rss.xml"
        interval = "15m"

        # HTML pages are turned into posts by XPath rules: `item` selects each post,
        # the other rules are evaluated inside it. `item` and `text` are required.
        # [[source]]
        # name = "village-board"
        # kind = "html"
        # url = "https://example.org/board"
        # interval = "30m"
        # [source.rules]
        # item = "//article[@class='post']"
        # id = "@id"
        # title = ".//h2"
        # link = ".//a[@class='permalink']/@href"
        # author = ".//span[@class='author']"
        # published = ".//time/@datetime"
        # text = ".//div[@class='body']"

        # Where approved items are published. kind = "atom" writes an Atom 1.0 feed file
        # (a relative path is resolved against the working directory).
        [[channel]]
        name = "community-feed"
        kind = "atom"
        path = "public/community.atom"
        title = "Sieve 已查證災情"

        # More channels (see README "Publishing"). Tokens are read from an environment variable (token_env)
        # or a file (token_file), never from this file, and never stored or logged.
        # [[channel]]
        # name = "mastodon"
        # kind = "mastodon"                # also: telegram, line, facebook, discord, slack, webhook,
        #                                  # jsonfeed, geojson, kml, cap
        # url = "https://mastodon.example"
        # token_env = "SIEVE_MASTODON_TOKEN"
        # hashtags = ["颱風"]
        # template = "templates/mastodon.mustache"   # optional Mustache override
        #
        # [[channel]]
        # name = "eoc"
        # kind = "webhook"                 # JSON, signed HMAC-SHA256 over "timestamp.body"
        # url = "https://eoc.example.gov.tw/sieve"
        # token_file = "/run/secrets/sieve-eoc"
        # events = ["escalated", "approved"]   # escalated items go here at once as EOC leads

        # `sieve schedule` (see README "Operations"): a source may take `schedule` instead of `interval`,
        # an interval ("10m") or a cron expression ("*/10 * * * *", "@hourly"; Taipei time unless [scheduler] zone
        # or a "TZ=UTC " prefix says otherwise). Publishing and backups run only when scheduled here.
        # [publish]
        # schedule = "*/2 * * * *"
        # feeds = "public"                 # also write every feed format into this folder
        #
        # [backup]
        # schedule = "@hourly"
        # dir = "backups"
        # keep = 48

        # Single sign-on for the web app through the organisation's OpenID Connect provider (README "Single
        # sign-on"): authorization code + PKCE; roles from a claim; local accounts stay unless local_login = false.
        # [oidc]
        # issuer = "https://sso.example.gov.tw/realms/emic"
        # client_id = "sieve"
        # client_secret_env = "SIEVE_OIDC_CLIENT_SECRET"   # or client_secret_file
        # redirect_uri = "https://sieve.example.gov.tw/auth/oidc/callback"
        # role_claim = "groups"                             # or a dotted path: "realm_access.roles"
        # [oidc.roles]
        # admin = ["sieve-admin"]
        # moderator = ["sieve-moderator"]
        # eoc = ["eoc"]

        """
}
