import Foundation
import ScanDecode
import ZbarReference

/// `bench decode-set EXPECTED.tsv [MAX_MEDIAN_MS]`: every photo in the set (a file and
/// the code it shows, tab-separated; scripts/bench.sh decode makes them), decoded in
/// process by ScanDecode and by zbarimg. A hit is the expected code read, nothing else.
extension Bench {
    static func decodeSet(expectedFile: String, maxMedianMilliseconds: Double?) async throws -> Bool {
        let entries = try String(contentsOfFile: expectedFile, encoding: .utf8).split(separator: "\n").compactMap {
            line -> (file: String, code: String)? in
            let fields = line.split(separator: "\t", maxSplits: 1)
            return fields.count == 2 ? (String(fields[0]), String(fields[1])) : nil
        }
        let clock = ContinuousClock()
        var ours: [Duration] = []
        var theirs: [Duration] = []
        var ourHits = 0
        var theirHits = 0
        for (file, expected) in entries {
            let url = URL(fileURLWithPath: file)
            var read: [String] = []
            var samples: [Duration] = []
            for _ in 0..<5 {
                let start = clock.now
                read = (try? QRCodeReader.codes(inImageAt: url)) ?? []
                samples.append(clock.now - start)
            }
            ours.append(median(samples))
            let start = clock.now
            let zbar = try await Zbarimg.codes(inImageAt: file)
            theirs.append(clock.now - start)
            let ourHit = read == [expected]
            let theirHit = zbar == [expected]
            if ourHit { ourHits += 1 }
            if theirHit { theirHits += 1 }
            if ourHit != theirHit {
                print("  \(url.lastPathComponent): \(ourHit ? "read" : "missed") here, \(theirHit ? "read" : "missed") by zbarimg")
            }
        }
        let oursMedian = milliseconds(median(ours))
        print(
            String(
                format: "decode %d photos: ours median %.2f ms (max %.2f), %d read; zbarimg median %.2f ms (a process each), %d read",
                entries.count, oursMedian, milliseconds(ours.max() ?? .zero), ourHits, milliseconds(median(theirs)), theirHits))
        var ok = true
        if let maxMedianMilliseconds, oursMedian > maxMedianMilliseconds {
            print(String(format: "FAILED: median %.2f ms is over the %.0f ms target", oursMedian, maxMedianMilliseconds))
            ok = false
        }
        if ourHits < theirHits {
            print("FAILED: read \(ourHits) photos, fewer than zbarimg's \(theirHits)")
            ok = false
        }
        return ok
    }
}
