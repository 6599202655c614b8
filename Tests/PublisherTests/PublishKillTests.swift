import Foundation
import Publisher
import SieveCore
import Store
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

@Suite("sieve publish killed mid-delivery", .serialized)
struct PublishKillTests {
    /// SIGKILL `sieve publish` (the real binary) twice while slow platforms are mid-request, then let it
    /// finish: every approved item reaches every channel; Mastodon, LINE and the webhook (idempotency keys)
    /// receive each exactly once; the others' duplicates are counted and printed.
    @Test(.enabled(if: TestPaths.sieveBuilt, Comment(rawValue: TestPaths.sieveNotBuilt)))
    func killAndRestartDeliversEverythingOnce() async throws {
        let binary = TestPaths.sieveBinary
        let f = try await Fixture()
        let kinds: [ChannelKind] = [.mastodon, .line, .webhook, .telegram, .slack, .discord]
        var fakes: [ChannelKind: FakePlatform] = [:]
        var toml = "database = \"\(f.db.path)\"\n"
        for kind in kinds {
            let fake = try FakePlatform(kind: kind)
            fake.stall = 0.3  // posts at once, answers 0.3 s later: a kill lands between the two
            fakes[kind] = fake
            toml += """

                [[channel]]
                name = "\(kind.rawValue)"
                kind = "\(kind.rawValue)"
                url = "\(fake.channelURL)"
                allow_private = true
                rate_per_minute = 60000
                timeout = 5

                """
            if kind != .slack && kind != .discord {
                toml += "token_file = \"\(f.dir.write("secrets/\(kind.rawValue)", fake.token + "\n"))\"\n"
            }
            if kind == .telegram { toml += "chat_id = \"@typhoon_tw\"\n" }
        }
        toml += """

            [[channel]]
            name = "feed"
            kind = "atom"
            path = "\(f.dir.path("public/community.atom"))"

            """
        let config = f.dir.write("sieve.toml", toml)
        let count = 8
        let ids = try await f.addItems(count)
        try await f.approve(ids, channels: kinds.map(\.rawValue) + ["feed"])

        // Two runs killed mid-delivery, at different moments: once the slow Mastodon fake has taken 2 (then 5)
        // posts, while it is still holding back its answer.
        var stderrs: [String] = []
        let mastodon = fakes[.mastodon]!
        for threshold in [2, 5] {
            let p = Process()
            p.executableURL = binary
            p.arguments = ["publish", "--config", config, "--wait", "0", "--verbose"]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = Pipe()
            mastodon.holdAfter = threshold  // the run waits on Mastodon's answer from the threshold-th post on
            let child = ChildProcess(p)
            try child.run()
            await waitUntil(timeout: 60) { mastodon.posts.count >= threshold || !child.isRunning }
            if !child.isRunning {
                // Say why it ended early (its stderr), instead of only that it did.
                let early = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                Issue.record("the run ended (status \(p.terminationStatus)) before \(threshold) Mastodon posts: \(early.suffix(2000))")
            }
            #expect(child.isRunning, "the run should still be delivering when killed")
            kill(p.processIdentifier, SIGKILL)
            await child.exited()
            mastodon.holdAfter = nil
            #expect(p.terminationReason == .uncaughtSignal)
            stderrs.append(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        let midway = try await f.rows()
        #expect(midway.contains { $0.status == "delivering" }, "a kill should leave a delivery mid-flight")
        #expect(midway.contains { $0.status == "delivered" })

        // The restart finishes the job.
        let final = try await runProcess(binary, ["publish", "--config", config, "--wait", "30", "--verbose"], timeout: 120)
        #expect(final.status == 0, Comment(rawValue: final.stdout + final.stderr))
        #expect(final.stdout.contains("left mid-flight by an earlier run"), Comment(rawValue: final.stdout))
        stderrs.append(final.stderr)
        let rows = try await f.rows()
        #expect(rows.count == count * (kinds.count + 1))
        #expect(rows.allSatisfy { $0.status == "delivered" }, "\(rows.filter { $0.status != "delivered" })")

        var duplicates: [String: Int] = [:]
        for kind in kinds {
            let fake = fakes[kind]!
            let numbers = fake.posts.compactMap { post -> Int? in
                guard let r = post.text.range(of: #"坍方 #(\d+)"#, options: .regularExpression) else { return nil }
                return Int(post.text[r].dropFirst(4))
            }
            #expect(Set(numbers).count == count, "\(kind): every item arrived (\(Set(numbers).sorted()))")
            let extra = numbers.count - Set(numbers).count
            if idempotentKinds.contains(kind) {
                #expect(extra == 0, "\(kind) honours the idempotency key: each item exactly once")
            } else {
                #expect(extra <= 2, "\(kind): at most one duplicate per kill")
                duplicates[kind.rawValue] = extra
            }
        }
        print("KILL-TEST duplicates after 2 SIGKILLs, \(count) items: " + duplicates.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            + " (mastodon, line, webhook: 0 by idempotency key)")
        #expect(try String(contentsOfFile: f.dir.path("public/community.atom"), encoding: .utf8).components(separatedBy: "<entry>").count - 1 == count)
        // Tokens never appear in logs.
        for fake in fakes.values { #expect(!stderrs.joined().contains(fake.token)) }

        let list = try await runProcess(binary, ["outbox", "list", "--config", config, "--json"])
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == rows.count)
    }

    @Test(.enabled(if: TestPaths.sieveBuilt, Comment(rawValue: TestPaths.sieveNotBuilt)))
    func outboxCommandsShowRetryAndDrop() async throws {
        let binary = TestPaths.sieveBinary
        let f = try await Fixture()
        let fake = try FakePlatform(kind: .discord)
        let config = f.dir.write(
            "sieve.toml",
            """
            database = "\(f.db.path)"

            [[channel]]
            name = "discord"
            kind = "discord"
            url = "\(fake.channelURL)"
            allow_private = true
            template = "\(f.dir.write("t.mustache", "{{text}}"))"
            """)
        let ids = try await f.addItems(2, text: "   ", url: nil)
        try await f.approve(ids, channels: ["discord"], note: nil)
        let run = try await runProcess(binary, ["publish", "--config", config, "--wait", "0"])
        #expect(run.status == 1, Comment(rawValue: run.stdout + run.stderr))
        #expect(run.stdout.contains("2 dead-lettered"))
        let list = try await runProcess(binary, ["outbox", "list", "--config", config, "--status", "dead"])
        #expect(list.stdout.contains("discord: HTTP 400 Cannot send an empty message"), Comment(rawValue: list.stdout))
        let rows = try await f.rows()
        let retry = try await runProcess(binary, ["outbox", "retry", String(rows[0].id!), "--config", config])
        #expect(retry.status == 0 && retry.stdout.contains("pending again"))
        let drop = try await runProcess(binary, ["outbox", "drop", String(rows[1].id!), "--config", config])
        #expect(drop.status == 0)
        #expect(try await f.rows().map(\.status) == ["pending", "dropped"])
        let again = try await runProcess(binary, ["outbox", "drop", "999", "--config", config])
        #expect(again.status == 1 && again.stderr.contains("no outbox entry with id 999"))
        // Retraction from the CLI.
        let retract = try await runProcess(binary, ["retract", String(ids[0]), "--note", "誤報", "--config", config])
        #expect(retract.status == 0, Comment(rawValue: retract.stderr))
        #expect(retract.stdout.contains("discord: never delivered there"))
    }

    @Test func channelConfigErrorsNameFileLineAndKey() {
        func error(_ toml: String) -> String {
            do {
                _ = try SieveConfig.parse(toml, file: "sieve.toml")
                return "no error"
            } catch { return error.description }
        }
        #expect(error("[[channel]]\nname = \"m\"\nkind = \"mastodon\"\nurl = \"https://m.social\"\n")
            .hasPrefix("sieve.toml:1: channel[1].token_env: missing"))
        #expect(error("[[channel]]\nname = \"m\"\nkind = \"mastodn\"\n") == "sieve.toml:3: channel[1].kind: unknown channel kind \"mastodn\" (expected atom, jsonfeed, geojson, kml, cap, mastodon, telegram, line, facebook, discord, slack, webhook); did you mean \"mastodon\"?")
        #expect(error("[[channel]]\nname = \"t\"\nkind = \"telegram\"\ntoken_env = \"T\"\n") == "sieve.toml:1: channel[1].chat_id: missing (required: the chat to post to, e.g. \"@typhoon_tw\")")
        // A webhook's URL may carry its secret: the error does not repeat it (a Mastodon instance's URL is not secret).
        #expect(error("[[channel]]\nname = \"w\"\nkind = \"webhook\"\nurl = \"ftp://x\"\ntoken_env = \"S\"\n") == "sieve.toml:4: channel[1].url: not an http(s) URL")
        #expect(error("[[channel]]\nname = \"m\"\nkind = \"mastodon\"\nurl = \"ftp://m\"\ntoken_env = \"S\"\n") == "sieve.toml:4: channel[1].url: not an http(s) URL: \"ftp://m\"")
        #expect(error("[[channel]]\nname = \"s\"\nkind = \"slack\"\nurl_env = \"SLACK_URL\"\nurl = \"https://hooks.slack.com/x\"\n") == "sieve.toml:1: channel[1].url: give one of url, url_env and url_file")
        #expect(error("[[channel]]\nname = \"m\"\nkind = \"mastodon\"\nurl_env = \"U\"\ntoken_env = \"S\"\n").hasPrefix("sieve.toml:4: channel[1].url_env: only for slack, discord and webhook channels"))
        #expect(error("[[channel]]\nname = \"w\"\nkind = \"slack\"\nurl = \"https://hooks.slack.com/x\"\nevents = [\"approved\", \"rejected\"]\n").hasPrefix("sieve.toml:5: channel[1].events: unknown event"))
        #expect(error("[[channel]]\nname = \"a\"\nkind = \"atom\"\npath = \"a.atom\"\ntokn_env = \"X\"\n").hasPrefix("sieve.toml:5: channel[1].tokn_env: unknown key (did you mean `token_env`?)"))
        let ok = try? SieveConfig.parse("""
            [[channel]]
            name = "eoc"
            kind = "webhook"
            url = "https://eoc.example.gov.tw/hook"
            token_env = "SIEVE_EOC_SECRET"
            events = ["escalated", "approved"]
            rate_per_minute = 10
            hashtags = ["颱風"]
            """, file: "sieve.toml")
        #expect(ok?.channels.first?.events == [.escalated, .approved])
        #expect(ok?.channels.first?.hashtags == ["#颱風"])
        #expect(ok?.channels.first?.location == "sieve.toml:1")
    }
}
