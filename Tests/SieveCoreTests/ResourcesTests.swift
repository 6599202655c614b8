import Foundation
import SieveCore
import Testing
import TestSupport

@Suite("Where resources are found")
struct ResourcesTests {
    let dir = TempDir()

    func make(_ path: String, marker: String) {
        dir.write("\(path)/\(marker)", "x\n")
    }

    @Test func anInstalledTreeWinsOverTheWorkingDirectoryAndTheVariableOverBoth() {
        make("prefix/share/sieve/Lexicons", marker: "places.tsv")
        make("project/Lexicons", marker: "places.tsv")
        make("other/Lexicons", marker: "places.tsv")
        let exe = dir.path("prefix/bin/sieve")
        let fromProject = Resources.locate(.lexicons, environment: [:], workingDirectory: dir.path("project/sub"), executable: exe)
        #expect(fromProject?.path == dir.path("prefix/share/sieve/Lexicons"))
        // Without an installation beside the binary (a build folder), the nearest folder above the working directory.
        let built = Resources.locate(.lexicons, environment: [:], workingDirectory: dir.path("project/sub"), executable: dir.path("project/.build/debug/sieve"))
        #expect(built?.path == dir.path("project/Lexicons"))
        // SIEVE_SHARE, then the folder's own variable (taken as given).
        let share = Resources.locate(.lexicons, environment: ["SIEVE_SHARE": dir.path("other")], workingDirectory: "/", executable: exe)
        #expect(share?.path == dir.path("other/Lexicons"))
        let own = Resources.locate(
            .lexicons, environment: ["SIEVE_SHARE": dir.path("other"), "SIEVE_LEXICONS": dir.path("mine")], workingDirectory: "/", executable: exe)
        #expect(own?.path == dir.path("mine"))
        // A folder without its marker does not count.
        make("empty/share/sieve/Models", marker: "unrelated.txt")
        let unmarked = Resources.locate(.models, environment: [:], workingDirectory: dir.path("empty"), executable: dir.path("empty/bin/sieve"))
        #expect(unmarked?.path != dir.path("empty/share/sieve/Models"))
    }

    @Test func theCandidatesAreListedInOrder() {
        let list = Resources.candidates(.models, environment: ["SIEVE_SHARE": "/srv/share"], workingDirectory: "/a/b", executable: "/opt/s/bin/sieve")
        let paths = list.map(\.path)
        #expect(paths.first == "/srv/share/Models")
        #expect(paths[1] == "/opt/s/share/sieve/Models")
        #expect(paths.contains("/a/b/Models") && paths.contains("/a/Models"))
        #expect(Array(paths.suffix(2)) == ["/usr/local/share/sieve/Models", "/usr/share/sieve/Models"])
        #expect(paths.firstIndex(of: "/a/b/Models")! < paths.firstIndex(of: "/opt/s/bin/Models")!)
    }
}
