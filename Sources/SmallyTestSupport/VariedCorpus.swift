import Foundation

/// A reproducible corpus of varied texts for comparing two ways of computing embeddings: words of
/// `scripts/performance/words.txt` (whole-word tokens of the model's vocabulary) drawn by SplitMix64,
/// in texts of 1 to ~300 words (past the model's 256-token limit, so truncation is covered), with
/// capitals, numbers and punctuation mixed in.
public enum VariedCorpus {
    public static func texts(count: Int, seed: UInt64) throws -> [String] {
        let words = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("scripts/performance/words.txt"),
                               encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        var random = SplitMix64(seed: seed)
        let punctuation = [".", ",", "?", "!", ";", ":", " -", "'s"]
        return (0..<count).map { _ in
            // Mostly short texts (queries, titles), some paragraphs, a few past the token limit.
            let length: Int = switch random.next() % 10 {
            case 0..<5: 1 + Int(random.next() % 12)
            case 5..<9: 12 + Int(random.next() % 80)
            default: 90 + Int(random.next() % 220)
            }
            var parts: [String] = []
            parts.reserveCapacity(length)
            for _ in 0..<length {
                var word = words[Int(random.next() % UInt64(words.count))]
                switch random.next() % 20 {
                case 0: word = word.capitalized
                case 1: word = String(random.next() % 10_000)
                case 2, 3: word += punctuation[Int(random.next() % UInt64(punctuation.count))]
                default: break
                }
                parts.append(word)
            }
            return parts.joined(separator: " ")
        }
    }
}
