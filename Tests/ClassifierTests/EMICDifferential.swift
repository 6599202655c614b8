import Foundation
import TestSupport

@testable import Classifier

/// A hand-written matcher against the pattern it replaces, over every EMIC description of the dev file, as
/// written and normalised: how many results the reference gave, and the texts where the two differ.
func compareOnEMICDescriptions<R: Equatable>(
    _ name: String, reference: (String) -> [R], walked: (String) -> [R]
) throws -> (found: Int, differ: [String]) {
    guard let path = TestPaths.sharedData("emic/emic_cases_dev.csv") else { return (0, []) }
    let data = try LabelledData.load(path: path.path, textColumn: "CASE_DESCRIPTION", labelColumn: "DISASTER_MAIN_TYPE")
    var found = 0
    var differ: [String] = []
    for text in data.texts {
        for t in [text, Normalizer.normalize(text)] {
            let expected = reference(t)
            found += expected.count
            if walked(t) != expected { differ.append(t) }
        }
    }
    print("\(name): \(data.texts.count) EMIC descriptions, \(found) found, \(differ.count) differ")
    return (found, differ)
}
