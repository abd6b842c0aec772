/// WordPiece model (HF `models::wordpiece`): greedy longest-match-first over the word's
/// scalars; pieces after the first are looked up as continuations ("##" + piece). A word
/// longer than max_input_chars_per_word, or with any position where no piece matches,
/// becomes a single [UNK].
///
/// As a `WordSink` it writes ids straight into the encoding, keeping the first `limit`
/// ids (truncation) while still counting every piece for `untruncatedCount`.
struct WordPieceEncoder: WordSink {
    let vocabulary: Vocabulary.View
    let unknownId: Int32
    /// Maximum ids.count (the caller has already appended [CLS] and will add [SEP]).
    let limit: Int
    var ids: [Int32]
    /// Pieces produced by the text, kept or not.
    var total = 0

    /// - Parameter capacity: ids to reserve; one allocation for the whole encoding.
    init(vocabulary: Vocabulary.View, unknownId: Int32, limit: Int, capacity: Int) {
        self.vocabulary = vocabulary
        self.unknownId = unknownId
        self.limit = limit
        self.ids = []
        self.ids.reserveCapacity(capacity)
    }

    @inline(__always)
    private mutating func emit(_ id: Int32) {
        total += 1
        if ids.count < limit { ids.append(id) }
    }

    mutating func addedToken(id: Int32) {
        emit(id)
    }

    mutating func word(_ bytes: UnsafePointer<UInt8>, count: Int, tooLong: Bool) {
        if tooLong {
            emit(unknownId)
            return
        }
        let savedTotal = total, savedCount = ids.count
        var start = 0
        while start < count {
            // Candidates longer than the longest key cannot match; start there, on a scalar boundary.
            let longest = start == 0 ? vocabulary.maxStartKeyLength : vocabulary.maxContinuationKeyLength
            var end = min(count, start + longest)
            while end > start && end < count && isContinuationByte(bytes[end]) { end -= 1 }
            var id: Int32 = -1
            while end > start {
                id = vocabulary.id(bytes + start, end - start, continuation: start > 0)
                if id >= 0 { break }
                end -= 1  // drop the last scalar
                while end > start && isContinuationByte(bytes[end]) { end -= 1 }
            }
            if id < 0 {
                total = savedTotal
                if ids.count > savedCount { ids.removeLast(ids.count - savedCount) }
                emit(unknownId)
                return
            }
            emit(id)
            start = end
        }
    }

    @inline(__always)
    private func isContinuationByte(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }
}
